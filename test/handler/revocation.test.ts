import { JfrogError } from '../../src/handler/errors';
import { TokenInfo } from '../../src/handler/jfrog-client';
import { forgetSecrets } from '../../src/handler/redact';
import {
  mayHaveMinted, mintDescription, revokeAbandoned, revokeLostMint, revokeQuietly, revokeStartingToken, sweep,
} from '../../src/handler/revocation';
import { StepContext } from '../../src/handler/step-context';

// taking tokens back, against a JFrog that holds its tokens in memory: which tokens go, which
// stay, and that no failure here ever fails a step

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const AUTH = { kind: 'bearer' as const, token: 'admin', source: 'the admin token' };

interface Live extends TokenInfo { readonly description?: string }

function fakeJfrog(tokens: Live[], faults: { list?: Error; info?: Error; revoke?: Error; self?: 'revoked' | 'unconfirmed' | Error } = {}) {
  const revoked: string[] = [];
  const jfrog = {
    tokensWithDescriptionPrefix: async (_auth: unknown, prefix: string) => {
      if (faults.list) throw faults.list;
      return tokens.filter((t) => t.description?.startsWith(prefix) && !revoked.includes(t.tokenId));
    },
    tokensWithDescription: async (_auth: unknown, description: string) => {
      if (faults.list) throw faults.list;
      return tokens.filter((t) => t.description === description);
    },
    tokenInfo: async (_auth: unknown, id: string) => {
      if (faults.info) throw faults.info;
      return tokens.find((t) => t.tokenId === id && !revoked.includes(id));
    },
    revoke: async (_auth: unknown, id: string) => {
      if (faults.revoke) throw faults.revoke;
      revoked.push(id);
      return 'revoked' as const;
    },
    revokeSelf: async () => {
      if (faults.self instanceof Error) throw faults.self;
      return faults.self ?? 'revoked';
    },
  };
  return { jfrog, revoked };
}

/** a step for version v3 of a secret with no labelled versions, unless `more` gives them */
function context(jfrog: unknown, more: Record<string, unknown> = {}): StepContext {
  const base = { config: { username: 'CI-Bot', tokenField: 'token' }, jfrog, arn: ARN, token: 'v3', event: { Step: 'finishSecret' }, outcome: {} };
  const labels = { meta: { arn: ARN, versions: {} }, store: { getValue: async () => undefined } };
  return { ...base, ...labels, ...more } as unknown as StepContext;
}

const mine = (id: string, version: string, user = 'ci-bot'): Live => ({ tokenId: id, subject: `jfac@01/users/${user}`, description: mintDescription(ARN, version) });
/** an unsigned JWT with the given id, as JFrog's tokens carry it in their jti claim */
const jwt = (jti: string) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ jti })).toString('base64url')}.`;

// what the handler logged, one JSON object a line: an operator's search and alarms read these,
// so the warnings below are asserted by level, message and fields
let printed: string[];
beforeEach(() => {
  forgetSecrets();
  printed = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    }) as any);
  }
});
afterEach(() => jest.restoreAllMocks());
const warnings = (): Array<Record<string, unknown>> => printed.join('').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'WARN');

describe('sweep', () => {
  test('revokes every live token of this secret and user but the kept ones (by the jti in the token, or the id beside a reference token)', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t2', 'v2'), mine('t3', 'v3'), mine('t0', 'v0')]);
    const ctx = context(jfrog);
    const listed = await sweep(ctx, AUTH, [{ fields: {}, token: 'cmVmdGtuOjAxOjEyMzQ1Njc4OTA', tokenId: 't3' }, { fields: {}, token: jwt('t2') }, undefined]);
    expect(revoked.sort()).toEqual(['t0', 't1']);
    expect([...listed].sort()).toEqual(['t0', 't1', 't2', 't3']);
    expect(ctx.outcome).toMatchObject({ revocation: 'revoked', revokedTokenIds: expect.arrayContaining(['t0', 't1']) });
  });

  test('a kept value keeps the token it holds (its jti), not a token its tokenId merely names', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t2', 'v2')]);
    await sweep(context(jfrog), AUTH, [{ fields: {}, token: jwt('t2'), tokenId: 't1' }]);
    expect(revoked).toEqual(['t1']);
  });

  test('a kept value whose token is neither a JWT nor a reference token (or that has none) keeps nothing its tokenId names', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t2', 'v2')]);
    await sweep(context(jfrog), AUTH, [{ fields: {}, token: 'not-a-token', tokenId: 't1' }, { fields: {}, tokenId: 't2' }]);
    expect(revoked.sort()).toEqual(['t1', 't2']);
  });

  test('the tokens minted for a kept version (a rotation in flight) stay, whatever the values hold', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t4', 'v4'), mine('t5', 'v4')]);
    await sweep(context(jfrog), AUTH, [], ['v4', undefined]);
    expect(revoked).toEqual(['t1']);
  });

  test('never touches another user\'s token, nor a look-alike secret\'s (its ARN extends this one)', async () => {
    const lookAlike: Live = { tokenId: 'x1', subject: 'jfac@01/users/ci-bot', description: mintDescription(`${ARN}-XyZ123`, 'v1') };
    const { jfrog, revoked } = fakeJfrog([mine('o1', 'v1', 'someone-else'), lookAlike]);
    const ctx = context(jfrog);
    await sweep(ctx, AUTH, []);
    expect(revoked).toEqual([]);
    expect(ctx.outcome.revocation).toBe('nothing-to-revoke');
  });

  test('a failed list or revocation is counted, never thrown; a credential that cannot be read likewise', async () => {
    for (const faults of [{ list: new JfrogError('JFrog is failing', 503) }, { revoke: new JfrogError('refused', 403) }]) {
      const ctx = context(fakeJfrog([mine('t1', 'v1')], faults).jfrog);
      await sweep(ctx, AUTH, []);
      expect(ctx.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
    }
    const ctx = context(fakeJfrog([mine('t1', 'v1')]).jfrog);
    await sweep(ctx, async () => { throw new Error('credential unreadable'); }, []);
    expect(ctx.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
  });

  test('a failure is a warning that names the secret, the step and the cause, and says the old tokens stay valid', async () => {
    await sweep(context(fakeJfrog([mine('t1', 'v1')], { list: new JfrogError('JFrog is failing', 503) }).jfrog), AUTH, []);
    expect(warnings()).toEqual([expect.objectContaining({
      message: expect.stringMatching(/^revoking old tokens failed; they stay valid until they expire/),
      secretId: ARN,
      step: 'finishSecret',
      error: 'JFrog is failing',
    })]);
  });
});

describe('revokeQuietly (an id read from the secret is only a claim)', () => {
  test('revokes a token of this user minted for this secret', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1')]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'superseded');
    expect(revoked).toEqual(['t1']);
    expect(ctx.outcome).toMatchObject({ revocation: 'revoked', revokedTokenId: 't1' });
  });

  // the warning names the token, why it was to go and whose it is: someone who can write the
  // secret named it, and the operator needs to know which user's token was aimed at
  test.each([
    ['another user\'s token', mine('t1', 'v1', 'admin'), 'admin'],
    ['a token without this secret\'s description', { tokenId: 't1', subject: 'jfac@01/users/ci-bot', description: 'pipeline token' }, 'ci-bot'],
    ['a token without a description', { tokenId: 't1', subject: 'jfac@01/users/ci-bot' }, 'ci-bot'],
    ['a look-alike secret\'s token', { tokenId: 't1', subject: 'jfac@01/users/ci-bot', description: mintDescription(`${ARN}x`, 'v1') }, 'ci-bot'],
    ['a token JFrog names no owner for', { tokenId: 't1', description: mintDescription(ARN, 'v1') }, 'unknown'],
  ])('refuses %s, with a warning naming its owner', async (_name, token, owner) => {
    const { jfrog, revoked } = fakeJfrog([token]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'superseded');
    expect(revoked).toEqual([]);
    expect(ctx.outcome.revocation).toBe('refused');
    expect(warnings()).toEqual([expect.objectContaining({
      message: 'a token named for revocation was not revoked: it was not minted by this rotation for this secret',
      secretId: ARN,
      step: 'finishSecret',
      tokenId: 't1',
      reason: 'superseded',
      owner,
    })]);
  });

  test('with mintedFor: only a token minted for exactly that version goes', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t3', 'v3')]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'rejected', { mintedFor: 'v3' });
    expect(revoked).toEqual([]);
    expect(warnings()).toEqual([expect.objectContaining({
      message: 'a token named for revocation was not revoked: it was not minted by this rotation for version v3', tokenId: 't1', reason: 'rejected', owner: 'ci-bot',
    })]);
    await revokeQuietly(context(jfrog), AUTH, 't3', 'rejected', { mintedFor: 'v3' });
    expect(revoked).toEqual(['t3']);
  });

  // whatever a value staged by hand names: the tokens readers use are never taken back
  test.each([
    ['AWSCURRENT', 'its tokenId', JSON.stringify({ tokenId: 't3' })],
    ['AWSPREVIOUS', 'its token\'s jti', JSON.stringify({ token: jwt('t3') })],
  ])('a token %s holds (by %s) is never revoked, even minted for the version named', async (stage, _by, held) => {
    const { jfrog, revoked } = fakeJfrog([mine('t3', 'v3')]);
    const ctx = context(jfrog, {
      meta: { arn: ARN, versions: { v1: [stage] } },
      store: { getValue: async (_arn: string, selector: { versionId: string; stage: string }) => (selector.versionId === 'v1' && selector.stage === stage ? held : undefined) },
    });
    await revokeQuietly(ctx, AUTH, 't3', 'rejected', { mintedFor: 'v3' });
    expect(revoked).toEqual([]);
    expect(ctx.outcome.revocation).toBe('refused');
    expect(warnings()).toEqual([expect.objectContaining({ message: 'a token named for revocation was not revoked: AWSCURRENT or AWSPREVIOUS holds it', tokenId: 't3' })]);
  });

  test('AWSCURRENT that cannot be read: nothing is revoked (it might hold the token)', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t3', 'v3')]);
    const ctx = context(jfrog, {
      meta: { arn: ARN, versions: { v1: ['AWSCURRENT'] } },
      store: { getValue: async () => { throw new Error('AccessDeniedException'); } },
    });
    await revokeQuietly(ctx, AUTH, 't3', 'rejected', { mintedFor: 'v3' });
    expect(revoked).toEqual([]);
    expect(warnings()).toEqual([expect.objectContaining({ message: 'a token named for revocation was not revoked: AWSCURRENT or AWSPREVIOUS could not be read' })]);
  });

  test('a revocation JFrog refuses is counted and a warning names the token, why it was to go and the cause; never thrown', async () => {
    const ctx = context(fakeJfrog([mine('t1', 'v1')], { revoke: new JfrogError('JFrog refused to revoke a token (HTTP 403)', 403) }).jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'superseded');
    expect(ctx.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
    expect(warnings()).toEqual([expect.objectContaining({
      message: 'revoking an old token failed; it stays valid until it expires',
      secretId: ARN,
      step: 'finishSecret',
      tokenId: 't1',
      reason: 'superseded',
      error: 'JFrog refused to revoke a token (HTTP 403)',
    })]);
  });

  test('a token JFrog no longer knows is already gone; no id, nothing to do; an id JFrog gave is revoked unchecked', async () => {
    const { jfrog, revoked } = fakeJfrog([]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 'gone', 'superseded');
    expect(ctx.outcome).toMatchObject({ revocation: 'already-gone', revokedTokenId: 'gone' });
    await revokeQuietly(context(jfrog), AUTH, undefined, 'superseded');
    await revokeQuietly(context(jfrog), AUTH, 'fresh', 'unstored', { checked: true });
    expect(revoked).toEqual(['fresh']);
  });
});

describe('the starting token revokes itself', () => {
  const start = { fields: {}, token: 'starting-token-value' };
  test('with its own value, once it falls behind', async () => {
    const ctx = context(fakeJfrog([]).jfrog);
    await revokeStartingToken(ctx, start, [], new Set());
    expect(ctx.outcome).toEqual({ startingTokenRevocation: 'revoked' });
  });

  test('not when it is still kept', async () => {
    const ctx = context(fakeJfrog([]).jfrog);
    await revokeStartingToken(ctx, start, [{ fields: {}, token: 'starting-token-value' }], new Set());
    expect(ctx.outcome).toEqual({});
  });

  test('not when it is one of this rotation\'s own (its jti): JFrog listed it for the sweep, or a kept version names it', async () => {
    const kept = [{ fields: {}, tokenId: 'pending-id' }, undefined];
    const sweptCtx = context(fakeJfrog([]).jfrog);
    await revokeStartingToken(sweptCtx, { fields: {}, token: jwt('listed-id') }, kept, new Set(['listed-id']));
    expect(sweptCtx.outcome).toEqual({});
    const keptCtx = context(fakeJfrog([]).jfrog);
    await revokeStartingToken(keptCtx, { fields: {}, token: jwt('pending-id') }, kept, new Set(['listed-id']));
    expect(keptCtx.outcome).toEqual({});
    // a JWT that is neither: the user's own, revoked with its own value
    const strangerCtx = context(fakeJfrog([]).jfrog);
    await revokeStartingToken(strangerCtx, { fields: {}, token: jwt('users-own-id') }, kept, new Set(['listed-id']));
    expect(strangerCtx.outcome).toEqual({ startingTokenRevocation: 'revoked' });
  });

  test('a JFrog before 7.53.1 or a failure is counted as a failed revocation', async () => {
    const old = context(fakeJfrog([], { self: 'unconfirmed' }).jfrog);
    await revokeStartingToken(old, start, [], new Set());
    expect(old.outcome).toMatchObject({ startingTokenRevocation: 'unconfirmed', revocation: 'failed', revocationFailures: 1 });
    const failing = context(fakeJfrog([], { self: new JfrogError('no', 500) }).jfrog);
    await revokeStartingToken(failing, start, [], new Set());
    expect(failing.outcome).toMatchObject({ startingTokenRevocation: 'failed', revocation: 'failed' });
  });

  test('the warning names the cause: a JFrog before 7.53.1 asks for a revocation by hand; a failure carries its error', async () => {
    await revokeStartingToken(context(fakeJfrog([], { self: 'unconfirmed' }).jfrog), start, [], new Set());
    await revokeStartingToken(context(fakeJfrog([], { self: new JfrogError('JFrog refused (HTTP 500)', 500) }).jfrog), start, [], new Set());
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^the token the secret started with could not be revoked: .*Artifactory before 7\.53\.1.*revoke it in JFrog by hand$/),
        secretId: ARN,
        step: 'finishSecret',
      }),
      expect.objectContaining({
        message: 'revoking the token the secret started with failed; it stays valid until it expires',
        secretId: ARN,
        step: 'finishSecret',
        error: 'JFrog refused (HTTP 500)',
      }),
    ]);
  });
});

describe('a mint whose answer was lost', () => {
  test.each([
    [new JfrogError('JFrog refused to mint (HTTP 500)', 500), true],
    [new JfrogError('JFrog refused to mint (HTTP 502)', 502), true],
    [new JfrogError('JFrog did not answer POST /access/api/v1/tokens within 10000 ms'), true],
    [new JfrogError('answer not JSON', 200), true],
    [new JfrogError('JFrog answered the token request with HTTP 201 but no access_token', 201), true],
    [new JfrogError('could not reach JFrog at acme.jfrog.io (ECONNREFUSED)'), false],
    [new JfrogError('TLS to acme.jfrog.io failed (CERT_HAS_EXPIRED)'), false],
    [new JfrogError('JFrog refused (HTTP 403)', 403), false],
    [new JfrogError('JFrog rate-limited (HTTP 429)', 429), false],
    [new Error('not from JFrog'), false],
  ])('may have minted: %s -> %s', (error, expected) => {
    expect(mayHaveMinted(error)).toBe(expected);
  });

  test('its tokens are found by the mint\'s own description and revoked, only this user\'s', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('lost', 'v3'), mine('other-user', 'v3', 'admin'), mine('older', 'v2')]);
    const ctx = context(jfrog);
    await revokeLostMint(ctx, AUTH, mintDescription(ARN, 'v3'));
    expect(revoked).toEqual(['lost']);
    expect(ctx.outcome.lostMintsRevoked).toBe(1);
  });

  test('the tokens JFrog listed are revoked on that answer: a look-up by id that would fail is never made', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('lost', 'v3')], { info: new JfrogError('JFrog is failing (HTTP 503)', 503) });
    const ctx = context(jfrog, { event: { Step: 'createSecret' } });
    await revokeLostMint(ctx, AUTH, mintDescription(ARN, 'v3'));
    expect(revoked).toEqual(['lost']);
    expect(ctx.outcome.revocation).toBe('revoked');
  });

  test('a look-up or a revocation that fails is a warning naming the cause, never thrown (the mint\'s own error is what the step reports)', async () => {
    const description = mintDescription(ARN, 'v3');
    const createSecret = { event: { Step: 'createSecret' } };
    const unlisted = context(fakeJfrog([mine('lost', 'v3')], { list: new JfrogError('JFrog refused to list tokens by description (HTTP 403)', 403) }).jfrog, createSecret);
    await revokeLostMint(unlisted, AUTH, description);
    const unrevoked = context(fakeJfrog([mine('lost', 'v3')], { revoke: new JfrogError('JFrog refused to revoke a token (HTTP 403)', 403) }).jfrog, createSecret);
    await revokeLostMint(unrevoked, AUTH, description);
    expect(unrevoked.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: 'a mint whose answer was lost may have left a token that could not be looked up; it stays valid until it expires',
        secretId: ARN,
        step: 'createSecret',
        error: 'JFrog refused to list tokens by description (HTTP 403)',
      }),
      expect.objectContaining({
        message: 'revoking an old token failed; it stays valid until it expires',
        tokenId: 'lost',
        reason: 'mint-answer-lost',
        error: 'JFrog refused to revoke a token (HTTP 403)',
      }),
    ]);
  });
});

describe('a version that lost AWSPENDING (an abandoned rotation) has its own token revoked', () => {
  // versions as the secret holds them: v1 is AWSCURRENT, v0 AWSPREVIOUS, v3 the abandoned one
  const value = (token: string, tokenId: string, previousVersionId: string | null = 'v1') => JSON.stringify({ token, tokenId, previousVersionId });
  function abandonedContext(jfrog: unknown, abandoned: string | undefined | Error) {
    const values: Record<string, string | undefined | Error> = { v1: value('current-t0ken', 'tc'), v0: value('previous-t0ken', 'tp'), v3: abandoned };
    const store = {
      getValue: async (_arn: string, selector: { versionId: string }) => {
        const v = values[selector.versionId];
        if (v instanceof Error) throw v;
        return v;
      },
    };
    return context(jfrog, {
      config: { username: 'CI-Bot', tokenField: 'token', credentialsKind: 'SELF_ROTATING' },
      store,
      // DescribeSecret lists only labelled versions: v3 is not among them
      meta: { arn: ARN, versions: { v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] } },
    });
  }
  const tokens = () => [mine('tc', 'v1'), mine('tp', 'v0'), mine('ta', 'v3')];

  test('its own token goes', async () => {
    const { jfrog, revoked } = fakeJfrog(tokens());
    expect(await revokeAbandoned(abandonedContext(jfrog, value('abandoned-t0ken', 'ta')))).toBe(true);
    expect(revoked).toEqual(['ta']);
  });

  test.each([
    ['AWSCURRENT', 'tc'],
    ['AWSPREVIOUS', 'tp'],
  ])('not a token %s holds (the secret was written with it): nothing revoked', async (_stage, tokenId) => {
    const { jfrog, revoked } = fakeJfrog(tokens());
    expect(await revokeAbandoned(abandonedContext(jfrog, value('copied-t0ken', tokenId)))).toBe(false);
    expect(revoked).toEqual([]);
  });

  test.each([
    ['made from AWSCURRENT (a cancelled rotation)', 'v1', true],
    ['made from AWSPREVIOUS (the secret was written during it)', 'v0', true],
    ['made from a version with no label: promoted once, kept on purpose with revokePrevious: false', 'v-1', false],
    ['that records no version it was made from (written by hand)', null, false],
  ])('a version %s: its token revoked: %s', async (_name, from, revokedIt) => {
    const { jfrog, revoked } = fakeJfrog(tokens());
    expect(await revokeAbandoned(abandonedContext(jfrog, value('abandoned-t0ken', 'ta', from)))).toBe(revokedIt);
    expect(revoked).toEqual(revokedIt ? ['ta'] : []);
  });

  test('a token minted for another version of this secret is not revoked as the abandoned one', async () => {
    const { jfrog, revoked } = fakeJfrog([...tokens(), mine('t2', 'v2')]);
    await revokeAbandoned(abandonedContext(jfrog, value('abandoned-t0ken', 't2')));
    expect(revoked).toEqual([]);
  });

  test('a version that never got a value, or cannot be read: nothing to revoke, and no warning of a malformed secret', async () => {
    for (const abandoned of [undefined, new Error('AccessDeniedException')]) {
      const { jfrog, revoked } = fakeJfrog(tokens());
      expect(await revokeAbandoned(abandonedContext(jfrog, abandoned))).toBe(false);
      expect(revoked).toEqual([]);
    }
    expect(warnings()).toEqual([]);
  });

  test('a revocation that fails is counted, and the warning says the token was the abandoned version\'s', async () => {
    const { jfrog } = fakeJfrog(tokens(), { revoke: new JfrogError('JFrog refused to revoke a token (HTTP 403)', 403) });
    const ctx = abandonedContext(jfrog, value('abandoned-t0ken', 'ta'));
    expect(await revokeAbandoned(ctx)).toBe(true);
    expect(ctx.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
    expect(warnings()).toEqual([expect.objectContaining({
      message: 'revoking an old token failed; it stays valid until it expires', tokenId: 'ta', reason: 'abandoned',
    })]);
  });
});

describe('tokenDescription: the user\'s words after the bookkeeping', () => {
  const withOwn = (id: string, version: string, own: string): Live => ({ tokenId: id, subject: 'jfac@01/users/ci-bot', description: mintDescription(ARN, version, own) });
  const configured = (jfrog: unknown, own: string) => context(jfrog, { config: { username: 'CI-Bot', tokenField: 'token', tokenDescription: own } });

  test('the description is the bookkeeping, the separator, then the words; without words, the bookkeeping alone', () => {
    expect(mintDescription(ARN, 'v1', 'team A')).toBe(`cdk-jfrog-token-rotation: ${ARN} version v1 | team A`);
    expect(mintDescription(ARN, 'v1')).toBe(`cdk-jfrog-token-rotation: ${ARN} version v1`);
  });

  test('the sweep finds tokens with any words (old ones, none) and keeps a kept version\'s tokens whatever words they carry', async () => {
    const { jfrog, revoked } = fakeJfrog([withOwn('t1', 'v1', 'old words'), mine('t2', 'v2'), withOwn('t4', 'v4', 'old words'), withOwn('t5', 'v4', 'new words')]);
    await sweep(configured(jfrog, 'new words'), AUTH, [], ['v4']);
    expect(revoked.sort()).toEqual(['t1', 't2']);
  });

  test('revoking an id read from a secret (mintedFor) needs the exact description, words included: other words are refused', async () => {
    const { jfrog, revoked } = fakeJfrog([withOwn('t3', 'v3', 'other words'), withOwn('t6', 'v3', 'mine')]);
    await revokeQuietly(configured(jfrog, 'mine'), AUTH, 't3', 'rejected', { mintedFor: 'v3' });
    await revokeQuietly(configured(jfrog, 'mine'), AUTH, 't6', 'rejected', { mintedFor: 'v3' });
    expect(revoked).toEqual(['t6']);
  });
});
