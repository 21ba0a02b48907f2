import { revokingAuth } from './credentials';
import { JfrogError } from './errors';
import { JfrogAuth, JfrogClient, jwtClaim, TokenInfo } from './jfrog-client';
import { logger } from './log';
import { CURRENT, PREVIOUS, versionWith } from './secret-store';
import { TokenSecret } from './secret-value';
import { readQuietly, safeParse, StepContext } from './step-context';
import { REVOKE_ALL_BUT_TAG, TOKEN_DESCRIPTION } from '../contract/rotation-config';

// taking tokens back. none of this ever fails a step that has promoted: an old token that could
// not be revoked lives until it expires, and is counted (RevocationFailed)

/** auth now, or a way to get it that may fail (and then counts as a failed revocation) */
export type AuthSource = JfrogAuth | (() => Promise<JfrogAuth>);

const DESCRIPTION_PREFIX = TOKEN_DESCRIPTION.prefix;

/** what separates the bookkeeping from the user's own description (tokenDescription) */
const OWN_DESCRIPTION_SEPARATOR = TOKEN_DESCRIPTION.separator;

/**
 * the description every minted token carries: it says which secret and version it is for, then
 * the user's own words (tokenDescription), if any. JFrog lists by its start, so the bookkeeping
 * comes first
 */
export function mintDescription(arn: string, versionId: string, own?: string): string {
  const bookkeeping = `${DESCRIPTION_PREFIX}${arn}${TOKEN_DESCRIPTION.versionInfix}${versionId}`;
  return own === undefined ? bookkeeping : `${bookkeeping}${OWN_DESCRIPTION_SEPARATOR}${own}`;
}

/**
 * true when a description may be of a token minted for this version, whatever own words it was
 * minted with (tokenDescription may have changed since): only for keeping a token, never for
 * revoking one, as a longer version id could read alike
 */
function mayBeMintedFor(description: string, arn: string, versionId: string): boolean {
  const bookkeeping = mintDescription(arn, versionId);
  return description === bookkeeping || description.startsWith(`${bookkeeping}${OWN_DESCRIPTION_SEPARATOR}`);
}

/** the user a token belongs to, from its subject `jfac@<service>/users/<username>` (JFrog lowercases it) */
function ownerOf(subject: string | undefined): string | undefined {
  return subject?.split('/users/').pop()?.toLowerCase();
}

/** the user an access token belongs to, from its JWT's (unverified) subject; '' when it names none */
export function tokenOwner(accessToken: string): string {
  const sub = jwtClaim(accessToken, 'sub');
  return typeof sub === 'string' ? ownerOf(sub) ?? '' : '';
}

/**
 * the live tokens JFrog lists as minted for this secret (any version) that belong to the
 * rotation's user: what the sweep revokes from, and what the health check counts
 */
export async function liveTokensOf(jfrog: JfrogClient, auth: JfrogAuth, arn: string, username: string): Promise<TokenInfo[]> {
  const live = await jfrog.tokensWithDescriptionPrefix(auth, `${DESCRIPTION_PREFIX}${arn} version `);
  return live.filter((t) => ownerOf(t.subject) === username.toLowerCase());
}

/**
 * revokes every live token minted for this secret except those of the versions kept (the new
 * AWSCURRENT and AWSPREVIOUS). one mechanism for every way a token can be left behind: the
 * token two generations old, a rotation that was cancelled or abandoned, a mint whose answer
 * was lost, a function killed mid-mint. JFrog lists them by the description every mint
 * carries; only tokens of this rotation's user are touched. never fails the step.
 * @returns the ids JFrog listed
 */
export async function sweep(
  ctx: StepContext, auth: AuthSource, kept: Array<TokenSecret | undefined>, keptVersions: ReadonlyArray<string | undefined> = [],
): Promise<Set<string>> {
  // a JWT's own id (a writer of the secret could name any token in tokenId to keep it alive)
  const keep = tokenIdsOf(kept, 'held');
  // a rotation in flight: whatever was minted for the version that is AWSPENDING now is its own
  const keepVersions = keptVersions.filter((v): v is string => !!v);
  const revoked: string[] = [];
  const listed = new Set<string>();
  try {
    const credential = typeof auth === 'function' ? await auth() : auth;
    const live = await ctx.jfrog.tokensWithDescriptionPrefix(credential, `${DESCRIPTION_PREFIX}${ctx.arn} version `);
    for (const t of live) listed.add(t.tokenId);
    for (const t of live) {
      if (keep.has(t.tokenId) || keepVersions.some((v) => mayBeMintedFor(t.description ?? '', ctx.arn, v)) || ownerOf(t.subject) !== ctx.config.username.toLowerCase()) continue;
      const result = await ctx.jfrog.revoke(credential, t.tokenId);
      if (result === 'revoked') revoked.push(t.tokenId);
    }
    ctx.outcome.revocation = revoked.length > 0 ? 'revoked' : 'nothing-to-revoke';
  } catch (e) {
    // never undo a promotion for a revocation: an old token simply lives until it expires
    revocationFailed(ctx, 'revoking old tokens failed; they stay valid until they expire, or until the next rotation revokes them', { error: (e as Error).message });
  }
  if (revoked.length > 0) {
    ctx.outcome.revokedTokenIds = revoked;
    ctx.outcome.revokedTokenId = revoked[revoked.length - 1];
  }
  return listed;
}

/**
 * the leak action (the secret tagged REVOKE_ALL_BUT_TAG with this rotation's ClientRequestToken)
 * asks for it: true when the tag names this very version
 */
export function revokeAllRequested(ctx: StepContext): boolean {
  return ctx.meta.tags?.[REVOKE_ALL_BUT_TAG] === ctx.token;
}

/**
 * why the leak action must not go ahead with this value, or undefined. Revoking every other
 * token is only safe, and only helps, when the value holds a token this rotation minted for this
 * very version (JFrog's own description of it says so): a value staged by hand could hold the
 * leaked token itself, which the revocation would keep. `others` are the values it replaces
 */
export async function notNewForRevokeAll(ctx: StepContext, value: TokenSecret, others: Array<TokenSecret | undefined>): Promise<string | undefined> {
  const held = tokenIdsOf([value], 'held');
  const [tokenId] = [...held];
  if (tokenId === undefined) return 'its token carries no token id';
  if ([...tokenIdsOf(others, 'held')].some((id) => held.has(id))) return `its token ${tokenId} is the one the secret held before`;
  const info = await ctx.jfrog.tokenInfo(await revokingAuth(ctx, value), tokenId);
  if (!info) return `JFrog no longer knows its token ${tokenId}`;
  const minted = info.description === mintDescription(ctx.arn, ctx.token, ctx.config.tokenDescription);
  if (ownerOf(info.subject) !== ctx.config.username.toLowerCase() || !minted) {
    return `its token ${tokenId} was not minted by this rotation for version ${ctx.token}`;
  }
  return undefined;
}

/**
 * the leak action, once `kept` is AWSCURRENT (tested and promoted): every token of the secret
 * but kept's is revoked, AWSPREVIOUS's too. Tokens minted by the rotation go by the sweep (this
 * secret's ARN in their description, the rotation's user); a token the secret started with (or
 * one written by hand) revokes itself with its own value, which only its holder can do.
 * `keptVersions`: a rotation in flight since, whose token stays. never fails the step
 */
export async function revokeAllBut(
  ctx: StepContext, kept: TokenSecret, outgoing: Array<TokenSecret | undefined>, keptVersions: ReadonlyArray<string | undefined> = [],
): Promise<void> {
  ctx.outcome.revokedAllBut = kept.tokenId;
  const listed = await sweep(ctx, () => revokingAuth(ctx, kept), [kept], keptVersions);
  for (const value of outgoing) {
    if (value) await revokeStartingToken(ctx, value, [kept], listed);
  }
}

/**
 * the token a user started with is not minted by this rotation, so JFrog's list does not show it
 * (nor a refreshed token whose description JFrog dropped or kept from the token refreshed):
 * it revokes itself (DELETE /tokens/me with its own value) once it falls two generations
 * behind. only the holder of a token can do that, so writing an id into the secret revokes
 * nothing. never fails the step.
 */
export async function revokeStartingToken(
  ctx: StepContext, outgoing: TokenSecret, kept: Array<TokenSecret | undefined>, listed: ReadonlySet<string>,
): Promise<void> {
  const token = outgoing.token;
  if (!token || kept.some((k) => k?.token === token)) return;
  const jti = jwtClaim(token, 'jti');
  // one of this rotation's own: the sweep saw it
  if (typeof jti === 'string' && (listed.has(jti) || kept.some((k) => k?.tokenId === jti))) return;
  try {
    const result = await ctx.jfrog.revokeSelf(token);
    ctx.outcome.startingTokenRevocation = result;
    if (result === 'unconfirmed') {
      revocationFailed(ctx, 'the token the secret started with could not be revoked: JFrog read /access/api/v1/tokens/me as a token id (Artifactory before 7.53.1). It stays valid until it expires; revoke it in JFrog by hand');
    }
  } catch (e) {
    ctx.outcome.startingTokenRevocation = 'failed';
    revocationFailed(ctx, 'revoking the token the secret started with failed; it stays valid until it expires', { error: (e as Error).message });
  }
}

/**
 * true when the version exists without labels and held a token of its own, now revoked. Only a
 * version made from the current or the previous version can be a rotation that lost AWSPENDING:
 * an older one was promoted once (its token is two or more generations old: revoked already, or
 * kept on purpose with revokePrevious: false)
 */
export async function revokeAbandoned(ctx: StepContext): Promise<boolean> {
  const raw = await ctx.store.getValue(ctx.arn, { versionId: ctx.token }).catch(() => undefined);
  const abandoned = raw === undefined ? undefined : safeParse(ctx, raw, ctx.token);
  if (!abandoned?.tokenId) return false;
  const currentId = versionWith(ctx.meta, CURRENT);
  const previousId = versionWith(ctx.meta, PREVIOUS);
  if (!madeFromLabelled(abandoned, currentId, previousId)) return false;
  const current = currentId ? await readQuietly(ctx, currentId, CURRENT) : undefined;
  const previous = previousId ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;
  if (abandoned.tokenId === current?.tokenId || abandoned.tokenId === previous?.tokenId) return false;
  await revokeQuietly(ctx, () => revokingAuth(ctx, current ?? abandoned), abandoned.tokenId, 'abandoned', { mintedFor: ctx.token });
  return true;
}

/**
 * a value the rotation made from what is now AWSCURRENT or AWSPREVIOUS: a pending version that
 * was never promoted (once promoted, later versions are made from it, and it falls behind both)
 */
function madeFromLabelled(value: TokenSecret, currentId: string | undefined, previousId: string | undefined): boolean {
  const from = value.previousVersionId;
  return typeof from === 'string' && (from === currentId || from === previousId);
}

/**
 * the ids of the tokens AWSCURRENT and AWSPREVIOUS hold: never revoked on an id read from a
 * secret, whatever a value says. undefined when either could not be read (then nothing is)
 */
async function heldTokenIds(ctx: StepContext): Promise<Set<string> | undefined> {
  const held: TokenSecret[] = [];
  for (const stage of [CURRENT, PREVIOUS]) {
    const versionId = versionWith(ctx.meta, stage);
    if (!versionId) continue;
    let raw: string | undefined;
    try {
      raw = await ctx.store.getValue(ctx.arn, { versionId, stage });
    } catch {
      return undefined;
    }
    const parsed = safeParse(ctx, raw, versionId);
    if (parsed) held.push(parsed);
  }
  return tokenIdsOf(held, 'named');
}

/**
 * the token ids of these values. 'held': the id of the token each holds: its jti, or the
 * recorded tokenId beside a JFrog reference token (which carries no id); a value whose token is
 * neither holds none, whatever its tokenId says. 'named': every id a value names
 */
function tokenIdsOf(values: ReadonlyArray<TokenSecret | undefined>, which: 'held' | 'named'): Set<string> {
  const ids = new Set<string>();
  for (const secret of values) {
    const jti = secret?.token ? jwtClaim(secret.token, 'jti') : undefined;
    if (typeof jti === 'string') ids.add(jti);
    const reference = secret?.token?.startsWith(REFERENCE_TOKEN_PREFIX) === true;
    if (secret?.tokenId && (which === 'named' || (typeof jti !== 'string' && reference))) ids.add(secret.tokenId);
  }
  return ids;
}

/** how every JFrog reference token begins (`reftkn` in base64) */
const REFERENCE_TOKEN_PREFIX = 'cmVmdGtu';

/**
 * a mint that failed after the request may have reached JFrog (no answer, a 5xx from a proxy,
 * an unreadable 200) may have left a token nobody holds
 */
export function mayHaveMinted(e: unknown): boolean {
  if (!(e instanceof JfrogError)) return false;
  // Stryker disable next-line Regex: the client writes "TLS to <host>" only at the start of a message (networkError); no message it raises has it elsewhere
  if (e.status === undefined) return !/^TLS to |\((ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\)/.test(e.message);
  return e.status >= 500 || e.status === 200 || e.status === 201;
}

/**
 * find the tokens this very mint may have left (its description is unique) and revoke them.
 * @param owner whose they may be: the rotation's user, or for a refresh the refresh token's user
 *   (whoever holds AWSCURRENT's token, which a writer of the secret may have planted)
 */
export async function revokeLostMint(ctx: StepContext, auth: JfrogAuth, description: string, owner = ctx.config.username): Promise<void> {
  try {
    const lost = (await ctx.jfrog.tokensWithDescription(auth, description))
      .filter((t) => ownerOf(t.subject) === owner.toLowerCase());
    for (const token of lost) {
      await revokeQuietly(ctx, auth, token.tokenId, 'mint-answer-lost', { checked: true });
    }
    ctx.outcome.lostMintsRevoked = lost.length;
  } catch (e) {
    logger.warn('a mint whose answer was lost may have left a token that could not be looked up; it stays valid until it expires', {
      secretId: ctx.arn, step: ctx.event.Step, error: (e as Error).message,
    });
  }
}

/**
 * revoke a token, never failing the step for it. an id read from the secret is only a claim:
 * whoever can write the secret could name any token for the credential to revoke, or stage a
 * value naming the current one. so such an id is revoked only when JFrog says the token is this
 * rotation user's, minted for the very version being discarded, and neither AWSCURRENT nor
 * AWSPREVIOUS holds it.
 * @param options.checked the id came from JFrog itself a moment ago: nothing to check
 * @param options.mintedFor the version the token must have been minted for (unchecked ids)
 */
export async function revokeQuietly(
  ctx: StepContext, auth: AuthSource, tokenId: string | undefined, reason: string, options: { checked?: boolean; mintedFor?: string } = {},
): Promise<void> {
  if (!tokenId) return;
  try {
    if (!options.checked) {
      const held = await heldTokenIds(ctx);
      if (!held || held.has(tokenId)) {
        refused(ctx, tokenId, reason, held ? 'AWSCURRENT or AWSPREVIOUS holds it' : 'AWSCURRENT or AWSPREVIOUS could not be read');
        return;
      }
    }
    const credential = typeof auth === 'function' ? await auth() : auth;
    if (!options.checked) {
      const info = await ctx.jfrog.tokenInfo(credential, tokenId);
      if (!info) {
        ctx.outcome.revokedTokenId = tokenId;
        ctx.outcome.revocation = 'already-gone';
        return;
      }
      const user = ownerOf(info.subject);
      // Stryker disable next-line StringLiteral: the default for a token without a description: any text that does not start with this secret's prefix refuses it alike
      const description = info.description ?? '';
      const ours = user === ctx.config.username.toLowerCase() && (options.mintedFor === undefined
        ? description.startsWith(`${DESCRIPTION_PREFIX}${ctx.arn} `)
        : description === mintDescription(ctx.arn, options.mintedFor, ctx.config.tokenDescription));
      if (!ours) {
        refused(ctx, tokenId, reason, `it was not minted by this rotation for ${options.mintedFor === undefined ? 'this secret' : `version ${options.mintedFor}`}`, user);
        return;
      }
    }
    const result = await ctx.jfrog.revoke(credential, tokenId);
    ctx.outcome.revokedTokenId = tokenId;
    ctx.outcome.revocation = result;
  } catch (e) {
    // never undo a promotion for a revocation: the old token simply lives until it expires
    revocationFailed(ctx, 'revoking an old token failed; it stays valid until it expires', { tokenId, reason, error: (e as Error).message });
  }
}

/** a token named for revocation that must not be revoked: logged, not counted as a failure */
function refused(ctx: StepContext, tokenId: string, reason: string, why: string, owner?: string): void {
  ctx.outcome.revocation = 'refused';
  logger.warn(`a token named for revocation was not revoked: ${why}`, {
    secretId: ctx.arn, step: ctx.event.Step, tokenId, reason, owner: owner ?? 'unknown',
  });
}

/** a token that could not be revoked: counted for the step's RevocationFailed metric, and logged */
function revocationFailed(ctx: StepContext, message: string, fields: Record<string, unknown> = {}): void {
  ctx.outcome.revocation = 'failed';
  ctx.outcome.revocationFailures = (ctx.outcome.revocationFailures ?? 0) + 1;
  logger.warn(message, { secretId: ctx.arn, step: ctx.event.Step, ...fields });
}

/**
 * what a step's error says of the token it just took back: a revocation that failed is logged
 * with the token's id and counted (RevocationFailed), and the message must not claim otherwise
 */
export function revokedOrNot(ctx: StepContext): string {
  switch (ctx.outcome.revocation) {
    case 'revoked':
    case 'already-gone':
      return 'was revoked';
    case 'failed':
      return 'could not be revoked (the warning logged names it; it stays valid until it expires)';
    default:
      // refused, or not tried: nothing proved the token was this version's alone
      return 'was not revoked, as nothing proves it is only this rotation\'s (the warning logged says why; the next finished rotation revokes it if it was minted for this secret)';
  }
}
