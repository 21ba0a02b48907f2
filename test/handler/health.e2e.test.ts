import { randomUUID } from 'crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { emfRecords, FUNCTION_NAME, Harness, logLines, RotationSettings } from '../support/harness';

// GIVEN both emulators and the bundled handler; WHEN the scheduled health check runs; THEN it
// checks each credential that mints once (however many rotations share it), counts each
// secret's live tokens with one list call, reports both as metrics the credential and
// excess-token alarms watch, and names the credential's secret, never its value (issue 19)

const USER = 'ci-bot';
const DAY = 86400;
let h: Harness;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser('root', { password: 'R00T-PASSWORD-0815', admin: true });
});
afterAll(async () => {
  h.assertNothingLeaked([{ user: 'root', password: 'R00T-PASSWORD-0815' }]);
  await h.stop();
});
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

const settings = (overrides: Partial<RotationSettings> = {}): RotationSettings => ({
  username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', ...overrides,
});

/** rotations of one function of their own (so a health check of all its rotations sees only these), rotated once */
async function rotations(count: number, credential: Partial<RotationSettings>) {
  const functionId = `health-${randomUUID().slice(0, 8)}`;
  const secretArns: string[] = [];
  for (let i = 0; i < count; i++) {
    const secretArn = await h.createSecret({ username: USER, ...(credential.credentialsKind === 'SELF_ROTATING' ? { token: h.jfrog.seedToken(USER, 'applied-permissions/user') } : {}) });
    const env = await h.configure(secretArn, settings({ ...credential, functionId }));
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    secretArns.push(secretArn);
  }
  return { secretArns, env: h.functionEnv(functionId) };
}

async function healthCheckOfAll(env: Record<string, string>) {
  const before = h.jfrog.requests.length;
  const result = await h.healthCheck(undefined, env);
  const requests = h.jfrog.requests.slice(before);
  const records = emfRecords(result.logs);
  return {
    result,
    requests,
    lines: logLines(result.logs),
    credential: records.filter((r) => r.Credential !== undefined),
    fn: records.find((r) => r.FunctionName === FUNCTION_NAME)!,
    secrets: records.filter((r) => r.SecretName !== undefined),
  };
}

test('three rotations that share an admin token: the token is checked once, each secret listed once', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin', 200 * DAY);
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const { env } = await rotations(3, { credentialsSecretArn });
  const { result, requests, credential, fn, secrets, lines } = await healthCheckOfAll(env);
  expect(result.ok).toBe(true);
  // one look at the admin token (GET /tokens/me), one list call per rotation, nothing else
  expect(requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`).sort()).toEqual([
    'GET /access/api/v1/tokens', 'GET /access/api/v1/tokens', 'GET /access/api/v1/tokens', 'GET /access/api/v1/tokens/me',
  ]);
  // one record for the credential, named by its secret's name
  expect(credential).toHaveLength(1);
  expect(credential[0].Credential).toBe(credentialsSecretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, ''));
  expect(credential[0].CredentialProblems).toBe(0);
  expect(Math.abs(credential[0].CredentialSecondsUntilExpiry - 200 * DAY)).toBeLessThan(120);
  expect(fn).toMatchObject({ CredentialProblems: 0, ExcessTokens: -1 });
  // each secret's one rotation left one live token
  expect(secrets.map((s) => s.LiveTokens)).toEqual([1, 1, 1]);
  expect(lines.find((l) => l.message === 'healthCheck finished')).toMatchObject({ checked: 3, credentials: 1, jfrogCalls: 4 });
});

test('an admin token that expires within credentialExpiryWarning: counted and logged with its secret, the check itself passes', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin', 10 * DAY);
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  // the default warning is 14 days; a rotation sharing the credential with a longer warning raises it for both
  const { env } = await rotations(1, { credentialsSecretArn });
  const { result, credential, fn, lines } = await healthCheckOfAll(env);
  expect(result.ok).toBe(true);
  expect(credential[0]).toMatchObject({ CredentialProblems: 1 });
  expect(fn).toMatchObject({ CredentialProblems: 1 });
  const warning = lines.find((l) => l.message === 'credential expires soon');
  expect(warning).toMatchObject({ level: 'WARN', kind: 'ADMIN_TOKEN', outcome: 'warning' });
  expect(warning!.warning).toContain(`the admin token in the credential secret ${credentialsSecretArn} expires at`);
  expect(warning!.warning).toMatch(/within its credentialExpiryWarning of 14\.0 days: put a new admin token into the secret/);
  expect(result.logs).not.toContain(adminToken);
});

test('credentialExpiryWarning shorter than the admin token\'s life: no problem', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin', 10 * DAY);
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const { env } = await rotations(1, { credentialsSecretArn, credentialExpiryWarningSeconds: 9 * DAY });
  const { result, credential } = await healthCheckOfAll(env);
  expect(result.ok).toBe(true);
  expect(credential[0]).toMatchObject({ CredentialProblems: 0 });
});

test('an admin token JFrog no longer accepts: the check fails naming the secret, the rotations are still reported', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const { env } = await rotations(2, { credentialsSecretArn });
  h.jfrog.validToken(adminToken)!.revoked = true;
  const { result, credential, fn, secrets, lines } = await healthCheckOfAll(env);
  expect(result.ok).toBe(false);
  expect(result.errorMessage).toMatch(new RegExp(`the health check failed for 1 of 1 credentials: .*JFrog does not accept the admin token in the credential secret ${credentialsSecretArn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: JFrog answered HTTP 401`));
  expect(credential[0]).toMatchObject({ CredentialProblems: 1 });
  expect(fn).toMatchObject({ CredentialProblems: 1 });
  // the tokens' own health is still reported; a credential that failed lists nothing
  expect(secrets).toHaveLength(2);
  for (const s of secrets) expect(s.SecondsUntilExpiry).toBeGreaterThan(60 * DAY);
  expect(secrets.every((s) => s.LiveTokens === undefined)).toBe(true);
  expect(lines.find((l) => l.message === 'credential check failed')).toMatchObject({ level: 'ERROR', kind: 'ADMIN_TOKEN' });
  expect(result.logs + result.errorMessage).not.toContain(adminToken);
});

test('basic credentials are proven by a 5-minute mint JFrog never stores; a changed password fails the check', async () => {
  const credentialsSecretArn = await h.plainSecret({ username: 'root', password: 'R00T-PASSWORD-0815' });
  const { env } = await rotations(2, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
  const ok = await healthCheckOfAll(env);
  expect(ok.result.ok).toBe(true);
  // one mint with the credential, then each secret listed with its own current token
  expect(ok.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')} ${r.auth}`).sort()).toEqual([
    'GET /access/api/v1/tokens bearer', 'GET /access/api/v1/tokens bearer', 'POST /access/api/v1/tokens basic',
  ]);
  expect(ok.credential[0]).toMatchObject({ CredentialProblems: 0 });
  expect(ok.secrets.map((s) => s.LiveTokens)).toEqual([1, 1]);
  // the check's token is not stored, so it piles up nowhere
  expect([...h.jfrog.tokens.values()].filter((t) => t.description?.includes('credential check') && t.persistent)).toEqual([]);

  h.jfrog.users.get('root')!.password = 'changed-by-someone';
  try {
    const bad = await healthCheckOfAll(env);
    expect(bad.result.ok).toBe(false);
    expect(bad.result.errorMessage).toContain(`the username and password in ${credentialsSecretArn} no longer mint a token: JFrog answered HTTP 401`);
    expect(bad.credential[0]).toMatchObject({ CredentialProblems: 1 });
    // the tokens the rotation made are still counted: they list themselves
    expect(bad.secrets.map((s) => s.LiveTokens)).toEqual([1, 1]);
  } finally {
    h.jfrog.users.get('root')!.password = 'R00T-PASSWORD-0815';
  }
});

test('the IAM role exchange is checked once for the JFrog it is made at; its token lists the secrets', async () => {
  const role = 'arn:aws:iam::123456789012:role/jfrog-rotation-health';
  h.jfrog.awsKeys.set('testing', { secretAccessKey: 'testing', roleArn: role, sessionToken: 'testing-session' });
  h.jfrog.iamRoleMappings.set(role, 'root');
  try {
    const { env } = await rotations(2, { credentialsKind: 'AWS_IAM_ROLE' });
    const ok = await healthCheckOfAll(env);
    expect(ok.result.ok).toBe(true);
    expect(ok.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`).sort()).toEqual([
      'GET /access/api/v1/tokens', 'GET /access/api/v1/tokens', 'POST /access/api/v1/aws/token',
    ]);
    expect(ok.credential).toEqual([expect.objectContaining({ Credential: `aws-iam-role@${new URL(h.jfrog.url).host}`, CredentialProblems: 0 })]);
    expect(ok.secrets.map((s) => s.LiveTokens)).toEqual([1, 1]);

    h.jfrog.iamRoleMappings.delete(role);
    const bad = await healthCheckOfAll(env);
    expect(bad.result.ok).toBe(false);
    expect(bad.result.errorMessage).toMatch(/failed for 1 of 1 credentials: aws-iam-role@.*JFrog refused to exchange the function's IAM role/);
    expect(bad.fn).toMatchObject({ CredentialProblems: 1 });
  } finally {
    h.jfrog.iamRoleMappings.set(role, 'root');
  }
});

test('a self-rotating token JFrog refuses is its rotation\'s credential problem', async () => {
  const { secretArns, env } = await rotations(1, { credentialsKind: 'SELF_ROTATING' });
  const ok = await healthCheckOfAll(env);
  expect(ok.result.ok).toBe(true);
  // no separate check: the listing with the current token is the proof
  expect(ok.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`)).toEqual(['GET /access/api/v1/tokens']);
  expect(ok.credential).toEqual([expect.objectContaining({ CredentialProblems: 0 })]);

  const current = (await h.stage(secretArns[0], 'AWSCURRENT')).value!.token as string;
  h.jfrog.validToken(current)!.revoked = true;
  const bad = await healthCheckOfAll(env);
  expect(bad.result.ok).toBe(false);
  expect(bad.result.errorMessage).toContain(`JFrog does not accept the token in AWSCURRENT of ${secretArns[0]} (HTTP 401)`);
  expect(bad.result.errorMessage).toMatch(/a self-rotating token cannot mint its successor: put a valid token of ci-bot into the secret/);
  expect(bad.credential).toEqual([expect.objectContaining({ CredentialProblems: 1 })]);
  expect(bad.fn).toMatchObject({ CredentialProblems: 1 });
  // a revoked token is a stray the invariants would flag: a fresh seed lets the next rotation clean up
  await h.sm.send(new PutSecretValueCommand({ SecretId: secretArns[0], SecretString: JSON.stringify({ username: USER, token: h.jfrog.seedToken(USER, 'applied-permissions/user') }) }));
  expect((await h.rotate(secretArns[0], env)).failed).toBeUndefined();
});

test('tokens that pile up (revocations failing) raise ExcessTokens, named in the log; the next rotation clears them', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const { secretArns, env } = await rotations(1, { credentialsSecretArn });
  await h.rotate(secretArns[0], env);
  // the third rotation cannot revoke the token two generations old
  h.jfrog.inject({ method: 'DELETE', status: 500, times: 4 });
  await h.rotate(secretArns[0], env);
  h.jfrog.clearFaults();
  const { result, fn, secrets, lines } = await healthCheckOfAll(env);
  expect(result.ok).toBe(true);
  expect(secrets[0].LiveTokens).toBe(3);
  expect(fn.ExcessTokens).toBe(1);
  const warning = lines.find((l) => l.message === 'more tokens of this secret are alive than the rotation keeps');
  expect(warning).toMatchObject({ level: 'WARN', secretId: secretArns[0], liveTokens: 3, allowedTokens: 2 });
  // the next finished rotation sweeps the extra one
  expect((await h.rotate(secretArns[0], env)).failed).toBeUndefined();
  const after = await healthCheckOfAll(env);
  expect(after.secrets[0].LiveTokens).toBe(2);
  expect(after.fn.ExcessTokens).toBe(0);
});

test('a pending rotation may hold a third token', async () => {
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const { secretArns, env } = await rotations(1, { credentialsSecretArn });
  await h.rotate(secretArns[0], env);
  const token = randomUUID();
  expect((await h.invoke('createSecret', secretArns[0], token, env)).ok).toBe(true);
  const { secrets, fn, lines } = await healthCheckOfAll(env);
  expect(secrets[0].LiveTokens).toBe(3);
  expect(fn.ExcessTokens).toBe(0);
  expect(lines.find((l) => l.message === 'healthCheck succeeded')).toMatchObject({ liveTokens: 3, allowedTokens: 3 });
  for (const step of ['setSecret', 'testSecret', 'finishSecret']) expect((await h.invoke(step, secretArns[0], token, env)).ok).toBe(true);
});

describe('a token JFrog gives less life than asked for', () => {
  async function setupShort() {
    const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, settings({ credentialsSecretArn, intervalSeconds: 30 * DAY, metricSecretName: 'ci/short' }));
    return { secretArn, env };
  }

  test('still longer than the interval: a warning, counted for the secret and the function', async () => {
    const { secretArn, env } = await setupShort();
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', setFields: { expires_in: 40 * DAY } });
    const token = randomUUID();
    const result = await h.invoke('createSecret', secretArn, token, env);
    expect(result.ok).toBe(true);
    const warning = logLines(result.logs).find((l) => l.level === 'WARN');
    expect(warning).toMatchObject({ askedSeconds: 61 * DAY, grantedSeconds: 40 * DAY, secretId: secretArn });
    expect(warning!.message).toMatch(/JFrog gave the new token less life than asked for: 960\.0 hours, not 1464\.0 hours/);
    const records = emfRecords(result.logs);
    expect(records).toEqual(expect.arrayContaining([
      expect.objectContaining({ SecretName: 'ci/short', ShortenedTokenLifetime: 1 }),
      expect.objectContaining({ FunctionName: FUNCTION_NAME, ShortenedTokenLifetime: 1 }),
    ]));
    for (const step of ['setSecret', 'testSecret', 'finishSecret']) expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
  });

  test('shorter than the interval: createSecret fails, the token is revoked, AWSCURRENT is unchanged', async () => {
    const { secretArn, env } = await setupShort();
    const before = await h.stage(secretArn, 'AWSCURRENT');
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', setFields: { expires_in: 7 * DAY } });
    const token = randomUUID();
    const result = await h.invoke('createSecret', secretArn, token, env);
    expect(result.ok).toBe(false);
    expect(result.errorMessage).toMatch(/168\.0 hours of life, not the 1464\.0 hours asked for \(tokenLifetime\), and less than the rotation interval \(720\.0 hours\).*The token was revoked and AWSCURRENT is unchanged/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
    expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(`${secretArn} version ${token}`))).toEqual([]);
    // a JFrog that grants the life asked for again: the retry rotates
    expect((await h.rotate(secretArn, env, token)).failed).toBeUndefined();
  });
});
