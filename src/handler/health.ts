import { assertConfigFor, RotationConfig } from './config';
import { MalformedSecretError } from './errors';
import { CURRENT, SecretStore } from './secret-store';
import { parseTokenSecret } from './secret-value';

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
  // no expiry is a failed check, and a secret never rotated counts from its creation
  const expiresAt = current.expiresAt ? Date.parse(current.expiresAt) : NaN;
  if (Number.isNaN(expiresAt)) {
    throw new MalformedSecretError(`the AWSCURRENT value of ${meta.arn} has no valid "expiresAt": its token was not minted by this rotation (a seed, or a value written by hand). Rotate the secret so the rotation mints one`);
  }
  const since = meta.lastRotatedDate ?? meta.createdDate ?? now;
  return {
    secretArn: meta.arn,
    tokenId: current.tokenId,
    secondsUntilExpiry: (expiresAt - now.getTime()) / 1000,
    secondsSinceLastRotation: (now.getTime() - since.getTime()) / 1000,
  };
}
