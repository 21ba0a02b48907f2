// a little over this project's usual 350 lines on purpose: the four rotation steps and the checks
// before them read as one protocol; revocation, credentials and the secret's value are modules
// of their own.
import { assertConfigFor } from './config';
import { clearCredentialCache, revokingAuth } from './credentials';
import { JfrogError, MalformedSecretError, RefusedInvocationError, RotationError, RotationStateError } from './errors';
import { JfrogClient } from './jfrog-client';
import { logger } from './log';
import { checkGrantedLife, newToken, selfAuth } from './new-token';
import {
  mintDescription, notNewForRevokeAll, revokeAbandoned, revokeAllBut, revokeAllRequested, revokedOrNot, revokeQuietly, revokeStartingToken, sweep,
} from './revocation';
import { CURRENT, PENDING, PREVIOUS, SecretMetadata, versionWith } from './secret-store';
import { parseTokenSecret, TokenSecret, tokenExpiry, withNewToken } from './secret-value';
import { readQuietly, RotationEvent, safeParse, StepContext, StepDeps, StepOutcome } from './step-context';
import { audienceIncludesAccess, REVOKE_ALL_BUT_TAG } from '../contract/rotation-config';

export { clearCredentialCache };
export type { RotationEvent, StepDeps, StepOutcome };

export type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const STEPS: Step[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** the four steps share one signature: they act on the checked invocation and record what they did in ctx.outcome */
type StepFunction = (ctx: StepContext) => Promise<void>;

/**
 * checks the invocation as AWS's rotation templates do, then runs one step. the function holds a
 * JFrog credential and may write every secret whose rotation names it, so it serves only what
 * Secrets Manager itself started: the secret the settings are bound to (exactly), with rotation
 * on and pointed at this function, and a version Secrets Manager staged as AWSPENDING (or one
 * already AWSCURRENT, which changes nothing). anything else is refused before a value is read
 * or JFrog is called.
 */
export async function runStep(event: RotationEvent, deps: StepDeps, outcome: StepOutcome = {}): Promise<StepOutcome> {
  const step = event.Step as Step;
  if (!STEPS.includes(step)) {
    throw new RefusedInvocationError(`unknown rotation step '${event.Step}'; Secrets Manager sends one of ${STEPS.join(', ')}`);
  }
  if (!event.SecretId || !event.ClientRequestToken) {
    throw new RefusedInvocationError('the event lacks SecretId or ClientRequestToken; only Secrets Manager should invoke this function');
  }
  const meta = await deps.store.describe(event.SecretId);
  assertConfigFor(deps.config, meta);
  if (!meta.rotationEnabled) {
    throw new RefusedInvocationError(`rotation is not enabled for ${meta.arn}; enable it (the construct's rotation schedule does) before invoking the function`);
  }
  assertRotatedBy(meta, deps.functionArn);
  const token = event.ClientRequestToken;
  // an own property only: a version id such as __proto__ or constructor names no version
  const stages = Object.hasOwn(meta.versions, token) ? meta.versions[token] : undefined;
  const ctx: StepContext = { ...deps, event, meta, arn: meta.arn, token, outcome };
  if (stages?.includes(CURRENT)) {
    // a retry of a rotation that finished, or a replayed event: nothing to change
    if (step === 'finishSecret') {
      await finishAlreadyCurrent(ctx);
    } else {
      outcome.result = 'already-current';
    }
    return outcome;
  }
  if (stages?.includes(PREVIOUS) && stages.includes(PENDING)) {
    // a label moved by hand: the version holds the token readers fall back on, never a new one
    throw new RefusedInvocationError(`version ${token} of ${meta.arn} is AWSPREVIOUS as well as AWSPENDING: Secrets Manager stages AWSPENDING on a new version only, so the label was moved by hand; nothing was changed. Remove AWSPENDING from it (UpdateSecretVersionStage), then start a rotation with RotateSecret`);
  }
  if (!stages?.includes(PENDING)) {
    // Secrets Manager abandons a rotation when someone writes the secret meanwhile: the version
    // loses AWSPENDING and DescribeSecret no longer lists it. Its token will never be used.
    if (step !== 'createSecret' && stages === undefined && await revokeAbandoned(ctx)) {
      throw new RotationStateError(`version ${token} of ${meta.arn} lost AWSPENDING: the rotation was abandoned (the secret was written during it, or the label was removed) and its token ${revokedOrNot(ctx)}. Start a new rotation if needed`);
    }
    throw new RefusedInvocationError(`version ${token} of ${meta.arn} is ${stages?.length ? stages.join(', ') : 'not a staged version'}, not AWSPENDING: this function serves only the version Secrets Manager stages when it starts a rotation (RotateSecret or the schedule); nothing was changed. Start a rotation with RotateSecret`);
  }

  await STEP_FUNCTIONS[step](ctx);
  return outcome;
}

/** the secret's rotation must name this function: a direct invocation for another function's secret is refused */
function assertRotatedBy(meta: SecretMetadata, functionArn: string | undefined): void {
  // ARNs of one function compared without a version or alias qualifier
  // Stryker disable next-line StringLiteral: both ARNs are joined alike before they are compared; only the message's text would change
  const unqualified = (arn: string | undefined) => arn?.split(':').slice(0, 7).join(':');
  // an invocation without an ARN never matches: a secret with rotation on always names a function
  if (unqualified(meta.rotationLambdaArn) !== unqualified(functionArn)) {
    throw new RefusedInvocationError(`the rotation of ${meta.arn} is done by ${meta.rotationLambdaArn ?? 'no function'}, not by this function (${unqualified(functionArn) ?? 'an invocation without a function ARN'}); nothing was changed`);
  }
}

async function createSecret(ctx: StepContext): Promise<void> {
  const { config, store, arn, token } = ctx;
  // idempotency: a retry of the same request finds its token and mints nothing
  const existing = await store.getValue(arn, { versionId: token, stage: PENDING });
  if (existing !== undefined) {
    const pending = parseTokenSecret(existing, config.tokenField, `the AWSPENDING version ${token} of ${arn}`);
    ctx.outcome.result = 'already-created';
    ctx.outcome.tokenId = pending.tokenId;
    return;
  }
  const currentVersion = await store.getVersion(arn, { stage: CURRENT });
  const current = parseTokenSecret(currentVersion?.value, config.tokenField, `the AWSCURRENT value of ${arn}`);
  checkJfrogUrl(ctx, current);
  const description = mintDescription(arn, token, config.tokenDescription);
  const made = await newToken(ctx, current, description);
  const { minted } = made;
  // a refreshed token is taken back with its own value: JFrog may revoke the token a refresh
  // was authenticated with, and then only the new one can
  const auth = ctx.outcome.refreshed ? selfAuth(minted, 'the refreshed token itself') : made.auth;
  if (config.referenceTokenField !== undefined && minted.referenceToken === undefined) {
    // a consumer reading the reference field would get a stale one: take the token back
    await revokeQuietly(ctx, auth, minted.tokenId, 'no-reference-token', { checked: true });
    throw new JfrogError(`JFrog minted the token without the reference token that referenceTokenField asks for (include_reference_token needs Artifactory 7.38.10+); the token ${revokedOrNot(ctx)} and AWSCURRENT is unchanged. Upgrade JFrog or remove referenceTokenField`);
  }
  if (config.refreshable && minted.refreshToken === undefined) {
    logger.warn('JFrog returned no refresh token although refreshable is on: its token.allow-refreshable setting is probably off. The next rotation mints a new token instead of refreshing', {
      secretId: arn, step: ctx.event.Step, tokenId: minted.tokenId,
    });
  }
  await checkGrantedLife(ctx, minted, auth);
  const expiresAt = expiryOf(minted.accessToken, minted.expiresIn, ctx.now(), config.lifetimeSeconds);
  const value = withNewToken(current, currentVersion?.versionId, config.tokenField, config.username,
    { token: minted.accessToken, tokenId: minted.tokenId, expiresAt, refreshToken: minted.refreshToken },
    config.referenceTokenField !== undefined ? { [config.referenceTokenField]: minted.referenceToken } : {});
  try {
    await store.putPending(arn, token, value, ctx.event.RotationToken);
  } catch (e) {
    // a write can succeed although the call failed (a lost answer): only an unstored token goes
    const stored = await store.getValue(arn, { versionId: token, stage: PENDING }).catch(() => undefined);
    if (stored !== undefined && safeParse(ctx, stored, token)?.tokenId === minted.tokenId) {
      ctx.outcome.result = 'minted';
      ctx.outcome.tokenId = minted.tokenId;
      ctx.outcome.expiresAt = expiresAt;
      return;
    }
    // the token exists at JFrog but nowhere else: take it back before failing
    // its id came from JFrog's own answer a moment ago: nothing to check before revoking it
    await revokeQuietly(ctx, auth, minted.tokenId, 'unstored', { checked: true });
    const spent = ctx.outcome.refreshed
      ? ` (the refresh token it was made with is spent: the retry mints a new refreshable token with the configured credential; if JFrog revoked the token in AWSCURRENT at the refresh, readers hold a dead token until then, and with selfRotating() nothing can mint: put a new token of ${config.username} into the secret)`
      : '';
    throw new RotationError(`storing the new token as AWSPENDING of ${arn} failed (${(e as Error).name}: ${(e as Error).message}); the new token ${revokedOrNot(ctx)}${spent}, AWSCURRENT is unchanged, and Secrets Manager will retry`);
  }
  ctx.outcome.result = 'minted';
  ctx.outcome.tokenId = minted.tokenId;
  ctx.outcome.expiresAt = expiresAt;
}

/** a JFrog token is live from the moment it is minted: nothing to change at JFrog */
async function setSecret(ctx: StepContext): Promise<void> {
  ctx.outcome.result = 'nothing-to-set';
}

async function testSecret(ctx: StepContext): Promise<void> {
  const { config, store, arn, token } = ctx;
  const pending = parseTokenSecret(await store.getValue(arn, { versionId: token, stage: PENDING }), config.tokenField, `the AWSPENDING version ${token} of ${arn}`);
  const info = await verifyPending(ctx, pending);
  ctx.outcome.result = 'verified';
  ctx.outcome.tokenId = info.tokenId;
}

/**
 * JFrog must accept the pending token now. a token JFrog rejects (revoked or expired since it
 * was minted) can never become good again: its version loses AWSPENDING, so the next rotation
 * starts afresh instead of failing on it forever
 */
async function verifyPending(ctx: StepContext, pending: TokenSecret) {
  const { config, jfrog, arn, token } = ctx;
  if (!pending.token) {
    throw new MalformedSecretError(`the AWSPENDING version ${token} of ${arn} has no "${config.tokenField}"; createSecret did not finish. Start a new rotation`);
  }
  let info: Awaited<ReturnType<JfrogClient['whoAmI']>>;
  try {
    info = await jfrog.whoAmI(pending.token, pending.tokenId);
  } catch (e) {
    if (e instanceof JfrogError && e.status === 401) {
      // a refresh may have revoked AWSCURRENT's token (JFrog may revoke the token it refreshes):
      // then the pending token is the one that may still work. Keep it for a retry of this
      // rotation rather than leave no token at all on one 401
      if (config.refreshable && await currentRejected(ctx)) {
        throw new JfrogError(`JFrog rejects the pending token of ${arn} (version ${token}), and the token in AWSCURRENT too (a refresh may have revoked it): the pending version keeps AWSPENDING and its token, so a retry of this rotation promotes it if JFrog accepts it again. If JFrog keeps rejecting it, put a valid token of ${config.username} into the secret. ${e.message}`, 401);
      }
      // take it back in case JFrog only said no this once (a revoked token stays revoked)
      await revokeQuietly(ctx, () => revokingAuth(ctx, { fields: {} }), pending.tokenId, 'rejected', { mintedFor: token });
      await ctx.store.removePending(arn, token);
      // the token was made a moment ago: an audience that leaves out Access is the likelier cause
      const cause = audienceIncludesAccess(config.audience) ? 'it was revoked or has expired since it was minted'
        : `its audience '${config.audience}' leaves out JFrog Access, which checks it: add jfac@* to audience`;
      throw new JfrogError(`JFrog rejects the pending token of ${arn} (version ${token}): ${cause}. AWSCURRENT is unchanged; the version lost AWSPENDING so the next rotation mints a new token. ${e.message}`, 401);
    }
    throw e;
  }
  if (pending.tokenId && info.tokenId !== pending.tokenId) {
    throw new JfrogError(`JFrog accepted the pending token but reports it as token ${info.tokenId}, not ${pending.tokenId}; the pending version does not hold the token the rotation minted. Start a new rotation`);
  }
  return info;
}

/** true when JFrog answers 401 to the token in AWSCURRENT (false when it accepts it, or cannot say) */
async function currentRejected(ctx: StepContext): Promise<boolean> {
  try {
    const current = await ctx.store.getValue(ctx.arn, { stage: CURRENT });
    const token = current === undefined ? undefined : parseTokenSecret(current, ctx.config.tokenField, `the AWSCURRENT value of ${ctx.arn}`).token;
    if (!token) return false;
    await ctx.jfrog.whoAmI(token);
    return false;
  } catch (e) {
    return e instanceof JfrogError && e.status === 401;
  }
}

async function finishSecret(ctx: StepContext): Promise<void> {
  const { config, store, meta, arn, token } = ctx;
  const currentId = versionWith(meta, CURRENT);
  const pendingVersion = await store.getVersion(arn, { versionId: token, stage: PENDING });
  const pending = parseTokenSecret(pendingVersion?.value, config.tokenField, `the AWSPENDING version ${token} of ${arn}`);
  const currentVersion = currentId ? await store.getVersion(arn, { versionId: currentId, stage: CURRENT }) : undefined;
  if (writtenDuringRotation(pending, currentId, currentVersion?.created, pendingVersion?.created)) {
    // someone wrote the secret after this rotation minted its token: promoting would throw
    // their value away. Stop, and take back the token nobody will use: only one minted for this
    // very version from what is now AWSPREVIOUS (a value staged by hand, or a version promoted
    // once, proves nothing; the next rotation's sweep takes back what this leaves)
    const fromPrevious = typeof pending.previousVersionId === 'string' && pending.previousVersionId === versionWith(meta, PREVIOUS);
    if (pending.previousVersionId === undefined || fromPrevious) {
      await revokeQuietly(ctx, () => revokingAuth(ctx, pending), pending.tokenId, 'superseded', { mintedFor: token });
    } else {
      logger.warn('the pending token was not revoked: its value was not made from AWSPREVIOUS, so it may be a value staged by hand or a version promoted before', {
        secretId: arn, step: ctx.event.Step, tokenId: pending.tokenId, previousVersionId: pending.previousVersionId,
      });
    }
    // leave no AWSPENDING on a revoked token, or every retry would fail its test
    await store.removePending(arn, token);
    throw new RotationStateError(`AWSCURRENT of ${arn} changed during this rotation (version ${currentId} was written after the pending token was minted); the rotation stops without promoting and its token ${revokedOrNot(ctx)}. Start a new rotation if the new value should be rotated`);
  }
  // AWSCURRENT only ever receives a token JFrog accepts at this moment
  await verifyPending(ctx, pending);
  const current = currentVersion ? safeParse(ctx, currentVersion.value, currentId!) : undefined;
  // the token about to fall two generations behind, read when JFrog's list may not show it: a
  // token the rotation did not record (the user started with it: a seed, an API key, a token
  // pasted before the construct), or a refreshed one (JFrog may drop or keep the old
  // description at a refresh instead of taking the one asked for)
  const previousId = versionWith(meta, PREVIOUS);
  const revokeAll = revokeAllRequested(ctx);
  const unlisted = revokeAll || typeof current?.previousTokenId !== 'string' || config.refreshable;
  const outgoing = (revokeAll || config.revokePrevious) && previousId && previousId !== currentId && unlisted
    ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;
  if (revokeAll) {
    // the leak action revokes the token AWSCURRENT holds now: only for a new one, proven minted for this version
    const problem = await notNewForRevokeAll(ctx, pending, [current, outgoing]);
    if (problem) {
      await store.removePending(arn, token);
      throw new RotationStateError(`the secret's tag ${REVOKE_ALL_BUT_TAG} asks to revoke every token of ${arn} but version ${token}'s, and that version holds no new token (${problem}); nothing was promoted or revoked, and the version lost AWSPENDING. Tag the secret with a new ClientRequestToken and start the rotation with it (README: "A token leaked")`);
    }
  }

  await store.promote(arn, token, currentId);
  ctx.outcome.result = 'promoted';
  ctx.outcome.promotion = { secretArn: arn, secretName: meta.name, versionId: token, previousVersionId: currentId };
  ctx.outcome.tokenId = pending.tokenId;
  // from the token itself: a value's expiresAt is whatever its writer put there
  ctx.outcome.expiresAt = tokenExpiry(pending.token) ?? pending.expiresAt;

  if (revokeAll) {
    // the leak action: the new AWSCURRENT alone stays
    await revokeAllBut(ctx, pending, [current, outgoing]);
  } else if (config.revokePrevious) {
    // the new AWSCURRENT and AWSPREVIOUS stay; every other token minted for this secret goes
    const listed = await sweep(ctx, () => revokingAuth(ctx, pending), [pending, current]);
    if (outgoing) await revokeStartingToken(ctx, outgoing, [pending, current], listed);
  }
}

/**
 * true when AWSCURRENT is no longer the version the pending token was minted from. the pending
 * value records that version; a value written before the field existed falls back to dates
 */
function writtenDuringRotation(pending: TokenSecret, currentId: string | undefined, currentCreated?: Date, pendingCreated?: Date): boolean {
  if (pending.previousVersionId !== undefined) return pending.previousVersionId !== (currentId ?? null);
  return !!currentCreated && !!pendingCreated && currentCreated > pendingCreated;
}

/**
 * a retry after promotion (the function may have stopped between the move and the sweep), or a
 * replayed event: the sweep and the starting token's revocation are idempotent and keep
 * AWSCURRENT and AWSPREVIOUS
 */
async function finishAlreadyCurrent(ctx: StepContext): Promise<void> {
  const { config, meta, token } = ctx;
  ctx.outcome.result = 'already-current';
  const revokeAll = revokeAllRequested(ctx);
  if (!config.revokePrevious && !revokeAll) return;
  const current = await readQuietly(ctx, token, CURRENT);
  if (!current) return;
  const previousId = versionWith(meta, PREVIOUS);
  const previous = previousId ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;
  if (previousId && !previous) return; // unreadable: nothing may be revoked that might be in it
  // a rotation in flight (this is a replay): what it minted for its AWSPENDING version stays
  const pendingId = versionWith(meta, PENDING);
  if (revokeAll) {
    // a retry of the leak action after its promotion: the same revocations, again only for a
    // version that holds a token minted for it (a version made AWSCURRENT by hand proves nothing)
    // after the promotion nothing fails the step: a look-up that failed revokes only the usual
    const problem = await notNewForRevokeAll(ctx, current, [previous]).catch((e: Error) => `its token could not be looked up: ${e.message}`);
    if (!problem) {
      await revokeAllBut(ctx, current, [previous], [pendingId !== token ? pendingId : undefined]);
      return;
    }
    logger.warn(`the secret's tag ${REVOKE_ALL_BUT_TAG} names this version, but it holds no token minted for it (${problem}); nothing beyond the usual was revoked`, {
      secretId: ctx.arn, step: ctx.event.Step,
    });
    if (!config.revokePrevious) return;
  }
  const listed = await sweep(ctx, () => revokingAuth(ctx, current), [current, previous], [pendingId !== token ? pendingId : undefined]);
  // the token the secret started with, if this rotation was the one to revoke it: AWSPREVIOUS
  // then records no token id before it, only the version it was made from (no label any more).
  // With refreshable, any token before it (a refreshed token JFrog's list may not show)
  const unlisted = typeof previous?.previousTokenId !== 'string' || config.refreshable;
  if (previous && unlisted && typeof previous.previousVersionId === 'string') {
    const outgoing = await readQuietly(ctx, previous.previousVersionId, undefined);
    if (outgoing) await revokeStartingToken(ctx, outgoing, [current, previous], listed);
  }
}

/**
 * the rotation only ever talks to the configured JFrog: a secret that names another one was
 * edited by someone who should not steer where credentials go
 */
function checkJfrogUrl(ctx: StepContext, secret: TokenSecret): void {
  const named = secret.fields.jfrogUrl ?? secret.fields.url;
  if (named === undefined) return;
  const configured = ctx.config.jfrogUrl;
  // Stryker disable next-line BooleanLiteral: every path below assigns it before it is read
  let same = false;
  // shown without user info or query: such a URL may carry a credential
  let shown = 'an unparsable URL';
  try {
    const url = new URL(String(named));
    shown = `'${url.origin}${url.pathname}'`;
    same = url.origin === configured.origin && url.pathname.replace(/\/+$/, '') === configured.pathname.replace(/\/+$/, '');
  } catch /* Stryker disable next-line BlockStatement: same is already false when new URL throws; the block only restates it */ {
    same = false;
  }
  if (!same) {
    throw new MalformedSecretError(`the AWSCURRENT value of ${ctx.arn} names JFrog at ${shown} but this rotation is configured for '${configured.origin}${configured.pathname.replace(/\/+$/, '')}'; credentials only go to the configured URL. Correct or remove the URL field in the secret, or change jfrogUrl`);
  }
}

const STEP_FUNCTIONS: Record<Step, StepFunction> = { createSecret, setSecret, testSecret, finishSecret };

/**
 * when a new token expires: JFrog's expires_in, counted from now. JFrog grants at most the life
 * asked for, so a longer one (a broken or hostile answer, 1e20) is not believed: then the
 * token's own exp claim
 */
function expiryOf(accessToken: string, expiresIn: number | undefined, now: Date, askedSeconds: number): string | undefined {
  if (expiresIn !== undefined && expiresIn > 0 && expiresIn <= askedSeconds) {
    return new Date(now.getTime() + expiresIn * 1000).toISOString();
  }
  return tokenExpiry(accessToken);
}

