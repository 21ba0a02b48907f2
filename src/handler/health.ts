import { assertConfigFor, RotationConfig } from './config';
import { JfrogError, MalformedSecretError } from './errors';
import { JfrogAuth, JfrogClient } from './jfrog-client';
import { liveTokensOf } from './revocation';
import { CURRENT, PENDING, SecretStore, versionWith } from './secret-store';
import { parseTokenSecret, tokenExpiry } from './secret-value';

export interface Health {
  readonly secretArn: string;
  readonly secondsUntilExpiry: number;
  readonly secondsSinceLastRotation: number;
  readonly tokenId?: string;
  /** live tokens JFrog lists as minted for this secret (its rotation user's), when counted */
  readonly liveTokens?: number;
  /** how many of them may live: current and previous, plus one while a rotation is pending; undefined with revokePrevious off */
  readonly allowedTokens?: number;
}

/**
 * what counts the rotation's live tokens: JFrog, and the credential that lists them. The
 * configured admin credential (or exchanged IAM role token) lists every user's tokens; the
 * rotations that mint with basic credentials or their own token list with the current token,
 * which sees its user's own, the only ones the rotation mints
 */
export interface TokenCount {
  readonly jfrog: JfrogClient;
  /** the configured credential, when its check proved it works; undefined: list with the current token */
  readonly auth?: JfrogAuth;
}

/**
 * the scheduled health check: how long the token in AWSCURRENT still lives and how long ago the
 * last rotation was. Rotation happens once per interval, far too sparse for an alarm; this runs
 * several times a day and feeds the expiry and overdue alarms.
 */
export async function checkHealth(config: RotationConfig, store: SecretStore, now: Date, count?: TokenCount): Promise<Health> {
  const { tokenField } = config;
  const meta = await store.describe(config.secretArn);
  // settings bound to another secret are refused before its value is read
  assertConfigFor(config, meta);
  const current = parseTokenSecret(await store.getValue(meta.arn, { stage: CURRENT }), tokenField, `the AWSCURRENT value of ${meta.arn}`);
  if (!current.token) {
    throw new MalformedSecretError(`the AWSCURRENT value of ${meta.arn} holds no token in "${tokenField}": the first rotation has not succeeded. See the rotation function's log for its error`);
  }
  // a rotation that reports nothing would hide behind the others in the function's alarms:
  // no expiry is a failed check, and a secret never rotated counts from its creation. The
  // expiry is the token's own (its exp claim): a value's expiresAt is whatever a writer of the
  // secret put there, and one far in the past would hold the function-wide alarm for every secret
  const expiry = tokenExpiry(current.token) ?? current.expiresAt;
  const expiresAt = expiry ? Date.parse(expiry) : NaN;
  if (Number.isNaN(expiresAt)) {
    throw new MalformedSecretError(`the AWSCURRENT value of ${meta.arn} has no valid "expiresAt" and its token no exp claim: its token was not minted by this rotation (a value written by hand, or a reference token). Rotate the secret so the rotation mints one`);
  }
  const since = meta.lastRotatedDate ?? meta.createdDate ?? now;
  const health: Health = {
    secretArn: meta.arn,
    tokenId: current.tokenId,
    secondsUntilExpiry: (expiresAt - now.getTime()) / 1000,
    secondsSinceLastRotation: (now.getTime() - since.getTime()) / 1000,
  };
  if (!count) return health;
  // one list call per rotation: JFrog lists the tokens by the description every mint carries
  const auth: JfrogAuth = count.auth ?? { kind: 'bearer', token: current.token, source: `the token in AWSCURRENT of ${meta.arn}` };
  let live: number;
  try {
    live = (await liveTokensOf(count.jfrog, auth, meta.arn, config.username)).length;
  } catch (e) {
    if (!count.auth && e instanceof JfrogError && e.status === 401) {
      throw new JfrogError(`JFrog does not accept the token in AWSCURRENT of ${meta.arn} (HTTP 401): it was revoked, or expired early. Every reader of the secret fails, and ${config.credentialsKind === 'SELF_ROTATING' ? 'a self-rotating token cannot mint its successor: put a valid token of ' + config.username + ' into the secret' : 'the next rotation replaces it: rotate the secret now (RotateSecret)'}`, 401);
    }
    throw e;
  }
  // a rotation in flight has minted (or is about to mint) the token of its AWSPENDING version
  const pendingId = versionWith(meta, PENDING);
  const pending = pendingId !== undefined && pendingId !== versionWith(meta, CURRENT) ? 1 : 0;
  return { ...health, liveTokens: live, allowedTokens: config.revokePrevious ? 2 + pending : undefined };
}
