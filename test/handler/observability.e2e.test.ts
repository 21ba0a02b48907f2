import { randomUUID } from 'crypto';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { App, SecretValue, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../../src';
import { emfRecords, FUNCTION_NAME, Harness, logLines, RotationSettings } from '../support/harness';

// GIVEN both emulators and the bundled handler; WHEN it rotates, checks health, or fails;
// THEN its JSON logs and Embedded Metric Format records say what happened, and nothing secret

const USER = 'ci-bot';
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});
afterAll(async () => {
  // nothing secret in anything the function printed or returned, in any scenario of this file
  h.assertNothingLeaked([{ user: 'root', password: 'RECOGNIZABLE-PASSWORD-4711' }]);
  await h.stop();
});
// the invariants hold after every scenario, whatever it did: no stray live token, and a rotated
// AWSCURRENT that JFrog accepts
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

async function setup(overrides: Partial<RotationSettings> = {}) {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret({ username: USER });
  const env = await h.configure(secretArn, {
    username: USER,
    scope: 'applied-permissions/groups:readers',
    lifetimeSeconds: 61 * 86400,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsSecretArn,
    metricSecretName: 'ci/jfrog-token',
    ...overrides,
  });
  return { secretArn, env };
}

test('a successful rotation logs each step as JSON and emits RotationSucceeded and SecondsUntilExpiry', async () => {
  const { secretArn, env } = await setup();
  const token = randomUUID();
  const outputs: string[] = [];
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    const result = await h.invoke(step, secretArn, token, env);
    expect(result.ok).toBe(true);
    outputs.push(result.logs);
  }
  const lines = outputs.flatMap(logLines);
  expect(lines.map((l) => [l.level, l.message, l.step, l.outcome])).toEqual([
    ['INFO', 'createSecret succeeded', 'createSecret', 'success'],
    ['INFO', 'setSecret succeeded', 'setSecret', 'success'],
    ['INFO', 'testSecret succeeded', 'testSecret', 'success'],
    ['INFO', 'finishSecret succeeded', 'finishSecret', 'success'],
  ]);
  for (const line of lines) {
    expect(line).toMatchObject({ service: 'jfrog-token-rotation', secretId: secretArn, clientRequestToken: token });
    expect(typeof line.durationMs).toBe('number');
  }
  const minted = lines[0];
  const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
  expect(minted).toMatchObject({ result: 'minted', tokenId: current.tokenId, expiresAt: current.expiresAt });

  const finish = emfRecords(outputs[3]);
  // one record for the secret, one for the function (what the alarms watch)
  expect(finish).toHaveLength(2);
  expect(finish[1]._aws.CloudWatchMetrics[0]).toMatchObject({ Dimensions: [['service', 'FunctionName']] });
  expect(finish[1]).toMatchObject({ FunctionName: FUNCTION_NAME });
  // expiry headroom: the token's remaining life minus its expiryWarning (15 days in setup())
  expect(Math.abs(finish[1].ExpiryHeadroomSeconds - (finish[0].SecondsUntilExpiry - 15 * 86400))).toBeLessThanOrEqual(1);
  expect(finish[0]._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'CdkJfrogTokenRotation',
    Dimensions: [['service', 'SecretName']],
  });
  expect(finish[0]).toMatchObject({ service: 'jfrog-token-rotation', SecretName: 'ci/jfrog-token', RotationSucceeded: 1 });
  expect(finish[0].SecondsUntilExpiry).toBeGreaterThan(61 * 86400 - 120);
  // the steps before finishSecret count nothing
  expect(outputs.slice(0, 3).flatMap(emfRecords)).toEqual([]);
});

test('a failed step logs the error at ERROR and emits RotationFailed', async () => {
  const { secretArn, env } = await setup();
  h.jfrog.inject({ method: 'POST', status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'Bad credentials' }] }) });
  const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
  expect(result.ok).toBe(false);
  const [line] = logLines(result.logs).filter((l) => l.level === 'ERROR');
  expect(line).toMatchObject({ message: 'createSecret failed', outcome: 'failure', errorType: 'JfrogError', step: 'createSecret' });
  expect(line.error).toMatch(/HTTP 401/);
  expect(emfRecords(result.logs)).toEqual([expect.objectContaining({ SecretName: 'ci/jfrog-token', RotationFailed: 1 })]);
});

test('an AWS error keeps its name in the log and in the error Lambda reports', async () => {
  const { secretArn, env } = await setup();
  const token = await h.startRotation(secretArn);
  await h.sm.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  const result = await h.invokeEvent({ Step: 'createSecret', SecretId: secretArn, ClientRequestToken: token }, env, {});
  expect(result).toMatchObject({ ok: false, errorType: 'ResourceNotFoundException' });
  const [line] = logLines(result.logs).filter((l) => l.level === 'ERROR');
  expect(line).toMatchObject({ message: 'createSecret failed', errorType: 'ResourceNotFoundException' });
  expect(line.error).toMatch(/^ResourceNotFoundException: /);
});

test('a failed revocation is counted as RevocationFailed', async () => {
  const { secretArn, env } = await setup();
  await h.rotate(secretArn, env);
  await h.rotate(secretArn, env);
  h.jfrog.inject({ method: 'DELETE', status: 500, times: 4 });
  const token = randomUUID();
  for (const step of ['createSecret', 'setSecret', 'testSecret']) await h.invoke(step, secretArn, token, env);
  const finish = await h.invoke('finishSecret', secretArn, token, env);
  expect(finish.ok).toBe(true);
  const [secret, fn] = emfRecords(finish.logs);
  expect(secret).toMatchObject({ SecretName: 'ci/jfrog-token', RotationSucceeded: 1, RevocationFailed: 1 });
  // and for the function, what revocationFailedAlarm watches
  expect(fn).toMatchObject({ FunctionName: FUNCTION_NAME, RevocationFailed: 1 });
  expect(fn._aws.CloudWatchMetrics[0]).toMatchObject({ Dimensions: [['service', 'FunctionName']] });
  // the next rotation's sweep takes back the token this one could not
  h.jfrog.clearFaults();
  expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
});

test('a step that fails after taking back a token it could not revoke counts RevocationFailed as well as RotationFailed', async () => {
  // GIVEN a rotation that keeps the reference token, and a JFrog that mints without one and then
  // fails to revoke what it minted
  const { secretArn, env } = await setup({ referenceTokenField: 'referenceToken' });
  h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', dropField: 'reference_token' });
  h.jfrog.inject({ method: 'DELETE', status: 500, times: 4 });
  // WHEN createSecret runs
  const token = randomUUID();
  const result = await h.invoke('createSecret', secretArn, token, env);
  // THEN it fails, saying the token could not be revoked, and both counts reach the metrics
  expect(result.errorMessage).toMatch(/without the reference token .* could not be revoked/);
  const [secret, fn] = emfRecords(result.logs);
  expect(secret).toMatchObject({ SecretName: 'ci/jfrog-token', RotationFailed: 1, RevocationFailed: 1 });
  expect(fn).toMatchObject({ FunctionName: FUNCTION_NAME, RevocationFailed: 1 });
  // Secrets Manager's retry (the same version) finishes, and its sweep takes back the token left behind
  h.jfrog.clearFaults();
  expect((await h.rotate(secretArn, env, token)).failed).toBeUndefined();
});

test('the health check emits seconds until expiry and since the last rotation', async () => {
  const { secretArn, env } = await setup();
  await h.rotate(secretArn, env);
  const result = await h.healthCheck(secretArn, env);
  expect(result.ok).toBe(true);
  const records = emfRecords(result.logs);
  const record = records.find((r) => r.SecretName === 'ci/jfrog-token')!;
  const fn = records.find((r) => r.FunctionName === FUNCTION_NAME)!;
  // and one for the admin credential (test/handler/health.e2e.test.ts)
  expect(records).toHaveLength(3);
  expect(record._aws.CloudWatchMetrics[0].Metrics.map((m: any) => m.Name).sort()).toEqual(['LiveTokens', 'SecondsSinceLastRotation', 'SecondsUntilExpiry']);
  // the one rotation minted one token: the seed token is not the rotation's
  expect(record.LiveTokens).toBe(1);
  expect(record.SecondsUntilExpiry).toBeGreaterThan(60 * 86400);
  expect(record.SecondsSinceLastRotation).toBeGreaterThanOrEqual(0);
  expect(record.SecondsSinceLastRotation).toBeLessThan(600);
  // normalized for the function's alarms: below 0 = expiring, above 0 = overdue
  expect(fn).toMatchObject({ FunctionName: FUNCTION_NAME });
  expect(fn.ExpiryHeadroomSeconds).toBe(record.SecondsUntilExpiry - 15 * 86400);
  expect(fn.OverdueSeconds).toBe(record.SecondsSinceLastRotation - 31 * 86400);
  // at most current and previous (and a pending one) may live: one live token is two short of it
  expect(fn.ExcessTokens).toBe(-1);
  expect(fn.CredentialProblems).toBe(0);
  expect(logLines(result.logs)[0]).toMatchObject({ step: 'healthCheck', outcome: 'success' });
});

test('the health check fails loudly when AWSCURRENT holds no token', async () => {
  const { secretArn, env } = await setup();
  const result = await h.healthCheck(secretArn, env);
  expect(result.ok).toBe(false);
  expect(result.errorMessage).toMatch(/holds no token in "token": the first rotation has not succeeded/);
  // no figure is better than a wrong one: the expiry alarm treats missing data as breaching.
  // only the credential's figures, which are right (the admin token works)
  const records = emfRecords(result.logs);
  expect(records.filter((r) => r.SecretName !== undefined)).toEqual([]);
  expect(records.flatMap((r) => r._aws.CloudWatchMetrics[0].Metrics.map((m: any) => m.Name)).sort())
    .toEqual(['CredentialProblems', 'CredentialProblems', 'CredentialSecondsUntilExpiry']);
});

describe('hostile input ends in a clear error and an untouched AWSCURRENT', () => {
  test('an oversized JFrog answer', async () => {
    const { secretArn, env } = await setup();
    h.jfrog.inject({ method: 'POST', status: 200, body: JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }) });
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
    expect(result.errorMessage).toMatch(/larger than 1048576 bytes/);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
  });

  test('a secret that names another JFrog', async () => {
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER, jfrogUrl: 'https://ci:SECRET-IN-URL-4711@attacker.example.com/api/pypi?key=QUERY-SECRET' });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * 86400, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn });
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const requests = h.jfrog.requests.length;
    const result = await h.invoke('createSecret', secretArn, randomUUID(), env);
    expect(result.errorType).toBe('MalformedSecretError');
    expect(result.errorMessage).toMatch(/names JFrog at 'https:\/\/attacker.example.com\/api\/pypi' but this rotation is configured for/);
    // a URL may carry a credential: neither user info nor query is echoed
    expect(result.errorMessage + result.logs).not.toMatch(/SECRET-IN-URL-4711|QUERY-SECRET/);
    expect(h.jfrog.requests.length).toBe(requests);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(before);
  });

  test('a secret that names the configured JFrog rotates', async () => {
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER, jfrogUrl: `${h.jfrog.url}/` });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * 86400, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
  });
  // a secret swapped mid-rotation: test/handler/steps.mocked-secrets-manager.test.ts (moto mislabels that case)
});

test('redaction: recognizable tokens and passwords appear in no log, error, metric or template', async () => {
  // tokens the emulator mints carry a marker in their claims; the admin password is distinctive
  h.jfrog.addUser('root', { password: 'RECOGNIZABLE-PASSWORD-4711', admin: true });
  const credentialsSecretArn = await h.plainSecret({ username: 'root', password: 'RECOGNIZABLE-PASSWORD-4711' });
  const { secretArn, env } = await setup({ credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
  for (let i = 0; i < 3; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
  h.jfrog.inject({ method: 'GET', status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `token ${(await h.stage(secretArn, 'AWSCURRENT')).value!.token} rejected` }] }), times: 4 });
  await h.rotate(secretArn, env);
  await h.healthCheck(secretArn, env);
  // the failed rotation's token could not be revoked while JFrog refused every GET: the next one sweeps it
  h.jfrog.clearFaults();
  expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

  const secrets = [...h.jfrog.tokens.values()].map((t) => t.accessToken).concat('RECOGNIZABLE-PASSWORD-4711', Buffer.from('root:RECOGNIZABLE-PASSWORD-4711').toString('base64'));
  const output = h.allOutput.join('\n');
  expect(output.length).toBeGreaterThan(1000);
  for (const secret of secrets) expect(output).not.toContain(secret);
  expect(output).not.toMatch(/authorization/i);

  // and the construct copies no credential into its template: the function's environment and the
  // settings parameter name the credential secret, never its value (not even as a dynamic reference)
  const app = new App();
  const stack = new Stack(app, 'S');
  const admin = new secretsmanager.Secret(stack, 'Admin', { secretObjectValue: { username: SecretValue.unsafePlainText('root'), password: SecretValue.unsafePlainText('RECOGNIZABLE-PASSWORD-4711') } });
  new JfrogTokenRotation(stack, 'T', { jfrogUrl: 'https://acme.jfrog.io', username: USER, scope: JfrogTokenScope.user(), credentials: JfrogCredentials.usernamePassword(admin) });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  // the functions (the rotation function and the provider framework's three), the settings, and the
  // deployment hooks, whose teardown carries the settings
  const ours = Object.values(resources).filter((r) => ['AWS::Lambda::Function', 'AWS::SSM::Parameter'].includes(r.Type) || r.Type.startsWith('Custom::JfrogToken'));
  expect(ours.map((r) => r.Type).sort()).toEqual([
    'AWS::Lambda::Function', 'AWS::Lambda::Function', 'AWS::Lambda::Function', 'AWS::Lambda::Function', 'AWS::SSM::Parameter', 'Custom::JfrogTokenFirstRotation', 'Custom::JfrogTokenTeardown',
  ]);
  for (const resource of ours) {
    const text = JSON.stringify(resource.Properties);
    expect(text).not.toContain('RECOGNIZABLE-PASSWORD-4711');
    expect(text).not.toMatch(/\{\{resolve:secretsmanager|SecretString/);
  }
});
