/**
 * How the rotation authenticates to JFrog to mint a new token.
 *
 * The one list of credential kinds: the construct's `JfrogCredentials` factories, the settings
 * schema (`settings.ts`) and the handler all use it.
 */
export enum JfrogCredentialsKind {
  /** An access token (usually an admin's) stored in another secret. */
  ADMIN_TOKEN = 'ADMIN_TOKEN',
  /** A username and password (basic auth) stored in another secret. */
  USERNAME_PASSWORD = 'USERNAME_PASSWORD',
  /** The token in AWSCURRENT mints its own successor. */
  SELF_ROTATING = 'SELF_ROTATING',
  /** The rotation function's IAM role, exchanged for a JFrog token (Artifactory 7.90.10+). */
  AWS_IAM_ROLE = 'AWS_IAM_ROLE',
}
