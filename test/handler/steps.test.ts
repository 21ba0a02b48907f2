import { randomUUID } from 'crypto';
import * as https from 'https';
import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { JfrogClient } from '../../src/handler/jfrog-client';
import { logger } from '../../src/handler/log';
import { clearCredentialCache, StepOutcome, STEPS } from '../../src/handler/steps';
import { ENV } from '../../src/contract/rotation-config';
import { FUNCTION_ARN, Harness } from '../support/harness';
import { DAY, InProcessSteps, StepResult, USER } from '../support/in-process-steps';
import { functionArnFor } from '../support/invoke';

// the steps module in this process (not the bundle), against Secrets Manager (moto, staging
// AWSPENDING as RotateSecret does) and JFrog (the emulator): the decisions on what to mint,
// promote and revoke, fast enough for mutation testing. The same behaviour through the bundled
// handler, with crashes and timeouts, is in rotation.e2e.test.ts and trust-boundary.e2e.test.ts.

let h: Harness;
let adminToken: string;

beforeAll(async () => {
  steps = await InProcessSteps.start();
  ({ h, adminToken } = steps);
});
afterAll(() => h.stop());
afterEach(async () => {
  h.jfrog.clearFaults();
  clearCredentialCache();
  await h.assertInvariantsOfAll();
});

let steps: InProcessSteps;
const step: InProcessSteps['step'] = (...args) => steps.step(...args);
const rotate: InProcessSteps['rotate'] = (...args) => steps.rotate(...args);
const setup: InProcessSteps['setup'] = (...args) => steps.setup(...args);
const current: InProcessSteps['current'] = (arn) => steps.current(arn);

describe('a rotation', () => {
  test('mints with the settings, stores it as AWSPENDING with its id, expiry and origin, verifies it, promotes it', async () => {
    const { secretArn, env } = await setup({ username: USER, team: 'platform' });
    const token = await h.startRotation(secretArn);
    const before = await h.stage(secretArn, 'AWSCURRENT');

    const create = await step('createSecret', secretArn, token, env);
    expect(create.outcome).toMatchObject({ result: 'minted' });
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    const minted = h.jfrog.validToken(pending.token)!;
    expect(minted).toMatchObject({ username: USER, scope: 'applied-permissions/groups:readers', id: pending.tokenId });
    expect(minted.expiry! - minted.issuedAt).toBe(61 * DAY);
    expect(minted.description).toBe(`cdk-jfrog-token-rotation: ${secretArn} version ${token}`);
    // no reference token unless referenceTokenField asks for one: it would be a second credential nobody stores
    expect(minted.referenceToken).toBeUndefined();
    expect(pending).toMatchObject({ team: 'platform', username: USER, previousTokenId: null, previousVersionId: before.versionId });
    expect(Math.abs(Date.parse(pending.expiresAt) / 1000 - minted.expiry!)).toBeLessThanOrEqual(2);
    expect(create.outcome).toMatchObject({ tokenId: minted.id, expiresAt: pending.expiresAt });

    expect((await step('setSecret', secretArn, token, env)).outcome).toEqual({ result: 'nothing-to-set' });
    expect((await step('testSecret', secretArn, token, env)).outcome).toEqual({ result: 'verified', tokenId: minted.id });
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    const finish = await step('finishSecret', secretArn, token, env);
    // the expiry the metrics report is the token's own (its exp claim), not the value's field
    expect(finish.outcome).toMatchObject({ result: 'promoted', tokenId: minted.id, expiresAt: new Date(minted.expiry! * 1000).toISOString(), revocation: 'nothing-to-revoke' });
    expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).versionId).toBe(before.versionId);
  });

  test('three rotations: the third revokes the first token, and only it', async () => {
    const { secretArn, env } = await setup();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      tokens.push((await current(secretArn)).token);
    }
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([false, true, true]);
    const chain = await current(secretArn);
    expect(chain.previousTokenId).toBe(h.jfrog.validToken(tokens[1])!.id);
  });

  test('revokePrevious: false revokes nothing', async () => {
    const { secretArn, env } = await setup({ username: USER }, { revokePrevious: false });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { token } = await rotate(secretArn, env);
      tokens.push((await current(secretArn)).token);
      expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
    }
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([true, true, true]);
    expect(h.jfrog.requests.filter((r) => r.method === 'DELETE' && r.path.includes(h.jfrog.validToken(tokens[0])!.id))).toEqual([]);
  });

  test('revokePrevious: false: a repeated finishSecret (already current) revokes nothing either', async () => {
    const { secretArn, env } = await setup({ username: USER }, { revokePrevious: false });
    const tokens: string[] = [];
    let last = '';
    for (let i = 0; i < 3; i++) {
      last = (await rotate(secretArn, env)).token;
      tokens.push((await current(secretArn)).token);
    }
    const requests = h.jfrog.requests.length;
    expect((await step('finishSecret', secretArn, last, env)).outcome).toEqual({ result: 'already-current' });
    expect(h.jfrog.requests.length).toBe(requests);
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([true, true, true]);
  });

  describe('a token JFrog gives less life than tokenLifetime asks for (issue 19.3)', () => {
    test.each([
      ['a minute short (clock skew): nothing to say', 61 * DAY - 60, undefined],
      ['shorter, but longer than the interval: recorded for the warning and the count', 40 * DAY, { askedSeconds: 61 * DAY, grantedSeconds: 40 * DAY }],
      ['exactly the interval: still enough', 30 * DAY, { askedSeconds: 61 * DAY, grantedSeconds: 30 * DAY }],
    ])('%s', async (_name, granted, recorded) => {
      const { secretArn, env } = await setup({ username: USER }, { intervalSeconds: 30 * DAY });
      h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, setFields: { expires_in: granted } });
      const result = await steps.step('createSecret', secretArn, await h.startRotation(secretArn), env);
      expect(result.ok).toBe(true);
      expect(result.outcome.shortenedLifetime).toEqual(recorded);
    });

    test('shorter than the interval: the token is revoked and createSecret fails with the fix', async () => {
      const { secretArn, env } = await setup({ username: USER }, { intervalSeconds: 30 * DAY });
      h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, setFields: { expires_in: 30 * DAY - 1 } });
      const token = await h.startRotation(secretArn);
      const result = await steps.step('createSecret', secretArn, token, env);
      expect(result.error?.message).toMatch(/less than the rotation interval \(720\.0 hours\): it would expire before the next rotation\. The token was revoked and AWSCURRENT is unchanged\. .*raise the cap, mint with an admin token, or lower interval and tokenLifetime below it/);
      expect(result.outcome.revocation).toBe('revoked');
      expect((await h.stage(secretArn, 'AWSPENDING')).value).toBeUndefined();
    });

    test('settings written before the interval was in them: only the warning', async () => {
      const { secretArn, env } = await setup();
      h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, setFields: { expires_in: DAY } });
      const result = await steps.step('createSecret', secretArn, await h.startRotation(secretArn), env);
      expect(result.ok).toBe(true);
      expect(result.outcome.shortenedLifetime).toEqual({ askedSeconds: 61 * DAY, grantedSeconds: DAY });
    });
  });

  test('JFrog\'s answer without expires_in: the expiry comes from the token\'s own exp claim', async () => {
    const { secretArn, env } = await setup();
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, dropField: 'expires_in' });
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    const value = await current(secretArn);
    expect(value.expiresAt).toBe(new Date(h.jfrog.validToken(value.token)!.expiry! * 1000).toISOString());
  });

  test.each([
    ['expires_in 0 for a token without an exp claim (one that never expires): no expiry is recorded, not "expires now"', 0, 0, undefined],
    ['expires_in counted from now, not the token\'s exp claim (JFrog\'s clock an hour ahead would shift the claim)', 61 * DAY, 61 * DAY + 3600, 61 * DAY],
  ])('JFrog\'s answer with %s', async (_name, expiresIn, claimLifetime, expected) => {
    const { secretArn, env } = await setup();
    // JFrog's answer to the mint, given by the emulator; the token in it is real, with the exp claim the case needs
    const accessToken = h.jfrog.seedToken(USER, 'applied-permissions/groups:readers', claimLifetime);
    const tokenId = h.jfrog.validToken(accessToken)!.id;
    const answer = { token_id: tokenId, access_token: accessToken, expires_in: expiresIn, scope: 'applied-permissions/groups:readers', token_type: 'Bearer' };
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) });
    const create = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
    expect(create.outcome).toMatchObject({ result: 'minted', tokenId });
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    expect(pending.expiresAt).toBe(create.outcome.expiresAt);
    if (expected === undefined) {
      expect(pending.expiresAt).toBeUndefined();
    } else {
      expect(Math.abs(Date.parse(pending.expiresAt) - (Date.now() + expected * 1000))).toBeLessThan(60_000);
    }
    h.jfrog.tokens.get(tokenId)!.revoked = true;
  });

  test('a mint JFrog refused outright (401, 403) is not looked for: nothing can have been minted', async () => {
    for (const status of [401, 403]) {
      const { secretArn, env } = await setup();
      h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, status, body: JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'no' }] }) });
      const requests = h.jfrog.requests.length;
      const result = await rotate(secretArn, env);
      expect(result.failed?.step).toBe('createSecret');
      expect(h.jfrog.requests.slice(requests).map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`)).toEqual(['POST /access/api/v1/tokens']);
      h.jfrog.clearFaults();
      await rotate(secretArn, env, result.token);
    }
  });

  test('each step repeated: one token, the same end state', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    const minted = h.jfrog.apiTokens(USER).length;
    const outcomes: Array<StepOutcome['result']> = [];
    for (const name of STEPS) {
      for (let i = 0; i < 2; i++) outcomes.push((await step(name, secretArn, token, env)).outcome.result);
    }
    expect(outcomes).toEqual(['minted', 'already-created', 'nothing-to-set', 'nothing-to-set', 'verified', 'verified', 'promoted', 'already-current']);
    expect(h.jfrog.apiTokens(USER).length - minted).toBe(1);
    // a replay of an earlier step of a finished rotation changes nothing either
    expect((await step('createSecret', secretArn, token, env)).outcome).toEqual({ result: 'already-current' });
  });

  test('selfRotating mints with the current token and revokes with the newest', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed });
    await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const env = h.functionEnv();
    const tokens = [seed];
    for (let i = 0; i < 3; i++) {
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      tokens.push((await current(secretArn)).token);
    }
    expect(tokens.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([false, false, true, true]);
    const posts = h.jfrog.requests.filter((r) => r.method === 'POST').slice(-3);
    expect(posts.map((r) => r.auth)).toEqual(['bearer', 'bearer', 'bearer']);
  });

  test('usernamePassword mints with basic credentials', async () => {
    h.jfrog.addUser('root', { password: 'r00t-Passw0rd!', admin: true });
    const credentialsSecretArn = await h.plainSecret({ username: 'root', password: 'r00t-Passw0rd!' });
    const { secretArn, env } = await setup({ username: USER }, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    const before = h.jfrog.requests.length;
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    // basic credentials mint, nothing else: JFrog wants a token to look up, list and revoke
    const requests = h.jfrog.requests.slice(before);
    expect(requests.filter((r) => r.auth === 'basic').map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => [r.auth, r.status])).toEqual([['bearer', 200]]);
  });

  test('audience, project key and a reference token field reach JFrog, and the reference token the secret', async () => {
    const { secretArn, env } = await setup({ username: USER }, { referenceTokenField: 'reference', audience: 'jfrt@* jfac@*', projectKey: 'ci' });
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    const value = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    const minted = h.jfrog.validToken(value.token)!;
    expect(minted).toMatchObject({ audience: 'jfrt@* jfac@*', projectKey: 'ci' });
    expect(value.reference).toMatch(/^cmVmd[A-Za-z0-9]{59}$/);
    expect(h.jfrog.validToken(value.reference)?.id).toBe(value.tokenId);
    // revoked with its token two generations later
    await rotate(secretArn, env);
    await rotate(secretArn, env);
    expect(h.jfrog.validToken(value.reference)).toBeUndefined();
  });

  test('an audience without JFrog Access (jfrt@* alone): Access refuses the new token at testSecret, which says to add jfac@*; nothing is promoted or left alive', async () => {
    const { secretArn, env } = await setup({ username: USER }, { audience: 'jfrt@*' });
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const result = await rotate(secretArn, env);
    expect(result.failed?.step).toBe('testSecret');
    expect(result.failed?.error?.message).toMatch(/^JFrog rejects the pending token of \S+ \(version \S+\): its audience 'jfrt@\*' leaves out JFrog Access, which checks it: add jfac@\* to audience\. AWSCURRENT is unchanged/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn))).toEqual([]);
  });

  test('a JFrog that gives no reference token (before 7.38.10): the mint is taken back and the message names the version', async () => {
    h.jfrog.version = '7.37.0';
    try {
      const { secretArn, env } = await setup({ username: USER }, { referenceTokenField: 'reference' });
      // taken back on JFrog's own answer, without a look-up first: a look-up that failed would leave it alive
      h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens/', status: 500 });
      const result = await rotate(secretArn, env);
      expect(result.failed?.step).toBe('createSecret');
      expect(result.failed?.error?.message).toMatch(/without the reference token .* needs Artifactory 7\.38\.10\+\); the token was revoked/);
      const minted = h.jfrog.apiTokens(USER).filter((t) => t.description?.includes(secretArn));
      expect(minted).toHaveLength(1);
      expect(minted[0].revoked).toBe(true);
    } finally {
      h.jfrog.version = '7.104.5';
    }
  });

  test('a JFrog that gives no reference token and then fails to revoke the mint: the message says it could not be revoked, the warning names the token and why', async () => {
    h.jfrog.version = '7.37.0';
    // Powertools writes warnings to stderr
    const printed: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown) => printed.push(String(chunk)) > 0) as typeof process.stderr.write);
    try {
      const { secretArn, env } = await setup({ username: USER }, { referenceTokenField: 'reference' });
      h.jfrog.inject({ method: 'DELETE', path: '/access/api/v1/tokens/', status: 500 });
      const create = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
      const [minted] = h.jfrog.apiTokens(USER).filter((t) => t.description?.includes(secretArn));
      expect(minted.revoked).toBe(false);
      expect(create.error?.message).toMatch(/needs Artifactory 7\.38\.10\+\); the token could not be revoked \(.*it stays valid until it expires\) and AWSCURRENT is unchanged/);
      expect(create.outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
      const warnings = printed.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).filter((line) => line.level === 'WARN');
      expect(warnings).toContainEqual(expect.objectContaining({ secretId: secretArn, step: 'createSecret', tokenId: minted.id, reason: 'no-reference-token' }));
      minted.revoked = true;
    } finally {
      stderr.mockRestore();
      h.jfrog.version = '7.104.5';
    }
  });

  describe('the function\'s IAM role exchanged for a token (awsIamRole)', () => {
    const ROLE = 'arn:aws:iam::123456789012:role/jfrog-rotation';
    /** what a JFrog admin does once: PUT /access/api/v1/aws/iam_role */
    async function mapRole(username: string): Promise<void> {
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request(`${h.jfrog.url}/access/api/v1/aws/iam_role`, {
          method: 'PUT', ca: h.jfrog.tls.ca, headers: { 'authorization': `Bearer ${adminToken}`, 'content-type': 'application/json' },
        }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end(JSON.stringify({ username, iam_role: ROLE }));
      });
      expect(status).toBe(200);
      clearCredentialCache();
    }
    beforeAll(async () => {
      // the test's AWS key (with its session token) stands for the function's role, mapped to an admin user
      h.jfrog.awsKeys.set('testing', { secretAccessKey: 'testing', roleArn: ROLE, sessionToken: 'testing-session' });
      h.jfrog.addUser('rotator', { admin: true });
      await mapRole('rotator');
    });

    test('a role mapped to a user who is not an admin (mappedUser) rotates that user\'s own token; another user\'s is refused naming the mapped user', async () => {
      await mapRole(USER);
      try {
        const { secretArn, env } = await setup({ username: USER }, { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined, scope: 'applied-permissions/user' });
        for (let i = 0; i < 3; i++) expect((await rotate(secretArn, env)).failed).toBeUndefined();
        expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn))).toHaveLength(2);
        // what synth refuses with mappedUser set (test/jfrog-token-rotation.test.ts), as JFrog refuses it
        h.jfrog.addUser('deployer');
        const other = await setup({ username: 'deployer' }, { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined, username: 'deployer', scope: 'applied-permissions/user' });
        const refused = await rotate(other.secretArn, other.env);
        expect(refused.failed?.error?.message).toMatch(/HTTP 403.*the token JFrog exchanged for the function's IAM role \(mapped to JFrog user 'ci-bot'\) may not mint this token: a non-admin may mint only for itself/);
      } finally {
        await mapRole('rotator');
      }
    });

    test('mints and revokes with the exchanged token; no credential secret, and the signature is checked', async () => {
      const { secretArn, env } = await setup({ username: USER }, { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined });
      const calls = h.jfrog.stsCalls.length;
      for (let i = 0; i < 3; i++) expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const exchanges = h.jfrog.requests.filter((r) => r.path.startsWith('/access/api/v1/aws/token'));
      expect(exchanges.length).toBeGreaterThan(0);
      expect(exchanges.every((r) => r.status === 200)).toBe(true);
      // the signature covers what JFrog's own rotator signs (botocore), all of it forwarded to STS
      expect(h.jfrog.stsCalls.slice(calls).map((c) => `${c.signedHeaders} ${c.error ?? 'ok'}`)).toEqual(
        Array(h.jfrog.stsCalls.length - calls).fill('host;x-amz-date;x-amz-security-token ok'));
      // the third rotation revoked the first token with the exchanged admin token
      expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn))).toHaveLength(2);
    });

    test('a role nobody mapped is refused with the call that maps it; a wrong signature is refused', async () => {
      h.jfrog.awsKeys.set('testing', { secretAccessKey: 'testing', roleArn: 'arn:aws:iam::123456789012:role/unmapped' });
      try {
        const { secretArn, env } = await setup({ username: USER }, { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined });
        const first = await rotate(secretArn, env);
        expect(first.failed?.error?.message).toMatch(/map the role to a JFrog user once: PUT \/access\/api\/v1\/aws\/iam_role/);
        h.jfrog.awsKeys.set('testing', { secretAccessKey: 'not-the-key', roleArn: ROLE, sessionToken: 'testing-session' });
        clearCredentialCache();
        // Secrets Manager retries the same rotation: the signature is named, not the mapping
        const forged = (await rotate(secretArn, env, first.token)).failed;
        expect(forged?.error?.message).toMatch(/HTTP 401.*SignatureDoesNotMatch.*STS did not accept the signed GetCallerIdentity request/);
        expect(forged?.error?.message).not.toMatch(/PUT \/access\/api\/v1\/aws\/iam_role/);
      } finally {
        h.jfrog.awsKeys.set('testing', { secretAccessKey: 'testing', roleArn: ROLE, sessionToken: 'testing-session' });
      }
    });
  });

  test('the admin credential rotated by the same protocol: rotations that mint with it keep working, and no admin token outlives two rotations', async () => {
    h.jfrog.addUser('admin', { admin: true });
    const adminSeed = h.jfrog.seedToken('admin', 'applied-permissions/admin');
    // the admin token's own secret, rotated by itself with the admin scope
    const adminSecret = await h.createSecret({ username: 'admin', token: adminSeed });
    await h.configure(adminSecret, { username: 'admin', scope: 'applied-permissions/admin', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    // a CI token minted with whatever AWSCURRENT of the admin secret holds
    const ciSecret = await h.createSecret({ username: USER });
    await h.configure(ciSecret, { username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn: adminSecret });
    const env = h.functionEnv();
    const admins: string[] = [adminSeed];
    for (let i = 0; i < 3; i++) {
      expect((await rotate(adminSecret, env)).failed).toBeUndefined();
      admins.push((await h.stage(adminSecret, 'AWSCURRENT')).value!.token);
      // a minting rotation right after, with the credential cached from before (within a minute) and read afresh
      expect((await rotate(ciSecret, env)).failed).toBeUndefined();
      clearCredentialCache();
      expect((await rotate(ciSecret, env)).failed).toBeUndefined();
    }
    // the seed and the first rotated admin token are revoked; the current and previous stay
    expect(admins.map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([false, false, true, true]);
  });

  test('an admin token in a named field, or as plain text', async () => {
    const field = await h.plainSecret({ jfrog_admin: adminToken });
    const a = await setup({ username: USER }, { credentialsSecretArn: field, credentialsField: 'jfrog_admin' });
    expect((await rotate(a.secretArn, a.env)).failed).toBeUndefined();
    const plain = await h.plainSecret(adminToken);
    const b = await setup({ username: USER }, { credentialsSecretArn: plain });
    expect((await rotate(b.secretArn, b.env)).failed).toBeUndefined();
  });
});

describe('revocation', () => {
  test('the token the secret started with revokes itself two generations later, not before', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await setup({ username: USER, token: seed });
    await rotate(secretArn, env);
    expect(h.jfrog.validToken(seed)).toBeDefined();
    const second = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, second, env);
    const finish = await step('finishSecret', secretArn, second, env);
    expect(finish.outcome).toMatchObject({ result: 'promoted', startingTokenRevocation: 'revoked' });
    expect(h.jfrog.validToken(seed)).toBeUndefined();
  });

  test('the function stopped between promotion and revocation: the retried finishSecret revokes the starting token then, and a replay later changes nothing', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await setup({ username: USER, token: seed });
    await rotate(secretArn, env);
    const first = await current(secretArn);
    // a replay of the first rotation's finishSecret: the seed is AWSPREVIOUS now, and stays valid
    expect((await step('finishSecret', secretArn, (await h.stage(secretArn, 'AWSCURRENT')).versionId!, env)).outcome).toMatchObject({ result: 'already-current' });
    expect(h.jfrog.validToken(seed)).toBeDefined();
    const second = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, second, env);
    // what finishSecret did before it stopped: the promotion, nothing after it
    const previousCurrent = (await h.stage(secretArn, 'AWSCURRENT')).versionId!;
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT', MoveToVersionId: second, RemoveFromVersionId: previousCurrent }));
    expect(h.jfrog.validToken(seed)).toBeDefined();
    const retry = await step('finishSecret', secretArn, second, env);
    expect(retry.outcome).toMatchObject({ result: 'already-current', startingTokenRevocation: 'revoked' });
    expect(h.jfrog.validToken(seed)).toBeUndefined();
    expect(h.jfrog.validToken(first.token)).toBeDefined();
    // a later replay: the seed no longer answers, nothing is counted as failed
    const replay = await step('finishSecret', secretArn, second, env);
    expect(replay.outcome).toMatchObject({ result: 'already-current', startingTokenRevocation: 'not-accepted' });
    expect(replay.outcome.revocation).not.toBe('failed');
    // once AWSPREVIOUS is a token the rotation minted, a replay reads no older version at all
    const third = (await rotate(secretArn, env)).token;
    const reads = h.jfrog.requests.length;
    expect((await step('finishSecret', secretArn, third, env)).outcome.startingTokenRevocation).toBeUndefined();
    expect(h.jfrog.requests.slice(reads).filter((r) => r.path === '/access/api/v1/tokens/me' && r.method === 'DELETE')).toEqual([]);
  });

  test('a starting token written twice (AWSPREVIOUS and AWSCURRENT hold it) is not revoked while it is still AWSPREVIOUS', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await setup({ username: USER, token: seed });
    // the same value written again: AWSPREVIOUS and AWSCURRENT both hold the seed
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ username: USER, token: seed }) }));
    const token = await h.startRotation(secretArn);
    for (const name of STEPS) expect((await step(name, secretArn, token, env)).ok).toBe(true);
    // the seed is now AWSPREVIOUS: it must still work
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token).toBe(seed);
    expect(h.jfrog.validToken(seed)).toBeDefined();
    await rotate(secretArn, env);
  });

  test('a starting value that JFrog does not accept is left alone', async () => {
    const { secretArn, env } = await setup({ username: USER, token: 'AKCp-an-old-api-key-value' });
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    expect((await step('finishSecret', secretArn, token, env)).outcome).toMatchObject({ result: 'promoted', startingTokenRevocation: 'not-accepted' });
  });

  test('JFrog before 7.53.1 cannot revoke the starting token: counted as a failed revocation', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await setup({ username: USER, token: seed });
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    h.jfrog.inject({ method: 'DELETE', path: '/access/api/v1/tokens/me', status: 204 });
    const finish = await step('finishSecret', secretArn, token, env);
    expect(finish.outcome).toMatchObject({ result: 'promoted', startingTokenRevocation: 'unconfirmed', revocation: 'failed', revocationFailures: 1 });
    h.jfrog.tokens.get(h.jfrog.validToken(seed)!.id)!.revoked = true;
  });

  describe('a JFrog before 7.53.1 (no /access/api/v1/tokens/me)', () => {
    afterEach(() => { h.jfrog.version = '7.104.5'; });

    test('verifies the pending token by its own id and rotates; the starting token is reported, not lost', async () => {
      h.jfrog.version = '7.46.0';
      const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
      const { secretArn, env } = await setup({ username: USER, token: seed });
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const second = await rotate(secretArn, env);
      expect(second.failed).toBeUndefined();
      const promoted = (await h.stage(secretArn, 'AWSCURRENT')).value!;
      expect(h.jfrog.validToken(promoted.token)?.id).toBe(promoted.tokenId);
      // the token read its own entry by id, with itself as the credential
      expect(h.jfrog.requests.filter((r) => r.method === 'GET' && r.path === `/access/api/v1/tokens/${promoted.tokenId}`).map((r) => [r.auth, r.status]))
        .toContainEqual(['bearer', 200]);
      h.jfrog.tokens.get(h.jfrog.validToken(seed)!.id)!.revoked = true;
    });

    test('before 7.50.3 (no force_revocable) a token under 6 hours cannot be revoked: the rotation goes on, the failure is counted', async () => {
      h.jfrog.version = '7.46.0';
      const { secretArn, env } = await setup({ username: USER }, { lifetimeSeconds: 5 * 3600 });
      const first = (await rotate(secretArn, env), (await h.stage(secretArn, 'AWSCURRENT')).value!);
      await rotate(secretArn, env);
      const token = await h.startRotation(secretArn);
      for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
      const finish = await step('finishSecret', secretArn, token, env);
      expect(finish.outcome).toMatchObject({ result: 'promoted', revocation: 'failed', revocationFailures: 1 });
      expect(h.jfrog.validToken(first.token)).toBeDefined();
      // what the README says to do: revoke it by hand
      h.jfrog.tokens.get(first.tokenId)!.revoked = true;
    });

    test('a pending token it rejects is not promoted (the fallback does not pass everything)', async () => {
      h.jfrog.version = '7.46.0';
      const { secretArn, env } = await setup();
      const token = await h.startRotation(secretArn);
      await step('createSecret', secretArn, token, env);
      const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
      h.jfrog.tokens.get(pending.tokenId)!.revoked = true;
      const test = await step('testSecret', secretArn, token, env);
      expect(test.ok).toBe(false);
      expect(test.error?.message).toMatch(/JFrog rejects the pending token/);
      expect((await h.stage(secretArn, 'AWSCURRENT')).value!.tokenId).toBeUndefined();
    });
  });

  test('a cancelled rotation\'s token is revoked by the next finished rotation', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const cancelled = await h.startRotation(secretArn);
    await step('createSecret', secretArn, cancelled, env);
    const orphan = (await h.stage(secretArn, 'AWSPENDING')).value!.token;
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: cancelled }));
    const next = await rotate(secretArn, env);
    expect(next.failed).toBeUndefined();
    expect(h.jfrog.validToken(orphan)).toBeUndefined();
  });

  test('the sweep never touches another user\'s token or another secret\'s, even with a matching-looking description', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const client = new JfrogClient(new URL(h.jfrog.url), { remainingMs: () => 60_000, agent: new https.Agent({ ca: h.jfrog.tls.ca }) });
    const admin = { kind: 'bearer' as const, token: adminToken, source: 'test' };
    h.jfrog.addUser('victim');
    const victims = [
      await client.createToken(admin, { username: 'victim', scope: 'applied-permissions/user', expiresInSeconds: 30 * DAY, description: `cdk-jfrog-token-rotation: ${secretArn} version x` }),
      await client.createToken(admin, { username: USER, scope: 'applied-permissions/user', expiresInSeconds: 30 * DAY, description: `cdk-jfrog-token-rotation: ${secretArn}-XyZ123 version x` }),
    ];
    await rotate(secretArn, env);
    await rotate(secretArn, env);
    expect(victims.map((v) => h.jfrog.validToken(v.accessToken) !== undefined)).toEqual([true, true]);
    for (const v of victims) h.jfrog.tokens.get(v.tokenId)!.revoked = true;
  });

  test('a failed list leaves the promotion in place and counts the failure', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens', exactPath: true, status: 403, times: 3 });
    const finish = await step('finishSecret', secretArn, token, env);
    expect(finish.ok).toBe(true);
    expect(finish.outcome).toMatchObject({ result: 'promoted', revocation: 'failed', revocationFailures: 1 });
    h.jfrog.clearFaults();
    // a retry of the finished step sweeps again
    expect((await step('finishSecret', secretArn, token, env)).outcome).toMatchObject({ result: 'already-current', revocation: 'revoked' });
  });

  test('a mint that could not be stored is revoked on JFrog\'s own answer, without a look-up that could fail and keep it alive', async () => {
    const { secretArn, env } = await setup();
    const token = await h.startRotation(secretArn);
    h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens/', times: 100, status: 503, body: 'unavailable' });
    const failed = await step('createSecret', secretArn, token, env, { putFails: true });
    expect(failed.error?.message).toMatch(/the new token was revoked, AWSCURRENT is unchanged/);
    expect(h.jfrog.tokens.get(failed.outcome.revokedTokenId!)?.revoked).toBe(true);
    h.jfrog.clearFaults();
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });

  test('a mint whose answer was lost is found by its description and revoked', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const minted = h.jfrog.apiTokens(USER).length;
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', loseAnswer: 502 });
    const token = await h.startRotation(secretArn);
    const create = await step('createSecret', secretArn, token, env);
    expect(create.ok).toBe(false);
    expect(create.outcome).toMatchObject({ lostMintsRevoked: 1, revocation: 'revoked' });
    expect(h.jfrog.apiTokens(USER).slice(minted).map((t) => t.revoked)).toEqual([true]);
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });
});

describe('refreshable tokens: rotated with their refresh token, which is sent once', () => {
  const refreshes = () => h.jfrog.requests.filter((r) => r.grantType === 'refresh_token');
  const mints = () => h.jfrog.requests.filter((r) => r.grantType === 'client_credentials');
  afterEach(() => {
    h.jfrog.revokeOnRefresh = true;
    h.jfrog.refreshDescription = 'asked';
    h.jfrog.allowRefreshable = true;
    h.jfrog.version = '7.104.5';
    jest.restoreAllMocks();
  });

  async function selfRotatingRefreshable() {
    const seed = h.jfrog.seedRefreshableToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed.accessToken, refreshToken: seed.refreshToken });
    await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING', refreshable: true });
    return { secretArn, env: h.functionEnv(), seed };
  }

  test.each([true, false])('selfRotating: each rotation refreshes (no mint), stores the new refresh token, and the old one is spent (JFrog revokes the refreshed token: %s)', async (revokeOnRefresh) => {
    h.jfrog.revokeOnRefresh = revokeOnRefresh;
    const { secretArn, env, seed } = await selfRotatingRefreshable();
    const warn = jest.spyOn(logger, 'warn');
    const [refreshed, minted] = [refreshes().length, mints().length];
    const values: Array<Record<string, any>> = [{ token: seed.accessToken, refreshToken: seed.refreshToken }];
    for (let i = 0; i < 3; i++) {
      const token = await h.startRotation(secretArn);
      expect((await step('createSecret', secretArn, token, env)).outcome).toMatchObject({ result: 'minted', refreshed: true });
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
      values.push(await current(secretArn));
    }
    expect(refreshes().length - refreshed).toBe(3);
    expect(mints().length - minted).toBe(0);
    // each value holds its own token's refresh token; every one but the newest is spent
    const refreshTokens = values.map((v) => v.refreshToken);
    expect(new Set(refreshTokens).size).toBe(4);
    const emulated = (v: Record<string, any>) => [...h.jfrog.tokens.values()].find((t) => t.accessToken === v.token)!;
    expect(values.map((v) => emulated(v).refreshToken)).toEqual([undefined, undefined, undefined, refreshTokens[3]]);
    // the current and the previous token work; the two before them are revoked. A JFrog that
    // revokes the token it refreshes leaves the current alone (the README says so to readers)
    expect(values.map((v) => h.jfrog.validToken(v.token) !== undefined)).toEqual([false, false, !revokeOnRefresh, true]);
    expect(h.jfrog.validToken(values[3].token)).toMatchObject({ username: USER, scope: 'applied-permissions/user' });
    expect(warn).not.toHaveBeenCalled();
  });

  test('an admin credential: the first rotation mints a refreshable token, the next ones refresh it as its own user', async () => {
    const { secretArn, env } = await setup({ username: USER }, { refreshable: true });
    const [refreshed, minted] = [refreshes().length, mints().length];
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    const first = await current(secretArn);
    expect(typeof first.refreshToken).toBe('string');
    expect(h.jfrog.validToken(first.token)!.refreshToken).toBe(first.refreshToken);
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    const second = await current(secretArn);
    // JFrog refreshes only for the refresh token's own user (403 for the admin): it succeeded
    expect(h.jfrog.validToken(second.token)).toMatchObject({ username: USER, scope: 'applied-permissions/groups:readers' });
    expect([refreshes().length - refreshed, mints().length - minted]).toEqual([1, 1]);
    expect(second.refreshToken).not.toBe(first.refreshToken);
  });

  test('a retried createSecret finds its token and sends the refresh token no second time', async () => {
    const { secretArn, env } = await selfRotatingRefreshable();
    const token = await h.startRotation(secretArn);
    const refreshed = refreshes().length;
    expect((await step('createSecret', secretArn, token, env)).outcome).toMatchObject({ result: 'minted', refreshed: true });
    expect((await step('createSecret', secretArn, token, env)).outcome).toMatchObject({ result: 'already-created' });
    expect(refreshes().length - refreshed).toBe(1);
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });

  test('a refreshed token that could not be stored is revoked; the retry, whose refresh token is spent, mints a new refreshable one (a JFrog that keeps the refreshed token)', async () => {
    h.jfrog.revokeOnRefresh = false;
    const { secretArn, env } = await selfRotatingRefreshable();
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = await h.startRotation(secretArn);
    const failed = await step('createSecret', secretArn, token, env, { putFails: true });
    expect(failed.ok).toBe(false);
    expect(failed.error?.message).toMatch(/storing the new token as AWSPENDING .* failed \(InternalServiceError.*the new token was revoked \(the refresh token it was made with is spent: the retry mints a new refreshable token with the configured credential; if JFrog revoked the token in AWSCURRENT at the refresh, readers hold a dead token until then, and with selfRotating\(\) nothing can mint: put a new token of ci-bot into the secret\), AWSCURRENT is unchanged/);
    expect(h.jfrog.tokens.get(failed.outcome.tokenId ?? failed.outcome.revokedTokenId!)?.revoked).toBe(true);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);

    const warn = jest.spyOn(logger, 'warn');
    const [refreshed, minted] = [refreshes().length, mints().length];
    const retry = await step('createSecret', secretArn, token, env);
    expect(retry.outcome).toMatchObject({ result: 'minted' });
    expect(retry.outcome.refreshed).toBeUndefined();
    // one refresh answered 404 (spent), then one mint with the current token
    expect([refreshes().length - refreshed, mints().length - minted]).toEqual([1, 1]);
    expect(refreshes().at(-1)?.status).toBe(404);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/the refresh token in AWSCURRENT cannot be used; minting a new refreshable token/),
      expect.objectContaining({ error: expect.stringMatching(/HTTP 404.*used already/) }));
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
    const now = await current(secretArn);
    expect(h.jfrog.validToken(now.token)!.refreshToken).toBe(now.refreshToken);
  });

  test('a refresh JFrog refuses (403: the refresh token is another user\'s): nothing is looked for, and a token is minted instead, as for 400/401/404', async () => {
    const { secretArn, env } = await selfRotatingRefreshable();
    const token = await h.startRotation(secretArn);
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', status: 403, body: JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'Forbidden' }] }) });
    const before = h.jfrog.requests.length;
    const created = await step('createSecret', secretArn, token, env);
    expect(created.ok).toBe(true);
    expect(created.outcome.refreshed).toBeUndefined();
    expect(h.jfrog.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.grantType ?? ''}`.trim()))
      // the refresh (refused before the emulator read its grant type), then the mint
      .toEqual(['POST /access/api/v1/tokens', 'POST /access/api/v1/tokens client_credentials']);
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });

  test('a spent refresh token and a mint JFrog refuses for another cause (403, token.max-expiry): the mint\'s own message, not a call for a new seed', async () => {
    // the current token still works (a JFrog that keeps the refreshed token): only the mint's cause is left
    h.jfrog.revokeOnRefresh = false;
    const { secretArn, env } = await selfRotatingRefreshable();
    const token = await h.startRotation(secretArn);
    expect((await step('createSecret', secretArn, token, env, { putFails: true })).ok).toBe(false);
    h.jfrog.maxExpirySeconds = 86400;
    try {
      const retry = await step('createSecret', secretArn, token, env);
      expect(retry.error?.message).toMatch(/JFrog refused to create a token \(HTTP 403.*token\.max-expiry/);
      expect(retry.error?.message).not.toMatch(/no new token could be made/);
    } finally {
      h.jfrog.maxExpirySeconds = 0;
    }
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });

  test('a refresh whose answer was lost: the token is found by its description and revoked, and the retry mints (a JFrog that keeps the refreshed token)', async () => {
    h.jfrog.revokeOnRefresh = false;
    const { secretArn, env } = await selfRotatingRefreshable();
    const token = await h.startRotation(secretArn);
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', loseAnswer: 502 });
    const lost = await step('createSecret', secretArn, token, env);
    expect(lost.ok).toBe(false);
    expect(lost.outcome).toMatchObject({ lostMintsRevoked: 1 });
    expect(refreshes().at(-1)?.status).toBe(502);
    expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
  });

  describe('a JFrog that revokes the refreshed token (its docs do not say whether it does)', () => {
    test('rotations work; a lost refresh leaves a selfRotating secret needing a new token, and the message says so', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await selfRotatingRefreshable();
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const before = await h.stage(secretArn, 'AWSCURRENT');
      const token = await h.startRotation(secretArn);
      const unstored = await step('createSecret', secretArn, token, env, { putFails: true });
      expect(unstored.ok).toBe(false);
      // the refreshed token nobody holds is taken back with its own value (AWSCURRENT's is dead)
      expect(unstored.outcome).toMatchObject({ refreshed: true, revocation: 'revoked' });
      expect(h.jfrog.tokens.get(unstored.outcome.revokedTokenId!)?.revoked).toBe(true);
      expect(h.jfrog.validToken(before.value!.token)).toBeUndefined();
      const retry = await step('createSecret', secretArn, token, env);
      expect(retry.ok).toBe(false);
      expect(retry.error?.message).toMatch(/no new token could be made: the refresh was refused \(JFrog refused to refresh a token \(HTTP 401.*\)\. JFrog did not accept the token in AWSCURRENT of arn:aws:secretsmanager:\S+: it is expired, revoked or wrong.*\) and so was a mint with the token in AWSCURRENT .*\(JFrog refused to create a token \(HTTP 401.* AWSCURRENT is unchanged\. Put a valid token of ci-bot into the secret, then rotate$/);
      expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
      // what the message asks for: a new token in the secret; the rotation goes on from it
      const seed = h.jfrog.seedRefreshableToken(USER, 'applied-permissions/user');
      const value = { username: USER, token: seed.accessToken, refreshToken: seed.refreshToken };
      await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }));
      // Secrets Manager retries the unfinished rotation: it refreshes the new token
      const retried = await step('createSecret', secretArn, token, env);
      expect(retried.outcome).toMatchObject({ result: 'minted', refreshed: true });
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
    });

    test('with an admin credential, a lost refresh is repaired by a mint', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await setup({ username: USER }, { refreshable: true });
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const token = await h.startRotation(secretArn);
      expect((await step('createSecret', secretArn, token, env, { putFails: true })).ok).toBe(false);
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
    });

    test('with an admin credential, a refresh whose answer was lost: the admin credential finds the token (AWSCURRENT\'s is dead) and revokes it; the retry mints', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await setup({ username: USER }, { refreshable: true });
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const token = await h.startRotation(secretArn);
      h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', loseAnswer: 502 });
      const lost = await step('createSecret', secretArn, token, env);
      expect(lost.ok).toBe(false);
      expect(refreshes().at(-1)?.status).toBe(502);
      expect(lost.outcome).toMatchObject({ lostMintsRevoked: 1 });
      expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description === `cdk-jfrog-token-rotation: ${secretArn} version ${token}`)).toEqual([]);
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
    });

    test('a rotation that has refreshed finishes forward: AWSCURRENT\'s token is dead from createSecret on, and the retry of the stopped rotation promotes the refreshed token without a new refresh or mint', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await selfRotatingRefreshable();
      const before = await h.stage(secretArn, 'AWSCURRENT');
      const token = await h.startRotation(secretArn);
      expect((await step('createSecret', secretArn, token, env)).outcome).toMatchObject({ refreshed: true });
      // readers of AWSCURRENT hold a dead token from here until finishSecret
      expect(h.jfrog.validToken(before.value!.token)).toBeUndefined();
      // testSecret fails for a cause other than the token itself
      h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens/me', status: 403 });
      expect((await step('testSecret', secretArn, token, env)).ok).toBe(false);
      h.jfrog.clearFaults();
      // the pending version keeps AWSPENDING and its token: Secrets Manager's retry (same version) goes on
      const pending = await h.stage(secretArn, 'AWSPENDING');
      expect(pending.versionId).toBe(token);
      expect(h.jfrog.validToken(pending.value!.token)).toBeDefined();
      const [refreshed, minted] = [refreshes().length, mints().length];
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
      expect([refreshes().length - refreshed, mints().length - minted]).toEqual([0, 0]);
      expect((await current(secretArn)).token).toBe(pending.value!.token);
      expect(h.jfrog.validToken((await current(secretArn)).token)).toBeDefined();
    });

    test('testSecret answered 401 once after a refresh that killed AWSCURRENT\'s token: the pending token is kept (not revoked, still AWSPENDING) and the retry promotes it', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await selfRotatingRefreshable();
      const token = await h.startRotation(secretArn);
      expect((await step('createSecret', secretArn, token, env)).outcome).toMatchObject({ refreshed: true });
      h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens/me', status: 401 });
      const test401 = await step('testSecret', secretArn, token, env);
      expect(test401.error?.message).toMatch(/^JFrog rejects the pending token of \S+ \(version \S+\), and the token in AWSCURRENT too \(a refresh may have revoked it\): the pending version keeps AWSPENDING and its token, so a retry of this rotation promotes it if JFrog accepts it again\. If JFrog keeps rejecting it, put a valid token of ci-bot into the secret\./);
      expect(test401.outcome.revocation).toBeUndefined();
      const pending = await h.stage(secretArn, 'AWSPENDING');
      expect(pending.versionId).toBe(token);
      expect(h.jfrog.validToken(pending.value!.token)).toBeDefined();
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
      expect((await current(secretArn)).token).toBe(pending.value!.token);
    });

    test('a planted refresh token of a wider token is revoked with the refreshed token\'s own value (the refresh killed AWSCURRENT\'s token)', async () => {
      h.jfrog.revokeOnRefresh = true;
      const { secretArn, env } = await setup({ username: USER }, { refreshable: true, scope: 'applied-permissions/groups:readers' });
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      const others = new Set(h.jfrog.tokens.keys());
      const wider = h.jfrog.seedRefreshableToken(USER, 'applied-permissions/user');
      const value = { ...(await current(secretArn)), token: wider.accessToken, refreshToken: wider.refreshToken };
      await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }));
      const token = await h.startRotation(secretArn);
      const created = await step('createSecret', secretArn, token, env);
      expect(created.ok).toBe(true);
      expect(created.outcome.refreshed).toBeUndefined();
      // the refreshed wider token is dead, and so is the planted one (revoked by the refresh)
      expect(h.jfrog.liveApiTokens(USER).filter((t) => !others.has(t.id) && t.scope === 'applied-permissions/user')).toEqual([]);
      expect(h.jfrog.validToken(wider.accessToken)).toBeUndefined();
      expect((await rotate(secretArn, env, token)).failed).toBeUndefined();
    });
  });

  describe.each(['asked', 'kept', 'dropped'] as const)('a refreshed token\'s description %s by JFrog', (mode) => {
    test.each([true, false])('the sweep leaves the current and the previous token alone and revokes the rest (JFrog revokes the refreshed token: %s)', async (revokeOnRefresh) => {
      h.jfrog.refreshDescription = mode;
      h.jfrog.revokeOnRefresh = revokeOnRefresh;
      const { secretArn, env } = await setup({ username: USER }, { refreshable: true });
      // this test's tokens only (a dropped description names no secret)
      const others = new Set(h.jfrog.tokens.keys());
      const held: string[][] = [];
      for (let i = 0; i < 4; i++) {
        expect((await rotate(secretArn, env)).failed).toBeUndefined();
        const previous = (await h.stage(secretArn, 'AWSPREVIOUS')).value;
        held.push([(await current(secretArn)).tokenId, ...(previous?.tokenId && !revokeOnRefresh ? [previous.tokenId] : [])]);
        // what lives of this user's API tokens is what AWSCURRENT and AWSPREVIOUS hold
        expect(h.jfrog.liveApiTokens(USER).filter((t) => !others.has(t.id)).map((t) => t.id).sort()).toEqual([...held[i]].sort());
      }
      expect([refreshes().length > 0, mints().length > 0]).toEqual([true, true]);
    });
  });

  test('token.allow-refreshable off: the token comes back without a refresh token, the warning names the setting, and rotations mint', async () => {
    // turned off after the seed was made: its refresh works once, and gives no new refresh token
    const { secretArn, env } = await selfRotatingRefreshable();
    h.jfrog.allowRefreshable = false;
    const warn = jest.spyOn(logger, 'warn');
    const [refreshed, minted] = [refreshes().length, mints().length];
    for (let i = 0; i < 3; i++) {
      expect((await rotate(secretArn, env)).failed).toBeUndefined();
      // the spent refresh token is not carried over into the new value
      expect((await current(secretArn)).refreshToken).toBeUndefined();
    }
    expect([refreshes().length - refreshed, mints().length - minted]).toEqual([1, 2]);
    expect(refreshes().at(-1)?.status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no refresh token although refreshable is on: its token\.allow-refreshable setting is probably off/),
      { secretId: secretArn, step: 'createSecret', tokenId: (await current(secretArn)).tokenId });
  });

  test('JFrog before 7.37.9 cannot refresh (400): the rotation mints instead and says why', async () => {
    const { secretArn, env } = await selfRotatingRefreshable();
    h.jfrog.version = '7.35.2';
    const warn = jest.spyOn(logger, 'warn');
    const minted = mints().length;
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
    expect(mints().length - minted).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ error: expect.stringMatching(/HTTP 400.*older than Artifactory 7\.37\.9/) }));
  });
});

describe('what is refused, before anything is read, written or minted', () => {
  async function expectRefused(result: StepResult, message: RegExp, requestsBefore: number) {
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe('RefusedInvocationError');
    expect(result.error?.message).toMatch(message);
    expect(h.jfrog.requests.length).toBe(requestsBefore);
  }

  test('a step Secrets Manager does not send: the message names it and the four it does', async () => {
    const { secretArn, env } = await setup();
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('rotateSecret', secretArn, token, env),
      /^unknown rotation step 'rotateSecret'; Secrets Manager sends one of createSecret, setSecret, testSecret, finishSecret$/, requests);
    expect(await h.versions(secretArn)).toMatchObject({ [token]: ['AWSPENDING'] });
  });

  test.each(['SecretId', 'ClientRequestToken'] as const)('an event without %s (it did not come from Secrets Manager)', async (field) => {
    const { secretArn, env } = await setup();
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('createSecret', secretArn, token, env, { event: { [field]: undefined } }),
      /^the event lacks SecretId or ClientRequestToken; only Secrets Manager should invoke this function$/, requests);
  });

  test('a version Secrets Manager did not stage, at every step', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const requests = h.jfrog.requests.length;
    for (const name of STEPS) {
      await expectRefused(await step(name, secretArn, randomUUID(), env), /is not a staged version, not AWSPENDING/, requests);
    }
  });

  test('the AWSPREVIOUS version', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    await rotate(secretArn, env);
    const previous = (await h.stage(secretArn, 'AWSPREVIOUS')).versionId!;
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('finishSecret', secretArn, previous, env), /is AWSPREVIOUS, not AWSPENDING/, requests);
    // with a label of its own besides: the message names every label it has
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'release-41', MoveToVersionId: previous }));
    await expectRefused(await step('finishSecret', secretArn, previous, env), /is AWSPREVIOUS, release-41, not AWSPENDING/, requests);
  });

  test('a secret whose rotation names another function', async () => {
    const { secretArn, env } = await setup();
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('createSecret', secretArn, token, env, { functionArn: functionArnFor('another-function') }), /is done by .*jfrog-token-rotation-test, not by this function/, requests);
    // an invocation that does not say which function it is (no Lambda context) is refused too
    await expectRefused(await step('createSecret', secretArn, token, env, { functionArn: undefined }), /not by this function \(an invocation without a function ARN\)/, requests);
    // a version or alias qualifier on this function's ARN is the same function
    expect((await step('createSecret', secretArn, token, env, { functionArn: `${FUNCTION_ARN}:live` })).ok).toBe(true);
    await rotate(secretArn, env, token);
  });

  test('a secret with rotation off', async () => {
    const plain = await h.plainSecret({ username: USER });
    await h.configure(plain, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('createSecret', plain, randomUUID(), h.functionEnv()), /rotation is not enabled/, requests);
  });

  test('settings bound to another secret (a look-alike named "<name>-<suffix>")', async () => {
    const victim = await setup({ username: USER }, { keyedBy: 'generatedName' });
    const lookalike = await h.createSecret({ username: USER }, { name: victim.secretArn.split(':secret:')[1] });
    const token = await h.startRotation(lookalike);
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('createSecret', lookalike, token, victim.env), new RegExp(`belong to ${victim.secretArn}, not to ${lookalike}`), requests);
  });

  test.each<[string, (s: Record<string, any>) => Record<string, any>]>([
    ['scope', (s) => ({ ...s, scope: 'applied-permissions/admin' })],
    ['username', (s) => ({ ...s, username: 'root' })],
    ['lifetime', (s) => ({ ...s, lifetimeSeconds: s.lifetimeSeconds + 1 })],
    ['token field', (s) => ({ ...s, tokenField: 'other' })],
    ['revokePrevious', (s) => ({ ...s, revokePrevious: false })],
    ['credential kind', (s) => ({ ...s, credentialsKind: 'USERNAME_PASSWORD' })],
    ['credential field', (s) => ({ ...s, credentialsField: 'other' })],
    ['credential secret', (s) => ({ ...s, credentialsSecretArn: `${s.credentialsSecretArn}x` })],
  ])('settings edited since deployment: %s', async (_name, edit) => {
    const { secretArn, env } = await setup();
    const name = `/cdk-jfrog-token-rotation/test/${secretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
    const settings = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value!);
    await h.putSettings(name, JSON.stringify(edit(settings)));
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    await expectRefused(await step('createSecret', secretArn, token, env), /are not the ones deployed for this secret/, requests);
  });
});

describe('what stops a rotation without promoting', () => {
  test('a pending token JFrog rejects at finishSecret: not promoted, AWSPENDING removed, revoked', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    h.jfrog.tokens.get(pending.tokenId)!.revoked = true;
    const finish = await step('finishSecret', secretArn, token, env);
    expect(finish.error?.message).toMatch(/JFrog rejects the pending token/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    expect((await h.versions(secretArn))[token]).toBeUndefined();
  });

  test('JFrog failing at finishSecret (5xx) fails the step and keeps AWSPENDING for the retry', async () => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    h.jfrog.inject({ method: 'GET', path: '/access/api/v1/tokens/me', status: 500, times: 4 });
    const finish = await step('finishSecret', secretArn, token, env);
    expect(finish.error?.message).toMatch(/HTTP 500/);
    expect((await h.versions(secretArn))[token]).toEqual(['AWSPENDING']);
    h.jfrog.clearFaults();
    expect((await step('finishSecret', secretArn, token, env)).outcome.result).toBe('promoted');
  });

  test.each([['AWSPENDING left on the pending version', false], ['AWSPENDING removed', true]])('a value written by hand during the rotation (%s) is kept', async (_name, removeLabel) => {
    const { secretArn, env } = await setup();
    await rotate(secretArn, env);
    const token = await h.startRotation(secretArn);
    for (const name of STEPS.slice(0, 3)) await step(name, secretArn, token, env);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!.token;
    const handWritten = { username: USER, token: 'pasted-by-hand' };
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(handWritten) }));
    if (removeLabel) await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    const finish = await step('finishSecret', secretArn, token, env);
    expect(finish.ok).toBe(false);
    expect(finish.error?.name).toBe('RotationStateError');
    expect(await current(secretArn)).toEqual(handWritten);
    expect(h.jfrog.validToken(pending)).toBeUndefined();
  });

  test('a secret that names another JFrog: refused, without echoing user info or query', async () => {
    const { secretArn, env } = await setup({ username: USER, jfrogUrl: 'https://u:SECRET-4711@attacker.example.com/api?k=QUERY-4711' });
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    const create = await step('createSecret', secretArn, token, env);
    expect(create.error?.name).toBe('MalformedSecretError');
    expect(create.error?.message).toMatch(/names JFrog at 'https:\/\/attacker.example.com\/api' but this rotation is configured for/);
    expect(create.error?.message).not.toMatch(/SECRET-4711|QUERY-4711/);
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test('a secret that names the configured host under another path: refused (the path is part of where credentials go)', async () => {
    const { secretArn, env } = await setup({ username: USER, jfrogUrl: `${h.jfrog.url}/elsewhere` });
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    const create = await step('createSecret', secretArn, token, env);
    expect(create.error?.name).toBe('MalformedSecretError');
    expect(create.error?.message).toMatch(/names JFrog at '.*\/elsewhere' but this rotation is configured for/);
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test.each([
    ['another host under the configured path', 'https://attacker.example.com/', "'https://attacker.example.com/'"],
    ['a URL that cannot be parsed', 'artifactory at port 443', 'an unparsable URL'],
  ])('a secret that names %s: refused, the message names both URLs', async (_name, jfrogUrl, shown) => {
    const { secretArn, env } = await setup({ username: USER, jfrogUrl });
    const token = await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    const create = await step('createSecret', secretArn, token, env);
    expect(create.error?.name).toBe('MalformedSecretError');
    expect(create.error?.message).toContain(`names JFrog at ${shown} but this rotation is configured for '${h.jfrog.url}'; credentials only go to the configured URL`);
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test('a JFrog under a base path (https://host/base): a secret that names exactly it, with or without a trailing slash, rotates', async () => {
    h.jfrog.basePath = '/base';
    try {
      for (const named of [`${h.jfrog.url}/base`, `${h.jfrog.url}/base/`]) {
        const { secretArn } = await setup({ username: USER, jfrogUrl: named }, { jfrogUrl: `${h.jfrog.url}/base` });
        const env = h.functionEnv('test', { [ENV.allowedJfrogUrls]: `${h.jfrog.url}/base` });
        expect((await rotate(secretArn, env)).failed).toBeUndefined();
        expect(h.jfrog.requests.at(-1)?.path).toMatch(/^\/base\/access\/api\/v1\//);
      }
      // another path on the same host is refused, and the message shows the configured base path
      const { secretArn } = await setup({ username: USER, jfrogUrl: `${h.jfrog.url}/other` }, { jfrogUrl: `${h.jfrog.url}/base` });
      const env = h.functionEnv('test', { [ENV.allowedJfrogUrls]: `${h.jfrog.url}/base` });
      const refused = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
      expect(refused.error?.message).toContain(`names JFrog at '${h.jfrog.url}/other' but this rotation is configured for '${h.jfrog.url}/base'`);
    } finally {
      h.jfrog.basePath = '';
    }
  });

  test('a secret that names the configured JFrog (with a trailing slash) rotates', async () => {
    const { secretArn, env } = await setup({ username: USER, jfrogUrl: `${h.jfrog.url}/` });
    expect((await rotate(secretArn, env)).failed).toBeUndefined();
  });

  test.each([
    ['not JSON', 'plain-text', /is not JSON/],
    ['JSON but not an object', '["a"]', /is JSON but not an object/],
    ['a token field that is not a string', { username: USER, token: 42 }, /field "token" must be a string, got number/],
  ])('a current value that is %s fails createSecret with the cause', async (_name, value, message) => {
    const { secretArn, env } = await setup(value as any);
    const create = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
    expect(create.error?.name).toBe('MalformedSecretError');
    expect(create.error?.message).toMatch(message);
  });

  test.each([
    ['a missing credential secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf', /credential secret .*nope.* does not exist/],
    ['a credential without the field', { other: 'x' }, /has no "token" string/],
    ['an empty credential', ' ', /is empty; put the admin token into it/],
  ])('%s fails createSecret with what to put there', async (_name, credential, message) => {
    const credentialsSecretArn = typeof credential === 'string' && credential.startsWith('arn:') ? credential : await h.plainSecret(credential);
    const { secretArn, env } = await setup({ username: USER }, { credentialsSecretArn });
    const create = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
    expect(create.error?.name).toBe('CredentialError');
    expect(create.error?.message).toMatch(message);
  });

  test('usernamePassword without a password', async () => {
    const credentialsSecretArn = await h.plainSecret({ username: 'root' });
    const { secretArn, env } = await setup({ username: USER }, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    const create = await step('createSecret', secretArn, await h.startRotation(secretArn), env);
    expect(create.error?.message).toMatch(/must be a JSON object with "username" and "password" strings/);
  });

  test('selfRotating without a seed says how to seed it', async () => {
    const secretArn = await h.createSecret({ username: USER });
    await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const create = await step('createSecret', secretArn, await h.startRotation(secretArn), h.functionEnv());
    expect(create.error?.message).toMatch(/a self-rotating token needs a seed: put \{"token": "<a valid token of ci-bot>"\}/);
  });
});
