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
} as const;

/** fields the handler owns in the secret value, beside the token field */
export const TOKEN_ID_FIELD = 'tokenId';
export const EXPIRES_AT_FIELD = 'expiresAt';
