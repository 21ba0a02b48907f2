import { RotationConfig } from './config';
import { credentialAuth } from './credentials';
import { JfrogError } from './errors';
import { JfrogAuth, JfrogClient, jwtClaim } from './jfrog-client';
import { SecretStore } from './secret-store';
import { DEFAULT_CREDENTIAL_EXPIRY_WARNING_DAYS, secretNameOfArn } from '../contract/rotation-config';

// the health check's look at the credentials that mint: an admin token that expires or is
// revoked stops every rotation that depends on it, and nobody would know until the first
// rotated token expires. each distinct credential is checked once per health check, however
// many rotations share it. nothing here logs, returns or names a credential's value: a
// credential is named by its secret (or, for the IAM role, by the JFrog it is exchanged at)

/** what the health check learnt of one credential */
export interface CredentialHealth {
  /** the Credential metric dimension and the name in logs and errors: its secret, never its value */
  readonly name: string;
  readonly kind: RotationConfig['credentialsKind'];
  /** seconds until it expires: an admin token's JWT exp (undefined: it never expires, or is not a JWT) */
  readonly secondsUntilExpiry?: number;
  /** why it cannot mint (unreadable, refused by JFrog): fails the health check */
  readonly failure?: string;
  /** it expires within its credentialExpiryWarning: counted and logged, the check does not fail */
  readonly warning?: string;
  /**
   * the credential as the rotations' token listing uses it (admin token, exchanged IAM role
   * token), when the check proved it works; never logged
   */
  readonly auth?: JfrogAuth;
}

/** what the checks use: the secrets, the JFrog client of a rotation's JFrog, the check's time */
export interface CheckDeps {
  readonly store: SecretStore;
  readonly jfrogFor: (config: RotationConfig) => JfrogClient;
  readonly now: Date;
}

/** the short-lived token a basic-credential check mints: under JFrog's 3-hour persistent threshold, so JFrog never stores or lists it */
const BASIC_CHECK_SECONDS = 300;
export const CREDENTIAL_CHECK_DESCRIPTION = 'cdk-jfrog-token-rotation: credential check (expires in 5 minutes)';

/**
 * which credential a rotation mints with, as one key: rotations with the same key share one
 * check. a self-rotating rotation mints with its own current token: the health check proves it
 * with the rotation's token listing (undefined here)
 */
export function credentialKey(config: RotationConfig): string | undefined {
  const url = config.jfrogUrl.href;
  switch (config.credentialsKind) {
    case 'ADMIN_TOKEN':
      return `${url} ${config.credentialsSecretArn} ${config.credentialsField}`;
    case 'USERNAME_PASSWORD':
      return `${url} ${config.credentialsSecretArn}`;
    case 'AWS_IAM_ROLE':
      return `${url} aws-iam-role`;
    default:
      return undefined;
  }
}

/** the name a credential is reported under: its secret's name (and field), or the IAM role's JFrog */
export function credentialName(config: RotationConfig): string {
  if (config.credentialsKind === 'AWS_IAM_ROLE') return `aws-iam-role@${config.jfrogUrl.host}`;
  if (config.credentialsKind === 'SELF_ROTATING' || !config.credentialsSecretArn) return config.metricSecretName;
  const name = secretNameOfArn(config.credentialsSecretArn)?.name ?? config.credentialsSecretArn;
  return config.credentialsKind === 'ADMIN_TOKEN' && config.credentialsField !== 'token' ? `${name}#${config.credentialsField}` : name;
}

/**
 * checks every distinct credential of these rotations once: an admin token's expiry (JWT exp)
 * and that JFrog accepts it (GET /tokens/me); that basic credentials still mint (a 5-minute
 * token of their own user, the call a rotation makes with them); that the IAM role exchange
 * still works. the warning time of a credential shared by rotations is the longest of theirs
 * @returns the health of each credential, by credentialKey
 */
export async function checkCredentials(configs: readonly RotationConfig[], deps: CheckDeps): Promise<Map<string, CredentialHealth>> {
  const byKey = new Map<string, RotationConfig[]>();
  for (const config of configs) {
    const key = credentialKey(config);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), config]);
  }
  const results = new Map<string, CredentialHealth>();
  for (const [key, sharing] of byKey) {
    const warningSeconds = Math.max(...sharing.map(warningOf));
    results.set(key, await checkOne(sharing[0], warningSeconds, deps));
  }
  return results;
}

function warningOf(config: RotationConfig): number {
  return config.credentialExpiryWarningSeconds ?? DEFAULT_CREDENTIAL_EXPIRY_WARNING_DAYS * 86400;
}

async function checkOne(config: RotationConfig, warningSeconds: number, deps: CheckDeps): Promise<CredentialHealth> {
  const name = credentialName(config);
  const kind = config.credentialsKind;
  const jfrog = deps.jfrogFor(config);
  const where = config.credentialsKind === 'AWS_IAM_ROLE' ? 'the function\'s IAM role' : `the credential secret ${config.credentialsSecretArn}`;
  let auth: JfrogAuth;
  try {
    // reads the secret, or makes the IAM exchange: either fails with a message naming the fix
    auth = await credentialAuth({ config, store: deps.store, jfrog });
  } catch (e) {
    return { name, kind, failure: `${(e as Error).message}` };
  }
  if (auth.kind === 'basic') {
    try {
      await jfrog.createToken(auth, {
        username: auth.username,
        scope: 'applied-permissions/user',
        expiresInSeconds: BASIC_CHECK_SECONDS,
        description: CREDENTIAL_CHECK_DESCRIPTION,
      });
      return { name, kind };
    } catch (e) {
      return { name, kind, failure: `the username and password in ${config.credentialsSecretArn} no longer mint a token: ${refusal(e)}` };
    }
  }
  if (config.credentialsKind === 'AWS_IAM_ROLE') {
    // the exchange itself is the proof; its token lives an hour and is made anew each time
    return { name, kind, auth };
  }
  const token = (auth as Extract<JfrogAuth, { kind: 'bearer' }>).token;
  const exp = jwtClaim(token, 'exp');
  const secondsUntilExpiry = typeof exp === 'number' ? exp - deps.now.getTime() / 1000 : undefined;
  if (secondsUntilExpiry !== undefined && secondsUntilExpiry <= 0) {
    return { name, kind, secondsUntilExpiry, failure: `the admin token in ${where} expired at ${new Date(exp as number * 1000).toISOString()}: every rotation that mints with it fails. Put a new admin token into the secret` };
  }
  try {
    const jti = jwtClaim(token, 'jti');
    await jfrog.whoAmI(token, typeof jti === 'string' ? jti : undefined, `the admin token in ${where}`);
  } catch (e) {
    return { name, kind, secondsUntilExpiry, failure: `JFrog does not accept the admin token in ${where}: ${refusal(e)}` };
  }
  if (secondsUntilExpiry !== undefined && secondsUntilExpiry < warningSeconds) {
    const days = (s: number) => `${(s / 86400).toFixed(1)} days`;
    return {
      name,
      kind,
      secondsUntilExpiry,
      auth,
      warning: `the admin token in ${where} expires at ${new Date(exp as number * 1000).toISOString()} (in ${days(secondsUntilExpiry)}), within its credentialExpiryWarning of ${days(warningSeconds)}: put a new admin token into the secret before then, or every rotation that mints with it fails`,
    };
  }
  return { name, kind, secondsUntilExpiry, auth };
}

/** what JFrog said, and what it means for the credential */
function refusal(e: unknown): string {
  if (e instanceof JfrogError && e.status === 401) return `JFrog answered HTTP 401: it was revoked, has expired, or was changed. Put a valid credential into the secret (${e.message})`;
  if (e instanceof JfrogError && e.status === 403) return `JFrog answered HTTP 403 (${e.message})`;
  return `it could not be checked (${(e as Error).name}: ${(e as Error).message})`;
}
