import { signedCallerIdentity } from './aws-exchange';
import { CredentialError, MalformedSecretError } from './errors';
import { JfrogAuth } from './jfrog-client';
import { registerSecret } from './redact';
import { CURRENT } from './secret-store';
import { TokenSecret } from './secret-value';
import { StepContext } from './step-context';

// which credential a step sends to JFrog, and loading it from its secret

/** the steps of one rotation run within seconds, mostly in one warm function: one credential read serves them */
const CREDENTIAL_CACHE_MS = 60_000;
const credentialCache = new Map<string, { readonly raw: string; readonly at: number; readonly user?: string }>();

/** forget cached credentials (after a failure: the credential may have changed) */
export function clearCredentialCache(): void {
  credentialCache.clear();
}

/** the credential that mints: the configured one, or the current token of a self-rotating secret */
export async function mintingAuth(ctx: StepContext, current: TokenSecret): Promise<JfrogAuth> {
  const { config } = ctx;
  if (config.credentialsKind === 'SELF_ROTATING') {
    if (!current.token) {
      throw new MalformedSecretError(`the AWSCURRENT value of ${ctx.arn} holds no token in "${config.tokenField}"; a self-rotating token needs a seed: put {"${config.tokenField}": "<a valid token of ${config.username}>"} into the secret once`);
    }
    return { kind: 'bearer', token: current.token, source: `the token in AWSCURRENT of ${ctx.arn} (selfRotating)` };
  }
  return credentialAuth(ctx);
}

/**
 * the credential that looks up, lists and revokes: the configured admin token, else the newest
 * token of the rotation's user (a user may list and revoke its own tokens, which are the only ones
 * a rotation revokes). JFrog takes basic credentials for minting only ("requires a valid token"
 * for look-ups and revocation), so a username and password never revoke
 */
export async function revokingAuth(ctx: StepContext, newest: TokenSecret): Promise<JfrogAuth> {
  if ((ctx.config.credentialsKind === 'USERNAME_PASSWORD' || ctx.config.credentialsKind === 'SELF_ROTATING') && newest.token) {
    // the newest one is certain to be valid
    return { kind: 'bearer', token: newest.token, source: `the new token of ${ctx.arn}` };
  }
  return credentialAuth(ctx);
}

/** the exchanged token lives this long: it serves the steps of one rotation, then expires unused */
const EXCHANGED_TOKEN_SECONDS = 3600;

/** the function's IAM role exchanged for a JFrog token (aws-exchange.ts signs the request), cached like a credential */
async function awsIamRoleAuth(ctx: Pick<StepContext, 'config' | 'store' | 'jfrog'>): Promise<JfrogAuth> {
  const key = `aws-iam-role:${ctx.config.jfrogUrl.href}`;
  const cached = credentialCache.get(key);
  if (cached && Date.now() - cached.at < CREDENTIAL_CACHE_MS) {
    registerSecret(cached.raw);
    return { kind: 'bearer', token: cached.raw, source: exchangedSource(cached.user) };
  }
  const { headers, region } = await signedCallerIdentity(await ctx.store.identity());
  const { accessToken, username } = await ctx.jfrog.exchangeAwsRole(
    { kind: 'aws-sigv4', headers, source: 'the function\'s IAM role' }, region, EXCHANGED_TOKEN_SECONDS);
  registerSecret(accessToken);
  credentialCache.set(key, { raw: accessToken, at: Date.now(), user: username });
  return { kind: 'bearer', token: accessToken, source: exchangedSource(username) };
}

/** names the JFrog user the role is mapped to: a refusal to mint then says whose rights fell short */
function exchangedSource(user: string | undefined): string {
  return `the token JFrog exchanged for the function's IAM role${user ? ` (mapped to JFrog user '${user}')` : ''}`;
}

/** the configured credential, read from its secret (AWSCURRENT) and registered for redaction (also the health check's credential check) */
export async function credentialAuth(ctx: Pick<StepContext, 'config' | 'store' | 'jfrog'>): Promise<JfrogAuth> {
  const { config, store } = ctx;
  if (config.credentialsKind === 'AWS_IAM_ROLE') return awsIamRoleAuth(ctx);
  const arn = config.credentialsSecretArn!;
  let raw: string | undefined;
  const cached = credentialCache.get(arn);
  try {
    raw = cached && Date.now() - cached.at < CREDENTIAL_CACHE_MS ? cached.raw : await store.getValue(arn, { stage: CURRENT });
  } catch (e) {
    throw new CredentialError(`the credential secret ${arn} could not be read (${(e as Error).name}: ${(e as Error).message}); check that it exists and that the function may read it and its KMS key`);
  }
  if (raw === undefined) {
    throw new CredentialError(`the credential secret ${arn} does not exist or has no value; put the JFrog credential into it, then retry the rotation`);
  }
  registerSecret(raw);
  if (cached?.raw !== raw || Date.now() - cached.at >= CREDENTIAL_CACHE_MS) credentialCache.set(arn, { raw, at: Date.now() });
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    json = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch /* Stryker disable next-line BlockStatement: json stays undefined when JSON.parse throws */ {
    json = undefined;
  }
  const source = `the credential in ${arn}`;
  if (config.credentialsKind === 'USERNAME_PASSWORD') {
    const username = json?.username;
    const password = json?.password;
    if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
      throw new CredentialError(`the credential secret ${arn} must be a JSON object with "username" and "password" strings for usernamePassword credentials`);
    }
    registerSecret(password, { basicUser: username });
    return { kind: 'basic', username, password, source };
  }
  // an admin token: the configured field of a JSON object, or the whole plain-text value
  const tokenValue = json ? json[config.credentialsField] : raw.trim();
  if (typeof tokenValue !== 'string' || tokenValue === '') {
    throw new CredentialError(json
      ? `the credential secret ${arn} has no "${config.credentialsField}" string; put the admin token there (or name its field in JfrogCredentials.adminToken(secret, field))`
      : `the credential secret ${arn} is empty; put the admin token into it`);
  }
  registerSecret(tokenValue);
  return { kind: 'bearer', token: tokenValue, source };
}
