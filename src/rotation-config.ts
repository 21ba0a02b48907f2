// the environment variables that carry a rotation's (non-secret) configuration from the
// construct to the handler. shared by both sides so the names cannot drift apart.
export const ENV = {
  jfrogUrl: 'JFROG_URL',
  username: 'JFROG_USERNAME',
  scope: 'JFROG_SCOPE',
  lifetimeSeconds: 'TOKEN_LIFETIME_SECONDS',
  tokenField: 'TOKEN_FIELD',
  revokePrevious: 'REVOKE_PREVIOUS',
  credentialsKind: 'CREDENTIALS_KIND',
  credentialsSecretArn: 'CREDENTIALS_SECRET_ARN',
  credentialsField: 'CREDENTIALS_FIELD',
  metricSecretName: 'SECRET_METRIC_NAME',
} as const;

/** the CloudWatch namespace, service dimension and metric names the handler emits (EMF) */
export const METRICS = {
  namespace: 'CdkJfrogTokenRotation',
  service: 'jfrog-token-rotation',
  secretDimension: 'SecretName',
  rotationSucceeded: 'RotationSucceeded',
  rotationFailed: 'RotationFailed',
  revocationFailed: 'RevocationFailed',
  secondsUntilExpiry: 'SecondsUntilExpiry',
  secondsSinceLastRotation: 'SecondsSinceLastRotation',
} as const;

/** the input of the scheduled health check (not a rotation event) */
export const HEALTH_CHECK_FIELD = 'jfrogTokenRotationHealthCheck';

/** fields the handler owns in the secret value, beside the token field */
export const TOKEN_ID_FIELD = 'tokenId';
export const EXPIRES_AT_FIELD = 'expiresAt';
