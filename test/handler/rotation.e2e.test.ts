import { randomUUID } from 'crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { JfrogTokenScope } from '../../src';
import { emfRecords, Harness, logLines, RotationSettings, STEPS } from '../support/harness';

// GIVEN Secrets Manager (moto) and JFrog (the emulator), both real servers on 127.0.0.1, and
// the bundled handler run in its own process per step, as Lambda runs it

const USER = 'ci-bot';
const DAY = 86_400;
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser('admin', { password: 'admin-Passw0rd!', admin: true });
  h.jfrog.addUser(USER, { password: 'ci-bot-Passw0rd!' });
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});

afterAll(async () => {
  // nothing secret in anything the function printed or returned, in any scenario
  h.assertNothingLeaked([{ user: 'admin', password: 'admin-Passw0rd!' }, { user: USER, password: 'ci-bot-Passw0rd!' }]);
  await h.stop();
});

// the invariants hold after every scenario, whatever it did: no stray live token, and a rotated
// AWSCURRENT that JFrog accepts
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

async function adminSetup(value: Record<string, unknown> | string = { username: USER }, overrides: Partial<RotationSettings> = {}) {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret(value);
  const env = await h.configure(secretArn, {
    username: USER,
    scope: 'applied-permissions/groups:readers',
    lifetimeSeconds: 61 * DAY,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsSecretArn,
    ...overrides,
  });
  return { secretArn, env, credentialsSecretArn };
}

describe('a full rotation', () => {
  test('the first rotation fills a secret that holds no token yet', async () => {
    const { secretArn, env } = await adminSetup({ username: USER, team: 'platform' });

    const { failed } = await h.rotate(secretArn, env);

    expect(failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    const stored = h.jfrog.validToken(current.token)!;
    expect(stored).toMatchObject({ username: USER, scope: 'applied-permissions/groups:readers', viaApi: true });
    expect(current).toMatchObject({ username: USER, team: 'platform', tokenId: stored.id });
    // expiresAt is the token's own expiry, as ISO-8601
    expect(Math.abs(Date.parse(current.expiresAt) / 1000 - stored.expiry!)).toBeLessThanOrEqual(2);
    expect(stored.expiry! - stored.issuedAt).toBe(61 * DAY);
    await h.assertInvariants(secretArn, USER);
  });

  test('three rotations keep exactly the current and previous tokens valid and revoke the one two generations old', async () => {
    const { secretArn, env } = await adminSetup();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { failed } = await h.rotate(secretArn, env);
      expect(failed).toBeUndefined();
      tokens.push((await h.stage(secretArn, 'AWSCURRENT')).value!.token);
    }
    expect(new Set(tokens).size).toBe(3);
    expect(h.jfrog.validToken(tokens[0])).toBeUndefined();
    expect(h.jfrog.validToken(tokens[1])).toBeDefined();
    expect(h.jfrog.validToken(tokens[2])).toBeDefined();
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token).toBe(tokens[1]);
    await h.assertInvariants(secretArn, USER);
  });

  test('a rotation calls JFrog to mint, verify (testSecret, and again before promotion), list this secret\'s tokens, and revoke', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = h.jfrog.requests.length;
    await h.rotate(secretArn, env);
    // nothing two generations old yet: the list finds only the current and the previous token
    expect(h.jfrog.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /access/api/v1/tokens 200',
      'GET /access/api/v1/tokens/me 200',
      'GET /access/api/v1/tokens/me 200',
      'GET /access/api/v1/tokens 200',
    ]);
    const oldest = h.jfrog.validToken((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token)!;
    const next = h.jfrog.requests.length;
    await h.rotate(secretArn, env);
    expect(h.jfrog.requests.slice(next).map((r) => `${r.method} ${r.path.replace(oldest.id, '{oldest}')} ${r.status}`)).toEqual([
      'POST /access/api/v1/tokens 200',
      'GET /access/api/v1/tokens/me 200',
      'GET /access/api/v1/tokens/me 200',
      'GET /access/api/v1/tokens 200',
      'DELETE /access/api/v1/tokens/{oldest} 200',
    ]);
    expect(h.jfrog.validToken(oldest.accessToken)).toBeUndefined();
  });

  test('revokePrevious=false leaves old tokens to expire on their own', async () => {
    const { secretArn, env } = await adminSetup({ username: USER }, { revokePrevious: false });
    const before = h.jfrog.requests.length;
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
      tokens.push((await h.stage(secretArn, 'AWSCURRENT')).value!.token);
    }
    // three rotations, three different tokens, all still accepted
    expect(new Set(tokens).size).toBe(3);
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([true, true, true]);
    expect(h.jfrog.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  test('tokens shorter-lived than JFrog\'s 6-hour revocable threshold are minted revocable, so the oldest is still revoked', async () => {
    const { secretArn, env } = await adminSetup({ username: USER }, { lifetimeSeconds: 5 * 3600 });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
      tokens.push((await h.stage(secretArn, 'AWSCURRENT')).value!.token);
    }
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([false, true, true]);
    expect(h.jfrog.validToken(tokens[2])).toMatchObject({ revocable: true });
  });

  test.each([
    ['group names with a space and a comma, quoted by JfrogTokenScope.groups()', JfrogTokenScope.groups('release managers', 'ci,bots', 'readers').value, undefined],
    ['an unquoted group name with a space', 'applied-permissions/groups:release managers', /HTTP 400: BAD_REQUEST Invalid scope/],
    ['an unknown scope item', 'applied-permissions/everything', /HTTP 400: BAD_REQUEST Invalid scope .*check the scope/],
  ])('scope: %s', async (_name, scope, failure) => {
    const { secretArn, env } = await adminSetup({ username: USER }, { scope });
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const result = await h.rotate(secretArn, env);
    if (failure) {
      expect(result.failed?.result.errorMessage).toMatch(failure);
      expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    } else {
      expect(result.failed).toBeUndefined();
      expect(h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value!.token)).toMatchObject({ scope });
    }
  });

  test('the token the secret started with is revoked when it falls two generations behind (it revokes itself)', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await adminSetup({ username: USER, token: seed });

    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    // one generation behind: AWSPREVIOUS, still valid for readers that cached it
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token).toBe(seed);
    expect(h.jfrog.validToken(seed)).toBeDefined();

    const second = await h.rotate(secretArn, env);

    expect(second.failed).toBeUndefined();
    expect(h.jfrog.validToken(seed)).toBeUndefined();
    const finish = await h.invoke('finishSecret', secretArn, second.token, env);
    expect(finish.ok).toBe(true);
    await h.assertInvariants(secretArn, USER);
  });

  test('a JFrog without /tokens/me (before 7.53.1) cannot revoke the starting token: a warning and RevocationFailed say so', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await adminSetup({ username: USER, token: seed });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const token = randomUUID();
    for (const step of STEPS.slice(0, 3)) expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
    // what a JFrog before 7.53.1 answers: `me` is read as an unknown token id
    h.jfrog.inject({ method: 'DELETE', path: '/access/api/v1/tokens/me', status: 204 });

    const finish = await h.invoke('finishSecret', secretArn, token, env);

    expect(finish.ok).toBe(true);
    expect(logLines(finish.logs).find((l) => l.level === 'WARN')?.message).toMatch(/before 7\.53\.1.*revoke it in JFrog by hand/);
    expect(emfRecords(finish.logs).find((r) => r.SecretName)).toMatchObject({ RotationSucceeded: 1, RevocationFailed: 1 });
    expect(h.jfrog.validToken(seed)).toBeDefined();
    // the test revokes it by hand, as the warning says
    h.jfrog.tokens.get(h.jfrog.validToken(seed)!.id)!.revoked = true;
  });

  test('a custom token field keeps an existing secret in its shape', async () => {
    const { secretArn, env } = await adminSetup({ username: USER, api_key: 'AKCp-old-api-key-value' }, { tokenField: 'api_key' });
    const { failed } = await h.rotate(secretArn, env);
    expect(failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    expect(Object.keys(current).sort()).toEqual(['api_key', 'expiresAt', 'previousTokenId', 'previousVersionId', 'tokenId', 'username']);
    // the first token replaced none: the chain starts empty
    expect(current.previousTokenId).toBeNull();
    expect(h.jfrog.validToken(current.api_key)).toBeDefined();
    await h.assertInvariants(secretArn, USER, 'api_key');
  });

  test('an admin token kept in a custom field, or as plain text, mints', async () => {
    const credentialsSecretArn = await h.plainSecret({ jfrog_admin: adminToken });
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsSecretArn, credentialsField: 'jfrog_admin' });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const plain = await h.plainSecret(adminToken);
    const second = await adminSetup({ username: USER }, { credentialsSecretArn: plain });
    expect((await h.rotate(second.secretArn, second.env)).failed).toBeUndefined();
  });
});

describe('retries and crashes', () => {
  test('every step repeated mints one token and ends in the same state', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const token = randomUUID();
    const mintedBefore = h.jfrog.apiTokens(USER).length;
    for (const step of STEPS) {
      for (let i = 0; i < 2; i++) {
        expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
      }
    }
    expect(h.jfrog.apiTokens(USER).length - mintedBefore).toBe(1);
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    await h.assertInvariants(secretArn, USER);
  });

  test.each([
    ['createSecret', { method: 'POST', path: '/access/api/v1/tokens', status: 503, body: 'upstream unavailable' }, /HTTP 503/],
    ['testSecret', { method: 'GET', path: '/access/api/v1/tokens/me', status: 500, times: 4 }, /HTTP 500/],
    ['createSecret', { method: 'POST', path: '/access/api/v1/tokens', dropField: 'access_token' }, /no access_token; the token it created was revoked/],
  ])('a failure at %s leaves AWSCURRENT as it was, and the retry completes', async (failingStep, fault, message) => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    h.jfrog.inject(fault);

    const first = await h.rotate(secretArn, { ...env });
    expect(first.failed?.step).toBe(failingStep);
    expect(first.failed?.result.errorMessage).toMatch(message);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);

    h.jfrog.clearFaults();
    expect((await h.rotate(secretArn, env, first.token)).failed).toBeUndefined();
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(first.token);
    await h.assertInvariants(secretArn, USER);
  });

  test('setSecret only checks the version is pending (a JFrog token is live once minted): one DescribeSecret, no JFrog call', async () => {
    const { secretArn, env } = await adminSetup();
    const token = randomUUID();
    expect((await h.invoke('createSecret', secretArn, token, env)).ok).toBe(true);
    const requests = h.jfrog.requests.length;
    const set = await h.invoke('setSecret', secretArn, token, env);
    expect(set.ok).toBe(true);
    expect(logLines(set.logs).pop()).toMatchObject({ result: 'nothing-to-set', secretsManagerCalls: 1 });
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test.each<[string, 'destroy' | number, RegExp]>([
    ['the connection is cut', 'destroy', /could not reach JFrog|did not answer/],
    ['a proxy answers 502', 502, /HTTP 502/],
  ])('a mint JFrog carried out but whose answer was lost (%s): the token is found by its description and revoked', async (_name, loseAnswer, message) => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const mintedBefore = h.jfrog.apiTokens(USER).length;
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', loseAnswer });

    const first = await h.rotate(secretArn, env);

    expect(first.failed?.step).toBe('createSecret');
    expect(first.failed?.result.errorMessage).toMatch(message);
    expect(logLines(first.failed!.result.logs).pop()).toMatchObject({ lostMintsRevoked: 1, revocation: 'revoked' });
    const lost = h.jfrog.apiTokens(USER).slice(mintedBefore);
    expect(lost).toHaveLength(1);
    expect(lost[0].revoked).toBe(true);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    // Secrets Manager's retry mints again and completes
    expect((await h.rotate(secretArn, env, first.token)).failed).toBeUndefined();
    await h.assertInvariants(secretArn, USER);
  });

  test.each(STEPS.filter((s) => s !== 'setSecret'))('Secrets Manager unreachable at %s: the step fails, AWSCURRENT stays, the retry completes', async (failingStep) => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = randomUUID();
    for (const step of STEPS.slice(0, STEPS.indexOf(failingStep))) {
      expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
    }
    const broken = await h.invoke(failingStep, secretArn, token, { ...env, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9' });
    expect(broken.ok).toBe(false);
    expect(broken.errorMessage).toMatch(/ECONNREFUSED|connect/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);

    // Secrets Manager retries the whole rotation with the same token
    expect((await h.rotate(secretArn, env, token)).failed).toBeUndefined();
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    await h.assertInvariants(secretArn, USER);
  });

  test('a crash between steps resumes without minting again', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const token = randomUUID();
    expect((await h.invoke('createSecret', secretArn, token, env)).ok).toBe(true);
    // ...the function dies here; Secrets Manager retries the rotation with the same token
    const minted = h.jfrog.apiTokens(USER).length;
    expect((await h.rotate(secretArn, env, token)).failed).toBeUndefined();
    expect(h.jfrog.apiTokens(USER).length).toBe(minted);
    await h.assertInvariants(secretArn, USER);
  });

  test('the function killed while JFrog mints: the retry mints again, and the finished rotation revokes the first token', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const token = randomUUID();
    const mintedBefore = h.jfrog.apiTokens(USER).length;
    // JFrog carries the POST out; the function dies before it reads the answer
    const crash = await h.invoke('createSecret', secretArn, token, env, { crashOn: { method: 'POST', path: '/access/api/v1/tokens' } });
    expect(crash.crashed).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const [first] = h.jfrog.apiTokens(USER).slice(mintedBefore);
    expect(h.jfrog.validToken(first.accessToken)).toBeDefined();

    // Secrets Manager retries the rotation with the same token
    expect((await h.rotate(secretArn, env, token)).failed).toBeUndefined();

    expect(h.jfrog.apiTokens(USER).length - mintedBefore).toBe(2);
    expect(h.jfrog.validToken(first.accessToken)).toBeUndefined();
    await h.assertInvariants(secretArn, USER);
  });

  test('a crash after promotion, before revocation, is repaired by the retry', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    await h.rotate(secretArn, env);
    const oldest = (await h.stage(secretArn, 'AWSPREVIOUS')).value!.token;
    const token = randomUUID();
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) {
      await h.invoke(step, secretArn, token, env);
    }
    // the function dies the moment its DELETE reaches JFrog, before JFrog acts on it
    h.jfrog.inject({ method: 'DELETE', path: '/access/api/v1/tokens/', delayMs: 5_000, destroy: true });
    const crash = await h.invoke('finishSecret', secretArn, token, env, { crashOn: { method: 'DELETE', path: '/access/api/v1/tokens/' } });
    expect(crash.crashed).toBe(true);
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    expect(h.jfrog.validToken(oldest)).toBeDefined();
    h.jfrog.clearFaults();

    expect((await h.invoke('finishSecret', secretArn, token, env)).ok).toBe(true);
    expect(h.jfrog.validToken(oldest)).toBeUndefined();
    await h.assertInvariants(secretArn, USER);
  });

  test('a failed revocation is logged and never undoes the promotion', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    await h.rotate(secretArn, env);
    h.jfrog.inject({ method: 'DELETE', status: 403, body: JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'no' }] }) });
    const token = randomUUID();
    for (const step of STEPS.slice(0, 3)) await h.invoke(step, secretArn, token, env);
    const stale = (await h.stage(secretArn, 'AWSPREVIOUS')).value!.token;
    const finish = await h.invoke('finishSecret', secretArn, token, env);
    expect(finish.ok).toBe(true);
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    expect(finish.logs).toMatch(/revoking old tokens failed/);
    expect(finish.logs).toMatch(/"revocation":"failed"/);
    expect(h.jfrog.validToken(stale)).toBeDefined();
    // the next rotation's sweep takes back what this one could not
    h.jfrog.clearFaults();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    expect(h.jfrog.validToken(stale)).toBeUndefined();
  });

  test('429 is retried with back-off within the invocation', async () => {
    const { secretArn, env } = await adminSetup();
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', status: 429, headers: { 'retry-after': '1' }, times: 2 });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    await h.assertInvariants(secretArn, USER);
  });

  test('429 past the time left fails the step with the cause', async () => {
    const { secretArn, env } = await adminSetup();
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', status: 429, headers: { 'retry-after': '30' }, times: 5 });
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env, { timeoutMs: 25_000 });
    expect(result.errorMessage).toMatch(/HTTP 429.*rate-limited/);
  });

  test('too little time left: no mint at all (a token it could not store would leak)', async () => {
    const { secretArn, env } = await adminSetup();
    const posts = h.jfrog.requests.filter((r) => r.method === 'POST').length;
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env, { timeoutMs: 8_000 });
    expect(result.errorMessage).toMatch(/ms left in this invocation, too little to POST \/access\/api\/v1\/tokens and store the result safely; nothing was sent/);
    expect(h.jfrog.requests.filter((r) => r.method === 'POST').length).toBe(posts);
  });
});

describe('bad input fails the step with the cause and leaves AWSCURRENT untouched', () => {
  async function expectCreateFails(secretArn: string, env: Record<string, string>, message: RegExp, options = {}) {
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env, options);
    expect(result.ok).toBe(false);
    expect(result.errorMessage).toMatch(message);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    return result;
  }

  test('a secret value that is not JSON', async () => {
    const { secretArn, env } = await adminSetup('plain-text-not-json');
    const result = await expectCreateFails(secretArn, env, /is not JSON.*put \{"token"/);
    expect(result.errorType).toBe('MalformedSecretError');
    expect((await h.stage(secretArn, 'AWSCURRENT')).raw).toBe('plain-text-not-json');
    // the plain-text value may itself be a token: it appears in no message
    expect(result.errorMessage + result.logs).not.toContain('plain-text-not-json');
  });

  test('a secret value that is JSON but not an object', async () => {
    const { secretArn, env } = await adminSetup('["a"]');
    await expectCreateFails(secretArn, env, /not an object/);
  });

  test('a missing credential secret', async () => {
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf' });
    await expectCreateFails(secretArn, env, /credential secret .*nope.* does not exist/);
  });

  test('a credential secret without the token field', async () => {
    const credentialsSecretArn = await h.plainSecret({ other: 'x' });
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsSecretArn });
    await expectCreateFails(secretArn, env, /no "token" string/);
  });

  test.each([
    [400, /HTTP 400.*check the scope/],
    [401, /HTTP 401.*expired, revoked or wrong/],
    [403, /HTTP 403.*non-admins/],
    [404, /HTTP 404.*platform URL/],
    [500, /HTTP 500.*JFrog is failing/],
  ])('JFrog answering %i', async (status, message) => {
    const { secretArn, env } = await adminSetup();
    h.jfrog.inject({ method: 'POST', status, body: JSON.stringify({ errors: [{ code: 'X', message: 'emulated' }] }) });
    await expectCreateFails(secretArn, env, message);
  });

  test('an admin token JFrog does not accept', async () => {
    const credentialsSecretArn = await h.plainSecret({ token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.forged-signature' });
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsSecretArn });
    await expectCreateFails(secretArn, env, /HTTP 401: UNAUTHORIZED Bad credentials/);
  });

  test('a timeout', async () => {
    const { secretArn, env } = await adminSetup();
    // the client's own deadline (15 s) ends the exchange long before the Lambda timeout
    h.jfrog.inject({ method: 'POST', delayMs: 30_000, status: 200 });
    await expectCreateFails(secretArn, env, /did not answer POST .* within 15000 ms/, { timeoutMs: 40_000 });
  });

  test('a TLS certificate the function does not trust', async () => {
    const { secretArn, env } = await adminSetup();
    const { NODE_EXTRA_CA_CERTS: _trusted, ...untrusting } = env;
    await expectCreateFails(secretArn, untrusting, /TLS to 127\.0\.0\.1:\d+ failed/);
  });

  test('a redirect is not followed with credentials', async () => {
    const { secretArn, env } = await adminSetup();
    h.jfrog.inject({ method: 'POST', status: 302, headers: { location: `${h.jfrog.url}/elsewhere/access/api/v1/tokens` } });
    const requests = h.jfrog.requests.length;
    await expectCreateFails(secretArn, env, /redirected to 127\.0\.0\.1:\d+; redirects are never followed/);
    // one POST, answered with the redirect; nothing went to the Location (the emulator would have seen it)
    expect(h.jfrog.requests.slice(requests).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /access/api/v1/tokens 302']);
  });

  test('an answer that is not JSON', async () => {
    const { secretArn, env } = await adminSetup();
    h.jfrog.inject({ method: 'POST', status: 200, body: '<html>login</html>' });
    await expectCreateFails(secretArn, env, /not a JSON object/);
  });

  test('a pending token JFrog rejects fails testSecret and is never promoted', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = randomUUID();
    await h.invoke('createSecret', secretArn, token, env);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    h.jfrog.tokens.get(pending.tokenId)!.revoked = true;
    const test = await h.invoke('testSecret', secretArn, token, env);
    expect(test.errorMessage).toMatch(/HTTP 401/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
  });

  test('finishSecret promotes only a token JFrog accepts at that moment (revoked after testSecret: not promoted, and the next rotation starts afresh)', async () => {
    const { secretArn, env } = await adminSetup();
    await h.rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = randomUUID();
    for (const step of STEPS.slice(0, 3)) expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    // revoked between testSecret and finishSecret, with Secrets Manager reachable throughout
    h.jfrog.tokens.get(pending.tokenId)!.revoked = true;

    const finish = await h.invoke('finishSecret', secretArn, token, env);

    expect(finish.ok).toBe(false);
    expect(finish.errorMessage).toMatch(/JFrog rejects the pending token .* AWSCURRENT is unchanged/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    // no AWSPENDING left behind: a new rotation can start and completes
    expect((await h.versions(secretArn))[token]).toBeUndefined();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    await h.assertInvariants(secretArn, USER);
  });

  test('a step for a version that is neither current nor pending', async () => {
    const { secretArn, env } = await adminSetup();
    const result = await h.invoke('testSecret', secretArn, randomUUID(), env);
    expect(result.errorType).toBe('RefusedInvocationError');
    expect(result.errorMessage).toMatch(/is not a staged version, not AWSPENDING/);
  });

  test('a secret with rotation disabled', async () => {
    const plain = await h.plainSecret({ username: USER });
    const env = await h.configure(plain, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const result = await h.invoke('createSecret', plain, randomUUID(), env);
    expect(result.errorMessage).toMatch(/rotation is not enabled/);
  });

  test('a secret this function has no settings for (another function\'s, or a stray event)', async () => {
    const { env } = await adminSetup();
    const stray = await h.createSecret({ username: USER });
    const requests = h.jfrog.requests.length;
    const result = await h.invoke('createSecret', stray, randomUUID(), env);
    expect(result.errorType).toBe('ConfigurationError');
    expect(result.errorMessage).toContain(`no rotation settings for ${stray} at /cdk-jfrog-token-rotation/test/`);
    expect(h.jfrog.requests.length).toBe(requests);
  });
});

describe('other credentials', () => {
  test('usernamePassword mints with basic auth', async () => {
    const credentialsSecretArn = await h.plainSecret({ username: 'admin', password: 'admin-Passw0rd!' });
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    for (let i = 0; i < 3; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const posts = h.jfrog.requests.filter((r) => r.method === 'POST').slice(-3);
    expect(posts.map((r) => r.auth)).toEqual(['basic', 'basic', 'basic']);
    await h.assertInvariants(secretArn, USER);
  });

  test('usernamePassword where JFrog disabled token creation with basic auth', async () => {
    const credentialsSecretArn = await h.plainSecret({ username: 'admin', password: 'admin-Passw0rd!' });
    const { secretArn, env } = await adminSetup({ username: USER }, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    h.jfrog.basicAuthTokenCreation = false;
    try {
      const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
      expect(result.errorMessage).toMatch(/HTTP 403: FORBIDDEN Token generation with basic credentials is disabled/);
    } finally {
      h.jfrog.basicAuthTokenCreation = true;
    }
  });

  test('selfRotating: the current token mints its successor and revokes its own old tokens', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
      tokens.push((await h.stage(secretArn, 'AWSCURRENT')).value!.token);
    }
    expect(h.jfrog.validToken(tokens[0])).toBeUndefined();
    expect(h.jfrog.requests.filter((r) => r.method === 'POST').slice(-3).map((r) => r.auth)).toEqual(['bearer', 'bearer', 'bearer']);
    await h.assertInvariants(secretArn, USER);
  });

  test('refreshable, selfRotating: each rotation refreshes with the stored refresh token, and no refresh token is printed', async () => {
    const seed = h.jfrog.seedRefreshableToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed.accessToken, refreshToken: seed.refreshToken });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING', refreshable: true });
    const grants = h.jfrog.requests.length;
    const refreshTokens = [seed.refreshToken];
    for (let i = 0; i < 3; i++) {
      expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
      refreshTokens.push((await h.stage(secretArn, 'AWSCURRENT')).value!.refreshToken);
    }
    expect(h.jfrog.requests.slice(grants).filter((r) => r.grantType).map((r) => r.grantType)).toEqual(['refresh_token', 'refresh_token', 'refresh_token']);
    expect(new Set(refreshTokens).size).toBe(4);
    await h.assertInvariants(secretArn, USER);
    // the scan after the last test covers every refresh token the emulator gave out
    expect(h.allOutput.join('\n')).not.toContain(refreshTokens[1]);
  });

  test('selfRotating without a seeded token says how to seed it', async () => {
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
    expect(result.errorMessage).toMatch(/holds no token in "token"; a self-rotating token needs a seed/);
  });

  test('selfRotating past the server max expiry gets a 403 that names the limit', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    h.jfrog.maxExpirySeconds = 30 * DAY;
    try {
      const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
      expect(result.errorMessage).toMatch(/HTTP 403: FORBIDDEN expires_in exceeds.*shorten tokenLifetime/);
    } finally {
      h.jfrog.maxExpirySeconds = 0;
    }
  });
});

test('a manual write between steps: the rotation still promotes only the token it minted and tested', async () => {
  const { secretArn, env } = await adminSetup();
  await h.rotate(secretArn, env);
  const token = randomUUID();
  await h.invoke('createSecret', secretArn, token, env);
  const minted = (await h.stage(secretArn, 'AWSPENDING')).value!;
  await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ username: USER, token: 'hand-pasted' }) }));
  for (const step of ['setSecret', 'testSecret', 'finishSecret']) {
    await h.invoke(step, secretArn, token, env);
  }
  const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
  expect([minted.token, 'hand-pasted']).toContain(current.token);
});
