import { assertConfigFor, RotationConfig } from './config';
import { MalformedSecretError } from './errors';
import { CURRENT, SecretStore } from './secret-store';
import { parseTokenSecret, tokenExpiry } from './secret-value';

export interface Health {
  readonly secretArn: string;
  readonly secondsUntilExpiry: number;
  readonly secondsSinceLastRotation: number;
  readonly tokenId?: string;
}

/**
 * the scheduled health check: how long the token in AWSCURRENT still lives and how long ago the
 * last rotation was. Rotation happens once per interval, far too sparse for an alarm; this runs
 * several times a day and feeds the expiry and overdue alarms.
 */
export async function checkHealth(config: RotationConfig, store: SecretStore, now: Date): Promise<Health> {
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
  return {
    secretArn: meta.arn,
    tokenId: current.tokenId,
    secondsUntilExpiry: (expiresAt - now.getTime()) / 1000,
    secondsSinceLastRotation: (now.getTime() - since.getTime()) / 1000,
  };
}
