import { assertConfigFor, RotationConfig } from './config';
import { CredentialError, JfrogError, MalformedSecretError, RefusedInvocationError, RotationError, RotationStateError } from './errors';
import { JfrogAuth, JfrogClient, jwtClaim } from './jfrog-client';
import { logger } from './log';
import { registerSecret } from './redact';
import { CURRENT, PENDING, PREVIOUS, SecretMetadata, SecretStore, versionWith } from './secret-store';
import { parseTokenSecret, TokenSecret, withNewToken } from './secret-value';

/** the steps of one rotation run within seconds, mostly in one warm function: one credential read serves them */
const CREDENTIAL_CACHE_MS = 60_000;
const credentialCache = new Map<string, { readonly raw: string; readonly at: number }>();

export type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const STEPS: Step[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** the event Secrets Manager sends; RotationToken (2025) is missing from @types/aws-lambda */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

export interface StepDeps {
  readonly config: RotationConfig;
  readonly store: SecretStore;
  readonly jfrog: JfrogClient;
  readonly now: () => Date;
  /** this function's ARN (the Lambda context's invokedFunctionArn): the secret's rotation must name it */
  readonly functionArn?: string;
}

interface StepContext extends StepDeps {
  readonly event: RotationEvent;
  readonly meta: SecretMetadata;
  readonly arn: string;
  readonly token: string;
  /** fields for the step's log lines */
  readonly outcome: Record<string, unknown>;
}

/**
 * checks the invocation as AWS's rotation templates do, then runs one step. the function holds a
 * JFrog credential and may write every secret whose rotation names it, so it serves only what
 * Secrets Manager itself started: the secret the settings are bound to (exactly), with rotation
 * on and pointed at this function, and a version Secrets Manager staged as AWSPENDING (or one
 * already AWSCURRENT, which changes nothing). anything else is refused before a value is read
 * or JFrog is called.
 */
export async function runStep(event: RotationEvent, deps: StepDeps, outcome: Record<string, unknown>): Promise<void> {
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
  const stages = meta.versions[token];
  const ctx: StepContext = { ...deps, event, meta, arn: meta.arn, token, outcome };
  if (stages?.includes(CURRENT)) {
    // a retry of a rotation that finished, or a replayed event: nothing to change
    if (step === 'finishSecret') {
      await finishAlreadyCurrent(ctx);
    } else {
      outcome.result = 'already-current';
    }
    return;
  }
  if (!stages?.includes(PENDING)) {
    // Secrets Manager abandons a rotation when someone writes the secret meanwhile: the version
    // loses AWSPENDING and DescribeSecret no longer lists it. Its token will never be used.
    if (step !== 'createSecret' && stages === undefined && await revokeAbandoned(ctx)) {
      throw new RotationStateError(`version ${token} of ${meta.arn} lost AWSPENDING: the rotation was abandoned (the secret was written during it, or the label was removed) and its token was revoked. Start a new rotation if needed`);
    }
    throw new RefusedInvocationError(`version ${token} of ${meta.arn} is ${stages?.length ? stages.join(', ') : 'not a staged version'}, not AWSPENDING: this function serves only the version Secrets Manager stages when it starts a rotation (RotateSecret or the schedule); nothing was changed. Start a rotation with RotateSecret`);
  }

  switch (step) {
    case 'createSecret': return createSecret(ctx);
    // a JFrog token is live from the moment it is minted: nothing to change at JFrog
    case 'setSecret': outcome.result = 'nothing-to-set'; return;
    case 'testSecret': return testSecret(ctx);
    case 'finishSecret': return finishSecret(ctx);
  }
}

/** the secret's rotation must name this function: a direct invocation for another function's secret is refused */
function assertRotatedBy(meta: SecretMetadata, functionArn: string | undefined): void {
  if (functionArn === undefined) return;
  // ARNs of one function compared without a version or alias qualifier
  const unqualified = (arn: string | undefined) => arn?.split(':').slice(0, 7).join(':');
  if (unqualified(meta.rotationLambdaArn) !== unqualified(functionArn)) {
    throw new RefusedInvocationError(`the rotation of ${meta.arn} is done by ${meta.rotationLambdaArn ?? 'no function'}, not by this function (${unqualified(functionArn)}); nothing was changed`);
  }
}

async function createSecret(ctx: StepContext): Promise<void> {
  const { config, store, jfrog, arn, token } = ctx;
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
  const auth = await mintingAuth(ctx, current);
  const description = mintDescription(arn, token);
  let minted: Awaited<ReturnType<JfrogClient['createToken']>>;
  try {
    minted = await jfrog.createToken(auth, {
      username: config.username,
      scope: config.scope,
      expiresInSeconds: config.lifetimeSeconds,
      // lets the rotation find a token whose answer was lost, and check that a token it is
      // asked to revoke is one it minted for this secret
      description,
    });
  } catch (e) {
    if (mayHaveMinted(e)) await revokeLostMint(ctx, auth, description);
    throw e;
  }
  const expiresAt = expiryOf(minted.accessToken, minted.expiresIn, ctx.now());
  const value = withNewToken(current, currentVersion?.versionId, config.tokenField, config.username, minted.accessToken, minted.tokenId, expiresAt);
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
    throw new RotationError(`storing the new token as AWSPENDING of ${arn} failed (${(e as Error).name}: ${(e as Error).message}); the minted token was revoked, AWSCURRENT is unchanged, and Secrets Manager will retry`);
  }
  ctx.outcome.result = 'minted';
  ctx.outcome.tokenId = minted.tokenId;
  ctx.outcome.expiresAt = expiresAt;
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
    info = await jfrog.whoAmI(pending.token);
  } catch (e) {
    if (e instanceof JfrogError && e.status === 401) {
      // take it back in case JFrog only said no this once (a revoked token stays revoked)
      await revokeQuietly(ctx, () => revokingAuth(ctx, { fields: {} }), pending.tokenId, 'rejected');
      await ctx.store.removePending(arn, token);
      throw new JfrogError(`JFrog rejects the pending token of ${arn} (version ${token}): it was revoked or has expired since it was minted. AWSCURRENT is unchanged; the version lost AWSPENDING so the next rotation mints a new token. ${e.message}`, 401);
    }
    throw e;
  }
  if (pending.tokenId && info.tokenId !== pending.tokenId) {
    throw new JfrogError(`JFrog accepted the pending token but reports it as token ${info.tokenId}, not ${pending.tokenId}; the pending version does not hold the token the rotation minted. Start a new rotation`);
  }
  return info;
}

async function finishSecret(ctx: StepContext): Promise<void> {
  const { config, store, meta, arn, token } = ctx;
  const currentId = versionWith(meta, CURRENT);
  const pendingVersion = await store.getVersion(arn, { versionId: token, stage: PENDING });
  const pending = parseTokenSecret(pendingVersion?.value, config.tokenField, `the AWSPENDING version ${token} of ${arn}`);
  const currentVersion = currentId ? await store.getVersion(arn, { versionId: currentId, stage: CURRENT }) : undefined;
  if (writtenDuringRotation(pending, currentId, currentVersion?.created, pendingVersion?.created)) {
    // someone wrote the secret after this rotation minted its token: promoting would throw
    // their value away. Stop, and take back the token nobody will use.
    await revokeQuietly(ctx, () => revokingAuth(ctx, pending), pending.tokenId, 'superseded');
    // leave no AWSPENDING on a revoked token, or every retry would fail its test
    await store.removePending(arn, token);
    throw new RotationStateError(`AWSCURRENT of ${arn} changed during this rotation (version ${currentId} was written after the pending token was minted); the rotation stops without promoting and its token was revoked. Start a new rotation if the new value should be rotated`);
  }
  // AWSCURRENT only ever receives a token JFrog accepts at this moment
  await verifyPending(ctx, pending);
  const current = currentVersion ? safeParse(ctx, currentVersion.value, currentId!) : undefined;
  // the token about to fall two generations behind, read only when the rotation did not record
  // it (a token the user started with: a seed, an API key, a token pasted before the construct)
  const previousId = versionWith(meta, PREVIOUS);
  const outgoing = config.revokePrevious && previousId && previousId !== currentId && typeof current?.previousTokenId !== 'string'
    ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;

  await store.promote(arn, token, currentId);
  ctx.outcome.result = 'promoted';
  ctx.outcome.tokenId = pending.tokenId;
  ctx.outcome.expiresAt = pending.expiresAt;

  if (config.revokePrevious) {
    // the new AWSCURRENT and AWSPREVIOUS stay; every other token minted for this secret goes
    const listed = await sweep(ctx, () => revokingAuth(ctx, pending), [pending, current]);
    if (outgoing) await revokeStartingToken(ctx, outgoing, [pending, current], listed);
  }
}

/**
 * the token a user started with is not minted by this rotation, so JFrog's list does not show it:
 * it revokes itself (DELETE /tokens/me with its own value) once it falls two generations
 * behind. only the holder of a token can do that, so writing an id into the secret revokes
 * nothing. never fails the step.
 */
async function revokeStartingToken(
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
 * true when AWSCURRENT is no longer the version the pending token was minted from. the pending
 * value records that version; a value written before the field existed falls back to dates
 */
function writtenDuringRotation(pending: TokenSecret, currentId: string | undefined, currentCreated?: Date, pendingCreated?: Date): boolean {
  if (pending.previousVersionId !== undefined) return pending.previousVersionId !== (currentId ?? null);
  return !!currentCreated && !!pendingCreated && currentCreated > pendingCreated;
}

/**
 * a retry after promotion (the function may have stopped between the move and the sweep), or a
 * replayed event: the sweep is idempotent and keeps AWSCURRENT and AWSPREVIOUS
 */
async function finishAlreadyCurrent(ctx: StepContext): Promise<void> {
  const { config, meta, token } = ctx;
  ctx.outcome.result = 'already-current';
  if (!config.revokePrevious) return;
  const current = await readQuietly(ctx, token, CURRENT);
  if (!current) return;
  const previousId = versionWith(meta, PREVIOUS);
  const previous = previousId ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;
  if (previousId && !previous) return; // unreadable: nothing may be revoked that might be in it
  await sweep(ctx, () => revokingAuth(ctx, current), [current, previous]);
}

/**
 * revokes every live token minted for this secret except those of the versions kept (the new
 * AWSCURRENT and AWSPREVIOUS). one mechanism for every way a token can be left behind: the
 * token two generations old, a rotation that was cancelled or abandoned, a mint whose answer
 * was lost, a function killed mid-mint. JFrog lists them by the description every mint
 * carries; only tokens of this rotation's user are touched. never fails the step.
 */
async function sweep(ctx: StepContext, auth: AuthSource, kept: Array<TokenSecret | undefined>): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const secret of kept) {
    if (secret?.tokenId) keep.add(secret.tokenId);
    const jti = secret?.token ? jwtClaim(secret.token, 'jti') : undefined;
    if (typeof jti === 'string') keep.add(jti);
  }
  const revoked: string[] = [];
  const listed = new Set<string>();
  try {
    const credential = typeof auth === 'function' ? await auth() : auth;
    const live = await ctx.jfrog.tokensWithDescriptionPrefix(credential, `${DESCRIPTION_PREFIX}${ctx.arn} version `);
    for (const t of live) listed.add(t.tokenId);
    for (const t of live) {
      if (keep.has(t.tokenId) || ownerOf(t.subject) !== ctx.config.username.toLowerCase()) continue;
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

/** true when the version exists without labels and held a token of its own, now revoked */
async function revokeAbandoned(ctx: StepContext): Promise<boolean> {
  const raw = await ctx.store.getValue(ctx.arn, { versionId: ctx.token }).catch(() => undefined);
  const abandoned = raw === undefined ? undefined : safeParse(ctx, raw, ctx.token);
  if (!abandoned?.tokenId) return false;
  const currentId = versionWith(ctx.meta, CURRENT);
  const previousId = versionWith(ctx.meta, PREVIOUS);
  const current = currentId ? await readQuietly(ctx, currentId, CURRENT) : undefined;
  const previous = previousId ? await readQuietly(ctx, previousId, PREVIOUS) : undefined;
  if (abandoned.tokenId === current?.tokenId || abandoned.tokenId === previous?.tokenId) return false;
  await revokeQuietly(ctx, () => revokingAuth(ctx, current ?? abandoned), abandoned.tokenId, 'abandoned');
  return true;
}

/** a value that is only needed for revocation: unreadable or malformed means "nothing to revoke" */
async function readQuietly(ctx: StepContext, versionId: string, stage: string | undefined): Promise<TokenSecret | undefined> {
  try {
    return safeParse(ctx, await ctx.store.getValue(ctx.arn, { versionId, stage }), versionId);
  } catch (e) {
    logger.warn('could not read an older version; its token will not be revoked', { secretId: ctx.arn, versionId, error: (e as Error).message });
    return undefined;
  }
}

function safeParse(ctx: StepContext, raw: string | undefined, versionId: string): TokenSecret | undefined {
  try {
    return parseTokenSecret(raw, ctx.config.tokenField, `version ${versionId} of ${ctx.arn}`);
  } catch (e) {
    logger.warn('an older version holds no readable token secret; nothing of it will be revoked', { secretId: ctx.arn, versionId, error: (e as Error).message });
    return undefined;
  }
}

/** auth now, or a way to get it that may fail (and then counts as a failed revocation) */
type AuthSource = JfrogAuth | (() => Promise<JfrogAuth>);

/**
 * a mint that failed after the request may have reached JFrog (no answer, a 5xx from a proxy,
 * an unreadable 200) may have left a token nobody holds
 */
function mayHaveMinted(e: unknown): boolean {
  if (!(e instanceof JfrogError)) return false;
  if (e.status === undefined) return !/^TLS to |\((ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\)/.test(e.message);
  return e.status >= 500 || e.status === 200 || e.status === 201;
}

/** find the tokens this very mint may have left (its description is unique) and revoke them */
async function revokeLostMint(ctx: StepContext, auth: JfrogAuth, description: string): Promise<void> {
  try {
    const lost = (await ctx.jfrog.tokensWithDescription(auth, description))
      .filter((t) => ownerOf(t.subject) === ctx.config.username.toLowerCase());
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

/** the user a token belongs to, from its subject `jfac@<service>/users/<username>` (JFrog lowercases it) */
function ownerOf(subject: string | undefined): string | undefined {
  return subject?.split('/users/').pop()?.toLowerCase();
}

/** the description every minted token carries: it says which secret and version it is for */
function mintDescription(arn: string, versionId: string): string {
  return `${DESCRIPTION_PREFIX}${arn} version ${versionId}`;
}
const DESCRIPTION_PREFIX = 'cdk-jfrog-token-rotation: ';

/**
 * revoke a token, never failing the step for it. an id read from the secret is only a claim:
 * whoever can write the secret could name any token for the credential to revoke. so JFrog is
 * asked first, and only a token of this rotation's user, minted for this secret, is revoked.
 */
async function revokeQuietly(
  ctx: StepContext, auth: AuthSource, tokenId: string | undefined, reason: string, options: { checked?: boolean } = {},
): Promise<void> {
  if (!tokenId) return;
  try {
    const credential = typeof auth === 'function' ? await auth() : auth;
    if (!options.checked) {
      const info = await ctx.jfrog.tokenInfo(credential, tokenId);
      if (!info) {
        ctx.outcome.revokedTokenId = tokenId;
        ctx.outcome.revocation = 'already-gone';
        return;
      }
      const user = ownerOf(info.subject);
      const ours = user === ctx.config.username.toLowerCase() && (info.description ?? '').startsWith(`${DESCRIPTION_PREFIX}${ctx.arn} `);
      if (!ours) {
        ctx.outcome.revocation = 'refused';
        logger.warn('a token named for revocation was not minted by this rotation for this secret; it was not revoked', {
          secretId: ctx.arn, step: ctx.event.Step, tokenId, reason, owner: user ?? 'unknown',
        });
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

/** a token that could not be revoked: counted for the step's RevocationFailed metric, and logged */
function revocationFailed(ctx: StepContext, message: string, fields: Record<string, unknown> = {}): void {
  ctx.outcome.revocation = 'failed';
  ctx.outcome.revocationFailures = ((ctx.outcome.revocationFailures as number | undefined) ?? 0) + 1;
  logger.warn(message, { secretId: ctx.arn, step: ctx.event.Step, ...fields });
}

async function mintingAuth(ctx: StepContext, current: TokenSecret): Promise<JfrogAuth> {
  const { config } = ctx;
  if (config.credentialsKind === 'SELF_ROTATING') {
    if (!current.token) {
      throw new MalformedSecretError(`the AWSCURRENT value of ${ctx.arn} holds no token in "${config.tokenField}"; a self-rotating token needs a seed: put {"${config.tokenField}": "<a valid token of ${config.username}>"} into the secret once`);
    }
    return { kind: 'bearer', token: current.token, source: `the token in AWSCURRENT of ${ctx.arn} (selfRotating)` };
  }
  return credentialAuth(ctx);
}

async function revokingAuth(ctx: StepContext, newest: TokenSecret): Promise<JfrogAuth> {
  if (ctx.config.credentialsKind === 'SELF_ROTATING' && newest.token) {
    // a user may revoke its own tokens; the newest one is certain to be valid
    return { kind: 'bearer', token: newest.token, source: `the new token of ${ctx.arn} (selfRotating)` };
  }
  return credentialAuth(ctx);
}

async function credentialAuth(ctx: StepContext): Promise<JfrogAuth> {
  const { config, store } = ctx;
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
  } catch {
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

/**
 * the rotation only ever talks to the configured JFrog: a secret that names another one was
 * edited by someone who should not steer where credentials go
 */
function checkJfrogUrl(ctx: StepContext, secret: TokenSecret): void {
  const named = secret.fields.jfrogUrl ?? secret.fields.url;
  if (named === undefined) return;
  const configured = ctx.config.jfrogUrl;
  let same = false;
  // shown without user info or query: such a URL may carry a credential
  let shown = 'an unparsable URL';
  try {
    const url = new URL(String(named));
    shown = `'${url.origin}${url.pathname}'`;
    same = url.origin === configured.origin && url.pathname.replace(/\/+$/, '') === configured.pathname.replace(/\/+$/, '');
  } catch {
    same = false;
  }
  if (!same) {
    throw new MalformedSecretError(`the AWSCURRENT value of ${ctx.arn} names JFrog at ${shown} but this rotation is configured for '${configured.origin}${configured.pathname.replace(/\/+$/, '')}'; credentials only go to the configured URL. Correct or remove the URL field in the secret, or change jfrogUrl`);
  }
}

function expiryOf(accessToken: string, expiresIn: number | undefined, now: Date): string | undefined {
  if (expiresIn !== undefined && expiresIn > 0) {
    return new Date(now.getTime() + expiresIn * 1000).toISOString();
  }
  const exp = jwtClaim(accessToken, 'exp');
  return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : undefined;
}

/** forget cached credentials (after a failure: the credential may have changed) */
export function clearCredentialCache(): void {
  credentialCache.clear();
}
