// what the construct and the handler agree on, in one place so the two sides cannot drift apart.
// the construct imports this file; the handler bundle does too.
import { createHash } from 'crypto';

/**
 * the environment of a rotation function: where its rotations' configuration parameters are.
 * the function is shared by the rotations of a stack, so per-rotation settings cannot live in
 * its environment (4 KB in all); see CONFIG_PARAMETER_PREFIX.
 */
export const ENV = {
  configPath: 'JFROG_ROTATION_CONFIG_PATH',
  /** the JFrog base URLs (space-separated) the function's rotations may use */
  allowedJfrogUrls: 'JFROG_ROTATION_ALLOWED_URLS',
  /**
   * one pin per rotation (space-separated): a digest of what decides the tokens it mints (see
   * settingsPin), `<digest>@<key>` where the settings key was unknown at synth
   */
  pins: 'JFROG_ROTATION_PINS',
  /** the credential secrets the rotations may mint with (space-separated ARNs); pins name them by position */
  credentials: 'JFROG_ROTATION_CREDENTIALS',
  /** the event bus the function announces each promoted token on ('default'); unset: no events */
  eventBus: 'JFROG_ROTATION_EVENT_BUS',
} as const;

/**
 * the custom resources of a rotation function's deployment hooks (one of each per function): the
 * wait for the first rotation of new secrets, and the teardown that revokes a deleted secret's tokens
 */
export const DEPLOYMENT_RESOURCE_TYPES = {
  firstRotation: 'Custom::JfrogTokenFirstRotation',
  teardown: 'Custom::JfrogTokenTeardown',
} as const;

/**
 * the event the function puts on the account's default bus after each promotion (the construct's
 * onTokenRotated() matches it). Its detail names the secret, the version and the token's id and
 * expiry, never a token
 */
export const TOKEN_ROTATED_EVENT = {
  source: 'cdk-jfrog-token-rotation',
  detailType: 'JFrog Token Rotated',
} as const;

/**
 * what decides the tokens a rotation mints, and so must change only with a deployment: pinned in
 * the function's environment (which only a deployment changes), checked against the settings
 * parameter (which whoever holds ssm:PutParameter on the path could edit) before every step
 */
export interface PinnedSettings {
  readonly jfrogUrl: string;
  readonly username: string;
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly tokenField?: string;
  readonly revokePrevious?: boolean;
  readonly credentialsKind: string;
  readonly credentialsField?: string;
  readonly referenceTokenField?: string;
  readonly audience?: string;
  readonly projectKey?: string;
  readonly refreshable?: boolean;
  /** the user's own part of each token's description */
  readonly tokenDescription?: string;
  /** the private CA (PEM) trusted for this JFrog */
  readonly jfrogCaCertificate?: string;
  /** the settings parameter's key: binds the pin to one secret (see parameterKey) */
  readonly key?: string;
  /** the credential's position in the function's credential list, -1 for none */
  readonly credentialsIndex: number;
}

/**
 * the pin of a rotation's settings: 96 bits of SHA-256 over its canonical JSON, base64url (16
 * characters: 100 rotations take 1.7 KB of the function's 4 KB environment)
 */
export function settingsPin(settings: PinnedSettings): string {
  const canonical = JSON.stringify([
    settings.key ?? null, settings.jfrogUrl, settings.username.toLowerCase(), settings.scope, settings.lifetimeSeconds,
    // the defaults the settings schema applies: a setting left out pins as its default
    settings.tokenField || 'token', settings.revokePrevious !== false, settings.credentialsKind, settings.credentialsIndex, settings.credentialsField || 'token',
    settings.referenceTokenField ?? null, settings.audience ?? null, settings.projectKey ?? null,
    // appended only when set: the pins of rotations that do not use it stay as they were
    ...(settings.refreshable === true ? ['refreshable'] : []),
    ...(settings.tokenDescription !== undefined ? [`description:${settings.tokenDescription}`] : []),
    // a CA decides whom the function trusts with the credential: an edited one is refused
    ...(settings.jfrogCaCertificate !== undefined ? [`ca:${settings.jfrogCaCertificate}`] : []),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/**
 * each rotation's settings are one SSM String parameter under
 * `/cdk-jfrog-token-rotation/<function id>/`. why there: whoever may read or write the token's
 * secret (CI, the team that owns it) has no say over SSM parameters, so nobody who can write
 * the secret can widen the next token's scope, point the rotation at another JFrog or swap the
 * credential. the parameter names the secret's ARN, and the handler refuses a parameter whose
 * ARN is not the secret it was invoked for.
 */
export const CONFIG_PARAMETER_PREFIX = '/cdk-jfrog-token-rotation';


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
  /** per rotation, and per function (the alarm): old tokens that could not be revoked */
  revocationFailed: 'RevocationFailed',
  secondsUntilExpiry: 'SecondsUntilExpiry',
  secondsSinceLastRotation: 'SecondsSinceLastRotation',
  /** per function: seconds until the token that expires soonest crosses its expiryWarning (alarm below 0) */
  expiryHeadroom: 'ExpiryHeadroomSeconds',
  /** per function: seconds past its due date of the most overdue rotation (alarm above 0) */
  overdue: 'OverdueSeconds',
  /** Secrets Manager's RotationFailed, RotationAbandoned and TestRotationFailed events */
  rotationFailureEvents: 'RotationFailureEvents',
  /** per function: invocations refused (settings bound to another secret, a version Secrets Manager did not stage) */
  refusedInvocations: 'RefusedInvocations',
  /** per rotation and per function: a promotion whose TOKEN_ROTATED_EVENT EventBridge did not take */
  eventPublishFailed: 'EventPublishFailed',
  /** per credential: the credential that mints (admin token secret, basic credential secret, IAM role, self-rotating secret) */
  credentialDimension: 'Credential',
  /** per credential (health check): seconds until an admin token expires (its JWT exp) */
  credentialSecondsUntilExpiry: 'CredentialSecondsUntilExpiry',
  /**
   * per credential (1 or 0) and per function (how many, alarm at 1 or more), from the health
   * check: credentials JFrog no longer accepts, that cannot be read, or that expire within
   * their credentialExpiryWarning
   */
  credentialProblems: 'CredentialProblems',
  /** per rotation (health check): live tokens JFrog lists with the rotation's description */
  liveTokens: 'LiveTokens',
  /** per function (health check): the most live tokens of a rotation beyond current, previous and pending (alarm above 0) */
  excessTokens: 'ExcessTokens',
  /** per rotation and per function: a token JFrog gave a shorter life than the one asked for */
  shortenedTokenLifetime: 'ShortenedTokenLifetime',
} as const;

/**
 * the leak action: a tag on the secret whose value is the ClientRequestToken of a rotation. when
 * that very version has been tested and promoted, every other token of the secret is revoked,
 * AWSPREVIOUS's included. Only whoever may tag the secret (secretsmanager:TagResource, which
 * neither grantRead nor grantWrite gives) can ask for it; see the README's trust table
 */
export const REVOKE_ALL_BUT_TAG = 'cdk-jfrog-token-rotation:revoke-all-but';

/**
 * the description of every minted token: `<prefix><secret ARN> version <ClientRequestToken>`,
 * then `<separator><tokenDescription>` when the user gave one. JFrog takes at most `max`
 * characters (Create Token: description, 1024); the construct refuses a tokenDescription that
 * could overflow with the longest bookkeeping (a ClientRequestToken is at most 64 characters)
 */
export const TOKEN_DESCRIPTION = {
  prefix: 'cdk-jfrog-token-rotation: ',
  versionInfix: ' version ',
  separator: ' | ',
  max: 1024,
  longestVersionId: 64,
} as const;

/** the construct's default credentialExpiryWarning, and the handler's for settings written without one */
export const DEFAULT_CREDENTIAL_EXPIRY_WARNING_DAYS = 14;

/** the input of the scheduled health check (not a rotation event) */
export const HEALTH_CHECK_FIELD = 'jfrogTokenRotationHealthCheck';

/** the Secrets Manager events (via CloudTrail) that say a rotation did not complete */
export const ROTATION_FAILURE_EVENTS = ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'];

/** fields the handler owns in the secret value, beside the token field */
export const TOKEN_ID_FIELD = 'tokenId';
export const EXPIRES_AT_FIELD = 'expiresAt';
export const PREVIOUS_TOKEN_ID_FIELD = 'previousTokenId';
/** the version that was AWSCURRENT when the pending token was minted: a different one at finishSecret means someone wrote the secret meanwhile */
export const PREVIOUS_VERSION_ID_FIELD = 'previousVersionId';
/** the refresh token of a refreshable token (single-use: JFrog answers 404 for it once used) */
export const REFRESH_TOKEN_FIELD = 'refreshToken';
/** the JSON fields the handler writes; a token field cannot be one of them */
export const RESERVED_FIELDS: readonly string[] = [
  TOKEN_ID_FIELD, EXPIRES_AT_FIELD, PREVIOUS_TOKEN_ID_FIELD, PREVIOUS_VERSION_ID_FIELD, REFRESH_TOKEN_FIELD,
];

/** what jfrogUrl accepts, for error messages */
export const JFROG_URL_FORM = 'the JFrog Platform URL: an https origin, such as https://acme.jfrog.io, plus the base path only when a self-hosted JFrog is served under one by its reverse proxy (https://tools.example.com/jfrog), never /artifactory or /ui';

/**
 * why a JFrog base URL is refused, or undefined when it is acceptable. The credential goes to
 * this URL, so anything that could make a request built on it reach another host is refused:
 * user info, a query or fragment, backslashes, empty, `.` or `..` path segments (a path that
 * starts with `//` names a new host), encoded slashes and dots, and any spelling that a URL
 * parser would rewrite. The construct and the handler use this same check.
 */
export function jfrogUrlProblem(value: string): string | undefined {
  if (/[\\\s\u0000-\u001f\u007f]/.test(value)) return 'it contains a backslash, whitespace or a control character';
  if (/[?#]/.test(value)) return 'it has a query or fragment';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol !== 'https:') return 'it does not use https (tokens must never travel in clear text)';
  if (url.username || url.password || value.includes('@')) return 'it contains user info (pass credentials with `credentials`)';
  const rest = value.slice(value.indexOf('//') + 2);
  const rawPath = rest.includes('/') ? rest.slice(rest.indexOf('/')) : '';
  const segments = rawPath.replace(/\/$/, '').split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'its path has an empty, `.` or `..` segment';
  if (/%(2f|5c|2e)/i.test(rawPath)) return 'its path has an encoded slash, backslash or dot';
  if (normalizeJfrogUrl(url).toLowerCase() !== value.replace(/\/$/, '').toLowerCase()) {
    return `a URL parser reads it as ${normalizeJfrogUrl(url)}`;
  }
  return undefined;
}

/**
 * whether a token audience (JFrog service ids `<service>@<instance>`, space-separated, `*`
 * wildcards) includes JFrog Access (`jfac`), where the rotation verifies, refreshes and revokes
 * with the token. No audience: JFrog's default, `*@*`
 */
export function audienceIncludesAccess(audience: string | undefined): boolean {
  if (audience === undefined || audience.trim() === '') return true;
  return audience.trim().split(/\s+/).some((id) => id === '*' || ['*', 'jfac'].includes(id.split('@')[0]));
}

/** the base URL as the handler compares and uses it: origin and path, no trailing slash */
export function normalizeJfrogUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/$/, '')}`;
}
