// how the rotation makes a new token for its pending version: a refresh of AWSCURRENT's token
// (refreshable) or a mint with the configured credential, and the checks on what JFrog gave
// back (the pinned user and scope, the life granted). createSecret in steps.ts stores it
import { mintingAuth } from './credentials';
import { JfrogError, RefreshTokenUnusableError } from './errors';
import { JfrogAuth, jwtClaim, MintedToken } from './jfrog-client';
import { logger } from './log';
import { mayHaveMinted, revokedOrNot, revokeLostMint, revokeQuietly, tokenOwner } from './revocation';
import { TokenSecret } from './secret-value';
import { StepContext } from './step-context';

/**
 * the pending version's token: refreshed with AWSCURRENT's refresh token when the rotation is
 * refreshable and has one, else minted with the configured credential. A refresh token is sent
 * at most once per rotation: createSecret refreshes only when no AWSPENDING value exists, and
 * stores the answer at once. One JFrog does not know (used by a refresh whose answer never got
 * stored) leads to a mint
 */
export async function newToken(ctx: StepContext, current: TokenSecret, description: string): Promise<{ minted: MintedToken; auth: JfrogAuth }> {
  const { config, jfrog, arn } = ctx;
  const req = {
    expiresInSeconds: config.lifetimeSeconds,
    // lets the rotation find a token whose answer was lost, and check that a token it is
    // asked to revoke is one it minted for this secret
    description,
    audience: config.audience,
    projectKey: config.projectKey,
    includeReferenceToken: config.referenceTokenField !== undefined,
  };
  let refused: JfrogError | undefined;
  if (config.refreshable && current.refreshToken && current.token) {
    // JFrog refreshes only for the refresh token's own user: its token authenticates
    const auth: JfrogAuth = { kind: 'bearer', token: current.token, source: `the token in AWSCURRENT of ${arn}` };
    try {
      const minted = await jfrog.refreshToken(auth, current.refreshToken, req);
      const wrong = notPinned(ctx, minted);
      if (wrong === undefined) {
        ctx.outcome.refreshed = true;
        return { minted, auth };
      }
      // the refresh token in the secret belongs to another token (planted by a writer of the
      // secret): JFrog refreshed that one's user and scope. Take it back (with its own value:
      // the refresh may have revoked AWSCURRENT's token) and mint as pinned
      await revokeQuietly(ctx, selfAuth(minted, 'the refreshed token itself'), minted.tokenId, 'refreshed-not-pinned', { checked: true });
      logger.warn(`the refresh token in AWSCURRENT refreshed a token with ${wrong}; it ${revokedOrNot(ctx)}. Minting a token with the pinned user and scope instead`, {
        secretId: arn, step: ctx.event.Step, tokenId: minted.tokenId,
      });
    } catch (e) {
      // spent or unknown (404), not refreshable here (400), AWSCURRENT's token no longer
      // accepted (401: JFrog may revoke a token when it is refreshed), or the refresh token of
      // another user's token (403): a mint with the configured credential may still work
      const unusable = e instanceof RefreshTokenUnusableError || (e instanceof JfrogError && (e.status === 401 || e.status === 403));
      if (!unusable) {
        // a refresh makes a token of the refresh token's user: the one AWSCURRENT's token names
        if (mayHaveMinted(e)) {
          const owner = tokenOwner(current.token) || config.username;
          await revokeLostMint(ctx, auth, description, owner);
          // JFrog may have revoked AWSCURRENT's token at the refresh: then the configured
          // credential looks (an admin's sees every user's tokens)
          if (ctx.outcome.lostMintsRevoked === undefined && config.credentialsKind !== 'SELF_ROTATING') {
            const minting = await mintingAuth(ctx, current).catch(() => undefined);
            if (minting) await revokeLostMint(ctx, minting, description, owner);
          }
        }
        throw e;
      }
      refused = e;
      logger.warn('the refresh token in AWSCURRENT cannot be used; minting a new refreshable token instead', {
        secretId: arn, step: ctx.event.Step, error: e.message,
      });
    }
  }
  const auth = await mintingAuth(ctx, current);
  try {
    const minted = await jfrog.createToken(auth, { ...req, username: config.username, scope: config.scope, refreshable: config.refreshable });
    return { minted, auth };
  } catch (e) {
    if (mayHaveMinted(e)) await revokeLostMint(ctx, auth, description);
    if (refused && e instanceof JfrogError && e.status === 401) {
      throw new JfrogError(`no new token could be made: the refresh was refused (${refused.message}) and so was a mint with ${auth.source} (${e.message}). A refresh whose answer was never stored spends the refresh token, and JFrog may revoke the token it refreshed. AWSCURRENT is unchanged. Put a valid token of ${config.username} into the secret, then rotate`, 401);
    }
    throw e;
  }
}

/** a token authenticating its own revocation (JFrog lets a user revoke their own tokens) */
export function selfAuth(minted: MintedToken, source: string): JfrogAuth {
  return { kind: 'bearer', token: minted.accessToken, source };
}

/** a minute of clock skew between JFrog and the function: a token's exp read against our clock */
const LIFE_TOLERANCE_SECONDS = 60;

/**
 * JFrog may give a token less life than asked for (a server cap, a threshold). Less than the
 * rotation interval: the token would expire before the next rotation, so it is taken back and
 * the step fails, naming the fix. Less than asked but enough: a warning, counted
 * (ShortenedTokenLifetime). The life is JFrog's expires_in, else the token's exp claim
 */
export async function checkGrantedLife(ctx: StepContext, minted: MintedToken, auth: JfrogAuth): Promise<void> {
  const { config, arn } = ctx;
  const exp = jwtClaim(minted.accessToken, 'exp');
  const granted = minted.expiresIn !== undefined && minted.expiresIn > 0 ? minted.expiresIn
    : typeof exp === 'number' ? exp - ctx.now().getTime() / 1000 : undefined;
  // no expiry at all: not shorter than asked
  if (granted === undefined || granted >= config.lifetimeSeconds - LIFE_TOLERANCE_SECONDS) return;
  const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} hours`;
  if (config.intervalSeconds !== undefined && granted < config.intervalSeconds) {
    await revokeQuietly(ctx, auth, minted.tokenId, 'shorter-than-interval', { checked: true });
    throw new JfrogError(`JFrog gave the new token of ${arn} ${hours(granted)} of life, not the ${hours(config.lifetimeSeconds)} asked for (tokenLifetime), and less than the rotation interval (${hours(config.intervalSeconds)}): it would expire before the next rotation. The token ${revokedOrNot(ctx)} and AWSCURRENT is unchanged. JFrog caps the life of the tokens it mints (its token.max-expiry, or a limit of the minting user): raise the cap, mint with an admin token, or lower interval and tokenLifetime below it`);
  }
  ctx.outcome.shortenedLifetime = { askedSeconds: config.lifetimeSeconds, grantedSeconds: Math.round(granted) };
  logger.warn(`JFrog gave the new token less life than asked for: ${hours(granted)}, not ${hours(config.lifetimeSeconds)} (tokenLifetime). It still outlives the rotation interval, but a failed rotation has less time to be fixed before it expires. JFrog caps the life of the tokens it mints (its token.max-expiry, or a limit of the minting user): raise the cap, or lower tokenLifetime to what JFrog grants`, {
    secretId: arn, step: ctx.event.Step, tokenId: minted.tokenId, askedSeconds: config.lifetimeSeconds, grantedSeconds: Math.round(granted),
  });
}

/**
 * why a refreshed token is not one the settings pin (another user, another scope), or undefined.
 * JFrog's answer names the scope; the token's subject names its user
 */
function notPinned(ctx: StepContext, minted: MintedToken): string | undefined {
  const owner = tokenOwner(minted.accessToken);
  if (owner !== ctx.config.username.toLowerCase()) return `the user '${owner || 'unknown'}', not '${ctx.config.username}'`;
  const scope = minted.scope ?? jwtClaim(minted.accessToken, 'scp');
  const items = (value: unknown) => String(value ?? '').split(/\s+/).filter(Boolean).sort().join(' ');
  if (items(scope) !== items(ctx.config.scope)) return `the scope '${String(scope ?? 'unknown')}', not '${ctx.config.scope}'`;
  return undefined;
}
