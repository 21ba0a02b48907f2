// what the construct and the handler agree on, in one place so the two sides cannot drift apart.
// the construct imports this file; the handler bundle does too.

/**
 * the environment of a rotation function: where its rotations' configuration parameters are.
 * the function is shared by the rotations of a stack, so per-rotation settings cannot live in
 * its environment (4 KB in all); see CONFIG_PARAMETER_PREFIX.
 */
export const ENV = {
  configPath: 'JFROG_ROTATION_CONFIG_PATH',
  /** the JFrog base URLs (space-separated) the function's rotations may use */
  allowedJfrogUrls: 'JFROG_ROTATION_ALLOWED_URLS',
  /** the partition's domain, from the stack (AWS::URLSuffix) */
  urlSuffix: 'JFROG_ROTATION_URL_SUFFIX',
} as const;

/**
 * each rotation's settings are one SSM String parameter under
 * `/cdk-jfrog-token-rotation/<function id>/`. why there: whoever may read or write the token's
 * secret (CI, the team that owns it) has no say over SSM parameters, so nobody who can write
 * the secret can widen the next token's scope, point the rotation at another JFrog or swap the
 * credential. the parameter names the secret's ARN, and the handler refuses a parameter whose
 * ARN is not the secret it was invoked for.
 */
export const CONFIG_PARAMETER_PREFIX = '/cdk-jfrog-token-rotation';

/** the configuration parameter's JSON (version 1) */
export interface RotationParameter {
  readonly v: 1;
  /** the secret's complete ARN, or its partial ARN (no 6-character suffix) when imported by name */
  readonly secretArn: string;
  readonly jfrogUrl: string;
  readonly username: string;
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly tokenField: string;
  readonly revokePrevious: boolean;
  readonly credentialsKind: 'ADMIN_TOKEN' | 'USERNAME_PASSWORD' | 'SELF_ROTATING';
  readonly credentialsSecretArn?: string;
  readonly credentialsField?: string;
  /** the SecretName dimension of the metrics, as the construct's metricXxx() helpers use it */
  readonly metricSecretName: string;
  /** the expiry alarm fires when the token has less than this left */
  readonly expiryWarningSeconds: number;
  /** the overdue alarm fires when the last rotation is older than this */
  readonly overdueAfterSeconds: number;
}

/**
 * the parameter name's last part for a secret name: every character SSM does not allow in a
 * name (Secrets Manager allows `+=@`, and `/` would add levels) and `_` itself become `_xx`
 * (hex), so the mapping is one to one. Secrets Manager's generated names need no escaping.
 */
export function parameterKey(secretName: string): string {
  return secretName.replace(/[^A-Za-z0-9.-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** the secret name in an ARN's resource part, without Secrets Manager's 6-character suffix */
export function secretNameOfArn(arn: string): { readonly name: string; readonly nameWithSuffix?: string } | undefined {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(arn);
  if (!match) return undefined;
  const resource = match[1];
  const suffixed = /^(.+)-[A-Za-z0-9]{6}$/.exec(resource);
  return suffixed ? { name: suffixed[1], nameWithSuffix: resource } : { name: resource };
}

/** the CloudWatch namespace, dimensions and metric names the handler emits (EMF) */
export const METRICS = {
  namespace: 'CdkJfrogTokenRotation',
  service: 'jfrog-token-rotation',
  /** per rotation */
  secretDimension: 'SecretName',
  /** per rotation function: what the alarms watch, one alarm for all the function's rotations */
  functionDimension: 'FunctionName',
  rotationSucceeded: 'RotationSucceeded',
  rotationFailed: 'RotationFailed',
  revocationFailed: 'RevocationFailed',
  secondsUntilExpiry: 'SecondsUntilExpiry',
  secondsSinceLastRotation: 'SecondsSinceLastRotation',
  /** per function: seconds until the token that expires soonest crosses its expiryWarning (alarm below 0) */
  expiryHeadroom: 'ExpiryHeadroomSeconds',
  /** per function: seconds past its due date of the most overdue rotation (alarm above 0) */
  overdue: 'OverdueSeconds',
  /** Secrets Manager's RotationFailed, RotationAbandoned and TestRotationFailed events */
  rotationFailureEvents: 'RotationFailureEvents',
} as const;

/** the input of the scheduled health check (not a rotation event) */
export const HEALTH_CHECK_FIELD = 'jfrogTokenRotationHealthCheck';

/** the Secrets Manager events (via CloudTrail) that say a rotation did not complete */
export const ROTATION_FAILURE_EVENTS = ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'];

/** fields the handler owns in the secret value, beside the token field */
export const TOKEN_ID_FIELD = 'tokenId';
export const EXPIRES_AT_FIELD = 'expiresAt';
export const PREVIOUS_TOKEN_ID_FIELD = 'previousTokenId';
