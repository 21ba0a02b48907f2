import * as https from 'https';
import { RotationConfig } from '../../src/handler/config';
import { checkHealth } from '../../src/handler/health';
import { JfrogAuth, JfrogClient } from '../../src/handler/jfrog-client';
import { forgetSecrets } from '../../src/handler/redact';
import { mintDescription } from '../../src/handler/revocation';
import { SecretMetadata } from '../../src/handler/secret-store';
import { JfrogEmulator } from '../emulators/jfrog-emulator';

// the scheduled health check of one rotation: how long its token lives, how long since it rotated

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secretArn: ARN, tokenField: 'token', parameterName: '/p/ci_2fjfrog' } as RotationConfig;

beforeEach(() => forgetSecrets());

function store(value: string | undefined, meta: Partial<SecretMetadata> = {}) {
  return {
    describe: async () => ({ arn: ARN, rotationEnabled: true, versions: {}, ...meta }),
    getValue: async () => value,
  } as any;
}

test('seconds until the current token expires and since the last rotation', async () => {
  const value = JSON.stringify({ token: 'the-t0ken', tokenId: 'id', expiresAt: '2026-12-01T12:00:00Z' });
  expect(await checkHealth(config, store(value, { lastRotatedDate: new Date('2026-11-29T12:00:00Z') }), NOW))
    .toEqual({ secretArn: ARN, tokenId: 'id', secondsUntilExpiry: 86_400, secondsSinceLastRotation: 86_400 });
});

test('a secret never rotated counts from its creation', async () => {
  const value = JSON.stringify({ token: 'the-t0ken', expiresAt: '2026-12-01T12:00:00Z' });
  expect((await checkHealth(config, store(value, { createdDate: new Date('2026-11-30T11:00:00Z') }), NOW)).secondsSinceLastRotation).toBe(3_600);
});

test.each([
  [JSON.stringify({}), /holds no token in "token": the first rotation has not succeeded/],
  [JSON.stringify({ token: 'the-t0ken' }), /has no valid "expiresAt" and its token no exp claim: its token was not minted by this rotation/],
  [JSON.stringify({ token: 'the-t0ken', expiresAt: 'soon' }), /has no valid "expiresAt"/],
])('a token it cannot vouch for fails the check with the reason: %s', async (value, message) => {
  await expect(checkHealth(config, store(value), NOW)).rejects.toThrow(message);
});

test('settings bound to another secret are refused before its value is read', async () => {
  let read = false;
  const other = { ...store('{}', { arn: `${ARN}-XyZ123` }), getValue: async () => { read = true; return '{}'; } };
  await expect(checkHealth(config, other, NOW)).rejects.toThrow(/belong to/);
  expect(read).toBe(false);
});

describe('the live tokens of the secret (one list call)', () => {
  let jfrog: JfrogEmulator;
  let client: JfrogClient;
  let admin: JfrogAuth;
  const value = (token: string) => JSON.stringify({ token, expiresAt: '2026-12-01T12:00:00Z' });
  const live = { ...config, username: 'ci-bot', revokePrevious: true } as RotationConfig;
  const mint = (username: string, description: string) => client.createToken(admin, { username, scope: 'applied-permissions/user', expiresInSeconds: 7 * 86400, description });

  beforeAll(async () => {
    jfrog = await JfrogEmulator.start();
    admin = { kind: 'bearer', token: jfrog.seedToken('admin', 'applied-permissions/admin'), source: 'the test admin' };
  });
  beforeEach(() => {
    client = new JfrogClient(new URL(jfrog.url), { remainingMs: () => 60_000, agent: new https.Agent({ ca: jfrog.tls.ca }), backoffBaseMs: 10 });
  });
  afterAll(() => jfrog.stop());

  test('counts the rotation user\'s tokens minted for this secret, nobody else\'s, with one list call', async () => {
    const current = await mint('ci-bot', mintDescription(ARN, 'v2'));
    await mint('ci-bot', mintDescription(ARN, 'v1'));
    await mint('ci-bot', mintDescription(ARN, 'v0'));
    // another user's token with this secret's description, and a token of another secret
    await mint('intruder', mintDescription(ARN, 'v9'));
    await mint('ci-bot', mintDescription(`${ARN}x`, 'v1'));
    const before = client.calls.length;
    const health = await checkHealth(live, store(value(current.accessToken), { versions: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] } }), NOW, { jfrog: client, auth: admin });
    expect([health.liveTokens, health.allowedTokens]).toEqual([3, 2]);
    // by the description's prefix, which names the secret (JFrog takes a wildcard at the end)
    expect(client.calls.slice(before).map((c) => `${c.method} ${decodeURIComponent(c.path)}`)).toEqual([`GET /access/api/v1/tokens?description=${mintDescription(ARN, '')}*`]);
  });

  test('a pending rotation may hold one more; revokePrevious: false keeps all, so no limit', async () => {
    const current = await mint('ci-bot', mintDescription(ARN, 'p2'));
    const pending = store(value(current.accessToken), { versions: { p2: ['AWSCURRENT'], p3: ['AWSPENDING'] } });
    expect((await checkHealth(live, pending, NOW, { jfrog: client, auth: admin })).allowedTokens).toBe(3);
    const keepAll = await checkHealth({ ...live, revokePrevious: false }, pending, NOW, { jfrog: client, auth: admin });
    expect(keepAll.allowedTokens).toBeUndefined();
    expect(keepAll.liveTokens).toBeGreaterThan(0);
  });

  test('without a credential it lists with the current token; one JFrog refuses fails with the fix', async () => {
    const current = await mint('ci-bot', mintDescription(ARN, 's1'));
    const own = await checkHealth(live, store(value(current.accessToken)), NOW, { jfrog: client });
    expect(own.liveTokens).toBeGreaterThan(0);
    expect(jfrog.requests[jfrog.requests.length - 1]).toMatchObject({ method: 'GET', path: '/access/api/v1/tokens', auth: 'bearer' });
    jfrog.validToken(current.accessToken)!.revoked = true;
    await expect(checkHealth({ ...live, credentialsKind: 'SELF_ROTATING' }, store(value(current.accessToken)), NOW, { jfrog: client }))
      .rejects.toThrow(/JFrog does not accept the token in AWSCURRENT of .* \(HTTP 401\).*a self-rotating token cannot mint its successor: put a valid token of ci-bot into the secret/);
    await expect(checkHealth({ ...live, credentialsKind: 'USERNAME_PASSWORD' }, store(value(current.accessToken)), NOW, { jfrog: client }))
      .rejects.toThrow(/the next rotation replaces it: rotate the secret now \(RotateSecret\)/);
  });
});
