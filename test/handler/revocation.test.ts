import { JfrogError } from '../../src/handler/errors';
import { TokenInfo } from '../../src/handler/jfrog-client';
import {
  mayHaveMinted, mintDescription, revokeLostMint, revokeQuietly, revokeStartingToken, sweep,
} from '../../src/handler/revocation';
import { StepContext } from '../../src/handler/step-context';

// taking tokens back, against a JFrog that holds its tokens in memory: which tokens go, which
// stay, and that no failure here ever fails a step

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const AUTH = { kind: 'bearer' as const, token: 'admin', source: 'the admin token' };

interface Live extends TokenInfo { readonly description?: string }

function fakeJfrog(tokens: Live[], faults: { list?: Error; revoke?: Error; self?: 'revoked' | 'unconfirmed' | Error } = {}) {
  const revoked: string[] = [];
  const jfrog = {
    tokensWithDescriptionPrefix: async (_auth: unknown, prefix: string) => {
      if (faults.list) throw faults.list;
      return tokens.filter((t) => t.description?.startsWith(prefix) && !revoked.includes(t.tokenId));
    },
    tokensWithDescription: async (_auth: unknown, description: string) => tokens.filter((t) => t.description === description),
    tokenInfo: async (_auth: unknown, id: string) => tokens.find((t) => t.tokenId === id && !revoked.includes(id)),
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

function context(jfrog: unknown): StepContext {
  return {
    config: { username: 'CI-Bot' }, jfrog, arn: ARN, token: 'v3', event: { Step: 'finishSecret' }, outcome: {},
  } as unknown as StepContext;
}

const mine = (id: string, version: string, user = 'ci-bot'): Live => ({ tokenId: id, subject: `jfac@01/users/${user}`, description: mintDescription(ARN, version) });

describe('sweep', () => {
  test('revokes every live token of this secret and user but the kept ones (by id or by the jti in the token)', async () => {
    const jwt = (jti: string) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ jti })).toString('base64url')}.`;
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1'), mine('t2', 'v2'), mine('t3', 'v3'), mine('t0', 'v0')]);
    const ctx = context(jfrog);
    const listed = await sweep(ctx, AUTH, [{ fields: {}, tokenId: 't3' }, { fields: {}, token: jwt('t2') }, undefined]);
    expect(revoked.sort()).toEqual(['t0', 't1']);
    expect([...listed].sort()).toEqual(['t0', 't1', 't2', 't3']);
    expect(ctx.outcome).toMatchObject({ revocation: 'revoked', revokedTokenIds: expect.arrayContaining(['t0', 't1']) });
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
});

describe('revokeQuietly (an id read from the secret is only a claim)', () => {
  test('revokes a token of this user minted for this secret', async () => {
    const { jfrog, revoked } = fakeJfrog([mine('t1', 'v1')]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'superseded');
    expect(revoked).toEqual(['t1']);
    expect(ctx.outcome).toMatchObject({ revocation: 'revoked', revokedTokenId: 't1' });
  });

  test.each([
    ['another user\'s token', mine('t1', 'v1', 'admin')],
    ['a token without this secret\'s description', { tokenId: 't1', subject: 'jfac@01/users/ci-bot', description: 'pipeline token' }],
    ['a look-alike secret\'s token', { tokenId: 't1', subject: 'jfac@01/users/ci-bot', description: mintDescription(`${ARN}x`, 'v1') }],
  ])('refuses %s', async (_name, token) => {
    const { jfrog, revoked } = fakeJfrog([token]);
    const ctx = context(jfrog);
    await revokeQuietly(ctx, AUTH, 't1', 'superseded');
    expect(revoked).toEqual([]);
    expect(ctx.outcome.revocation).toBe('refused');
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

  test('a JFrog before 7.53.1 or a failure is counted as a failed revocation', async () => {
    const old = context(fakeJfrog([], { self: 'unconfirmed' }).jfrog);
    await revokeStartingToken(old, start, [], new Set());
    expect(old.outcome).toMatchObject({ startingTokenRevocation: 'unconfirmed', revocation: 'failed', revocationFailures: 1 });
    const failing = context(fakeJfrog([], { self: new JfrogError('no', 500) }).jfrog);
    await revokeStartingToken(failing, start, [], new Set());
    expect(failing.outcome).toMatchObject({ startingTokenRevocation: 'failed', revocation: 'failed' });
  });
});

describe('a mint whose answer was lost', () => {
  test.each([
    [new JfrogError('JFrog refused to mint (HTTP 502)', 502), true],
    [new JfrogError('JFrog did not answer POST /access/api/v1/tokens within 10000 ms'), true],
    [new JfrogError('answer not JSON', 200), true],
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
});
