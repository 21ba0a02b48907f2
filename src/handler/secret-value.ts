import { EXPIRES_AT_FIELD, PREVIOUS_TOKEN_ID_FIELD, PREVIOUS_VERSION_ID_FIELD, REFRESH_TOKEN_FIELD, TOKEN_ID_FIELD } from '../contract/rotation-config';
import { MalformedSecretError } from './errors';
import { jwtClaim } from './jfrog-client';
import { registerSecret } from './redact';

/** a token secret: a JSON object with the token, its id and its expiry, plus the user's own fields */
export interface TokenSecret {
  readonly fields: Record<string, unknown>;
  readonly token?: string;
  readonly tokenId?: string;
  readonly expiresAt?: string;
  /**
   * the token id of the version that was AWSCURRENT when this one was made: after this version
   * is promoted and replaced, that token is two generations old. undefined: not recorded (a value
   * written by hand or before the field existed); null: there was no token.
   */
  readonly previousTokenId?: string | null;
  /**
   * the version that was AWSCURRENT when this value was made from it. undefined: not recorded;
   * null: there was none
   */
  readonly previousVersionId?: string | null;
  /** the refresh token of a refreshable token (single-use) */
  readonly refreshToken?: string;
}

export function parseTokenSecret(raw: string | undefined, tokenField: string, where: string): TokenSecret {
  if (raw === undefined) {
    throw new MalformedSecretError(`${where} has no value; put a JSON object such as {"${tokenField}": ""} into it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    registerSecret(raw); // a plain-text token must not leak through a later message
    throw new MalformedSecretError(`${where} is not JSON; the rotation keeps the token in a JSON object: put {"${tokenField}": "<token>"} (or {} to let the rotation mint one)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MalformedSecretError(`${where} is JSON but not an object; put {"${tokenField}": "<token>"} (or {} to let the rotation mint one)`);
  }
  const fields = parsed as Record<string, unknown>;
  const token = fields[tokenField];
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw new MalformedSecretError(`${where} field "${tokenField}" must be a string, got ${typeof token}`);
  }
  registerSecret(token ?? undefined);
  const tokenId = typeof fields[TOKEN_ID_FIELD] === 'string' ? fields[TOKEN_ID_FIELD] as string : undefined;
  const expiresAt = typeof fields[EXPIRES_AT_FIELD] === 'string' ? fields[EXPIRES_AT_FIELD] as string : undefined;
  const chain = fields[PREVIOUS_TOKEN_ID_FIELD];
  const previousTokenId = typeof chain === 'string' ? chain : chain === null ? null : undefined;
  const fromVersion = fields[PREVIOUS_VERSION_ID_FIELD];
  const previousVersionId = typeof fromVersion === 'string' ? fromVersion : fromVersion === null ? null : undefined;
  const refresh = fields[REFRESH_TOKEN_FIELD];
  const refreshToken = typeof refresh === 'string' && refresh !== '' ? refresh : undefined;
  registerSecret(refreshToken);
  return { fields, token: token || undefined, tokenId, expiresAt, previousTokenId, previousVersionId, refreshToken };
}

/** the new token of a pending version, as JFrog gave it */
export interface NewToken {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAt?: string;
  /** its refresh token; none removes the base's, which belongs to the base's token */
  readonly refreshToken?: string;
}

export function withNewToken(
  base: TokenSecret, baseVersionId: string | undefined, tokenField: string, username: string,
  { token, tokenId, expiresAt, refreshToken }: NewToken, extra: Record<string, string | undefined> = {},
): string {
  const value: Record<string, unknown> = { ...base.fields, ...extra };
  if (value.username === undefined) value.username = username;
  value[tokenField] = token;
  value[TOKEN_ID_FIELD] = tokenId;
  // lets finishSecret of the next rotation revoke it without reading AWSPREVIOUS
  value[PREVIOUS_TOKEN_ID_FIELD] = base.tokenId ?? null;
  // lets finishSecret see that someone wrote the secret during the rotation
  value[PREVIOUS_VERSION_ID_FIELD] = baseVersionId ?? null;
  if (expiresAt) {
    value[EXPIRES_AT_FIELD] = expiresAt;
  } else {
    delete value[EXPIRES_AT_FIELD];
  }
  if (refreshToken) {
    value[REFRESH_TOKEN_FIELD] = refreshToken;
  } else {
    // the base's refresh token is spent (or is its token's, not this one's)
    delete value[REFRESH_TOKEN_FIELD];
  }
  return JSON.stringify(value);
}

/**
 * the token's own exp claim (JFrog's JWTs carry it), as an ISO date; undefined when it has none
 * a date can hold. Unverified, as JFrog's own CLI reads it: a writer of the secret can forge a
 * token, but not one JFrog accepts
 */
export function tokenExpiry(accessToken: string | undefined): string | undefined {
  const exp = accessToken ? jwtClaim(accessToken, 'exp') : undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || Math.abs(exp) > 8.64e12) return undefined;
  return new Date(exp * 1000).toISOString();
}