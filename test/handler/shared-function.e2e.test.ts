import { randomUUID } from 'crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { emfRecords, FUNCTION_NAME, Harness, logLines } from '../support/harness';

// GIVEN one rotation function for many secrets, as a stack's rotations share it: each secret's
// settings are an SSM parameter under the function's path (moto), JFrog is the emulator

const DAY = 86_400;
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser('ci-bot', { password: 'ci-bot-Passw0rd!' });
  h.jfrog.addUser('deployer', { password: 'deployer-Passw0rd!' });
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});
afterAll(async () => {
  // nothing secret in anything the function printed or returned, in any scenario of this file
  h.assertNothingLeaked([{ user: 'ci-bot', password: 'ci-bot-Passw0rd!' }, { user: 'deployer', password: 'deployer-Passw0rd!' }]);
  await h.stop();
});
// the invariants hold after every scenario, whatever it did: no stray live token, and a rotated
// AWSCURRENT that JFrog accepts
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

async function rotation(functionId: string, username: string, scope: string) {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret({ username });
  const env = await h.configure(secretArn, { functionId, username, scope, lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn });
  return { secretArn, env };
}

test('one function rotates each secret with its own settings', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const reader = await rotation(functionId, 'ci-bot', 'applied-permissions/groups:readers');
  const deployer = await rotation(functionId, 'deployer', 'applied-permissions/groups:deployers');
  // one function: the same environment, which pins both rotations
  const env = h.functionEnv(functionId);
  expect(env).toEqual(deployer.env);
  expect(env.JFROG_ROTATION_PINS.split(' ')).toHaveLength(2);

  expect((await h.rotate(reader.secretArn, env)).failed).toBeUndefined();
  expect((await h.rotate(deployer.secretArn, env)).failed).toBeUndefined();

  const readerToken = h.jfrog.validToken((await h.stage(reader.secretArn, 'AWSCURRENT')).value!.token);
  const deployerToken = h.jfrog.validToken((await h.stage(deployer.secretArn, 'AWSCURRENT')).value!.token);
  expect(readerToken).toMatchObject({ username: 'ci-bot', scope: 'applied-permissions/groups:readers' });
  expect(deployerToken).toMatchObject({ username: 'deployer', scope: 'applied-permissions/groups:deployers' });
});

test('the health check without a secret checks every rotation of the function, and names the ones that fail', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const healthy = await rotation(functionId, 'ci-bot', 'applied-permissions/user');
  const unfilled = await rotation(functionId, 'deployer', 'applied-permissions/user');
  await h.rotate(healthy.secretArn, healthy.env);

  const result = await h.healthCheck(undefined, h.functionEnv(functionId));

  // the unfilled secret fails the check (and the function's error alarm) by name
  expect(result.ok).toBe(false);
  expect(result.errorMessage).toMatch(/the health check failed for 1 of 2 rotations/);
  expect(result.errorMessage).toContain(unfilled.secretArn);
  expect(result.errorMessage).not.toContain(`${healthy.secretArn}:`);
  const records = emfRecords(result.logs);
  expect(records.filter((r) => r.SecretName).map((r) => r.SecretName)).toEqual([healthy.secretArn.split(':').pop()!.replace(/-[A-Za-z0-9]{6}$/, '')]);
  expect(records.find((r) => r.FunctionName)).toMatchObject({ FunctionName: FUNCTION_NAME });
  expect(logLines(result.logs).find((l) => l.message === 'healthCheck finished')).toMatchObject({ checked: 2, failed: 1 });
});

test('settings bound to another secret are refused before anything is minted', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const victim = await rotation(functionId, 'ci-bot', 'applied-permissions/user');
  const other = await h.createSecret({ username: 'ci-bot' });
  // the other secret's parameter holds settings written for the victim (a copy, or a tampered name)
  const env = await h.configure(other, { functionId, username: 'ci-bot', scope: 'applied-permissions/admin', lifetimeSeconds: DAY, credentialsKind: 'SELF_ROTATING', boundSecretArn: victim.secretArn });
  const requests = h.jfrog.requests.length;

  const result = await h.invoke('createSecret', other, randomUUID(), env);

  expect(result.errorType).toBe('RefusedInvocationError');
  // the parameter's name is the other secret's, pinned by the deployment: the settings inside cannot bind another
  expect(result.errorMessage).toContain(`are bound to ${victim.secretArn}, which is not the secret its name ('${other.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}') stands for`);
  expect(h.jfrog.requests.length).toBe(requests);
});

test('whoever writes the secret cannot widen the next token: user, scope and JFrog come from the settings only', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const { secretArn, env } = await rotation(functionId, 'ci-bot', 'applied-permissions/groups:readers');
  await h.rotate(secretArn, env);
  // a writer of the secret tries to steer the next rotation
  const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
  await h.sm.send(new PutSecretValueCommand({
    SecretId: secretArn,
    SecretString: JSON.stringify({ ...current, scope: 'applied-permissions/admin', username: 'admin', expiresIn: 0, credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf' }),
  }));

  expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

  const minted = h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value!.token)!;
  expect(minted).toMatchObject({ username: 'ci-bot', scope: 'applied-permissions/groups:readers' });
  expect(minted.expiry! - minted.issuedAt).toBe(61 * DAY);
});

test('Secrets Manager\'s rotation failure events count for the function\'s own secrets only', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const { secretArn, env } = await rotation(functionId, 'ci-bot', 'applied-permissions/user');
  const event = (id: string) => ({
    'source': 'aws.secretsmanager',
    'detail-type': 'AWS Service Event via CloudTrail',
    'detail': { eventName: 'RotationFailed', additionalEventData: { SecretId: id } },
  });

  const ours = await h.invokeEvent(event(secretArn), env, {});
  const foreign = await h.invokeEvent(event('arn:aws:secretsmanager:us-east-1:123456789012:secret:someone-else-AbCdEf'), env, {});

  expect(ours.ok).toBe(true);
  expect(emfRecords(ours.logs)).toEqual([
    expect.objectContaining({ SecretName: expect.stringMatching(/^jfrog-token-/), RotationFailureEvents: 1 }),
    expect.objectContaining({ FunctionName: FUNCTION_NAME, RotationFailureEvents: 1 }),
  ]);
  expect(logLines(ours.logs).find((l) => l.level === 'ERROR')).toMatchObject({ eventName: 'RotationFailed', secretId: secretArn });
  expect(foreign.ok).toBe(true);
  expect(emfRecords(foreign.logs)).toEqual([]);
});

test('settings that name a JFrog the function was not deployed for are refused: an SSM writer cannot send the credential elsewhere', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret({ username: 'ci-bot' });
  const env = await h.configure(secretArn, {
    functionId,
    username: 'ci-bot',
    scope: 'applied-permissions/user',
    lifetimeSeconds: 61 * DAY,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsSecretArn,
    jfrogUrl: 'https://attacker.example.com',
  });
  const requests = h.jfrog.requests.length;

  const result = await h.invoke('createSecret', secretArn, randomUUID(), env);

  expect(result.errorType).toBe('ConfigurationError');
  expect(result.errorMessage).toMatch(/name JFrog at 'https:\/\/attacker.example.com', which this function was not deployed for/);
  expect(h.jfrog.requests.length).toBe(requests);
});

test('the function\'s alarm metrics carry one value per invocation: the rotation closest to its threshold', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const soon = await rotation(functionId, 'ci-bot', 'applied-permissions/user');
  const later = await rotation(functionId, 'deployer', 'applied-permissions/user');
  await h.rotate(soon.secretArn, soon.env);
  await h.rotate(later.secretArn, later.env);
  // the same lifetime, but one rotation warns 40 days ahead: it is the closer one
  await h.configure(soon.secretArn, { functionId, username: 'ci-bot', scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING', expiryWarningSeconds: 40 * DAY });

  const result = await h.healthCheck(undefined, h.functionEnv(functionId));

  expect(result.ok).toBe(true);
  const records = emfRecords(result.logs);
  const fn = records.find((r) => r.FunctionName)!;
  const perSecret = records.filter((r) => r.SecretName);
  expect(perSecret).toHaveLength(2);
  expect(typeof fn.ExpiryHeadroomSeconds).toBe('number');
  expect(typeof fn.OverdueSeconds).toBe('number');
  const soonest = Math.min(...perSecret.map((r) => r.SecondsUntilExpiry - (r.SecretName === secretName(soon.secretArn) ? 40 : 15) * DAY));
  expect(Math.abs(fn.ExpiryHeadroomSeconds - soonest)).toBeLessThanOrEqual(1);
});

test('a token without an expiry (a reference token written by hand, no expiresAt) fails the health check by name', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const secretArn = await h.createSecret({ username: 'ci-bot', token: 'cmVmdGtuOjAxOjAwMDAwMDAwMDA6aGFuZC13cml0dGVu' });
  const env = await h.configure(secretArn, { functionId, username: 'ci-bot', scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });

  const result = await h.healthCheck(undefined, env);

  expect(result.ok).toBe(false);
  expect(result.errorMessage).toContain(`${secretArn}: the AWSCURRENT value of ${secretArn} has no valid "expiresAt" and its token no exp claim`);
});

test('a seed written by hand (no expiresAt) is reported by its own expiry, its exp claim', async () => {
  const functionId = `fn-${randomUUID().slice(0, 8)}`;
  const seed = h.jfrog.seedToken('ci-bot', 'applied-permissions/user', 40 * DAY);
  const secretArn = await h.createSecret({ username: 'ci-bot', token: seed });
  const env = await h.configure(secretArn, { functionId, username: 'ci-bot', scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });

  const result = await h.healthCheck(secretArn, env);

  expect(result.ok).toBe(true);
  const reported = emfRecords(result.logs).find((r) => r.SecretName)?.SecondsUntilExpiry;
  expect(Math.abs(reported - (h.jfrog.validToken(seed)!.expiry! - Date.now() / 1000))).toBeLessThan(60);
});

function secretName(arn: string): string {
  return arn.split(':').pop()!.replace(/-[A-Za-z0-9]{6}$/, '');
}
