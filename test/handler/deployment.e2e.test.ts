import { DeleteSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { DEPLOYMENT_RESOURCE_TYPES, parameterKey, secretNameOfArn } from '../../src/contract/rotation-config';
import { emfRecords, FUNCTION_NAME, Harness } from '../support/harness';

// the deployment hooks (src/handler/deployment.ts) as aws-cdk's provider framework runs them:
// the bundled handler is both onEvent and isComplete. the wait for a first rotation and the
// teardown that revokes a deleted secret's tokens, against moto and the JFrog emulator; then
// the same events forged by someone who may only invoke the function (README's trust table)

const DAY = 86_400;
const USER = 'ci-bot';
const GRACE_MS = 60_000;
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser(USER);
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});
afterAll(async () => {
  h.assertNothingLeaked();
  await h.stop();
});
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

const settings = { username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY };

/** CloudFormation's request for the wait, as the provider framework passes it (isComplete: with our onEvent answer) */
function waitEvent(secrets: string[], options: { requestType?: 'Create' | 'Update'; old?: string[]; startedAt?: number } = {}) {
  return {
    RequestType: options.requestType ?? 'Create',
    ResourceType: DEPLOYMENT_RESOURCE_TYPES.firstRotation,
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent', Secrets: secrets },
    ...(options.old ? { OldResourceProperties: { Secrets: options.old }, PhysicalResourceId: 'jfrog-token-first-rotation' } : {}),
    ...(options.startedAt !== undefined ? { JfrogWaitStartedAt: options.startedAt, PhysicalResourceId: 'jfrog-token-first-rotation' } : {}),
  };
}

function teardownEvent(rotations: Array<{ key: string; settings: string }>, requestType: 'Create' | 'Delete' = 'Delete') {
  return {
    RequestType: requestType,
    ResourceType: DEPLOYMENT_RESOURCE_TYPES.teardown,
    PhysicalResourceId: 'jfrog-token-teardown-x',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent', Rotations: rotations },
  };
}

function parameterOf(secretArn: string) {
  const key = parameterKey(secretNameOfArn(secretArn)!.name);
  return { key, name: `/cdk-jfrog-token-rotation/test/${key}` };
}

async function settingsOf(secretArn: string) {
  const { key, name } = parameterOf(secretArn);
  return { key, settings: (await h.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value! };
}

const liveTokensOf = (secretArn: string) => h.jfrog.liveApiTokens(USER).filter((t) => t.description?.startsWith(`cdk-jfrog-token-rotation: ${secretArn} version `));

describe('the wait for the first rotation', () => {
  test('a first rotation that succeeded: the wait is complete at once, and AWSCURRENT holds a token JFrog accepts', async () => {
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

    const result = await h.invokeEvent(waitEvent([secretArn]), env, {});

    expect(result.ok).toBe(true);
    expect(result.value).toEqual({ PhysicalResourceId: 'jfrog-token-first-rotation', IsComplete: true });
    expect(h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value?.token)).toBeDefined();
  });

  test('a rotation still running: not complete, and onEvent starts the grace period without driving anything', async () => {
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    await h.startRotation(secretArn);
    const requests = h.jfrog.requests.length;
    const before = Date.now();

    const result = await h.invokeEvent(waitEvent([secretArn]), env, {});

    expect(result.ok).toBe(true);
    const answer = result.value as Record<string, unknown>;
    expect(answer.IsComplete).toBe(false);
    expect(answer.JfrogWaitStartedAt).toBeGreaterThanOrEqual(before);
    expect(h.jfrog.requests.length).toBe(requests);
    // within the grace, isComplete leaves the rotation to Secrets Manager
    const again = await h.invokeEvent(waitEvent([secretArn], { startedAt: Date.now() }), env, {});
    expect(again.value).toMatchObject({ IsComplete: false });
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test('a wrong admin token: the wait fails with the failed step\'s own message, and never answers with a token', async () => {
    const { secretArn, env } = await h.adminRotation('not-a-valid-admin-token', settings);
    // Secrets Manager's own first rotation fails at createSecret
    const first = await h.rotate(secretArn, env);
    expect(first.failed?.step).toBe('createSecret');

    const result = await h.invokeEvent(waitEvent([secretArn], { startedAt: Date.now() - GRACE_MS - 1_000 }), env, {});

    expect(result.ok).toBe(false);
    expect(result.errorMessage).toContain(`the first rotation of ${secretArn} failed at createSecret: `);
    expect(result.errorMessage).toContain(first.failed!.result.errorMessage);
    expect(result.errorMessage).toMatch(/set waitForFirstRotation: false/);
    expect((await h.stage(secretArn, 'AWSCURRENT')).value).toEqual({ username: USER });
  });

  test('deploy, fix, deploy again: after the credential is fixed, the wait reruns the staged rotation, which puts a working token in AWSCURRENT', async () => {
    // the awsIamRole order (deploy, map, deploy with the wait): here the credential is wrong at first
    const { secretArn, env, credentialsSecretArn } = await h.adminRotation('not-a-valid-admin-token', settings);
    const first = await h.rotate(secretArn, env);
    expect(first.failed?.step).toBe('createSecret');
    await h.sm.send(new PutSecretValueCommand({ SecretId: credentialsSecretArn, SecretString: JSON.stringify({ token: adminToken }) }));

    // the second deployment adds the secret to the wait (an update)
    const onEvent = await h.invokeEvent(waitEvent([secretArn], { requestType: 'Update', old: [] }), env, {});
    expect(onEvent.value).toMatchObject({ IsComplete: false });
    const result = await h.invokeEvent(waitEvent([secretArn], { requestType: 'Update', old: [], startedAt: Date.now() - GRACE_MS - 1_000 }), env, {});

    expect(result.ok).toBe(true);
    expect(result.value).toMatchObject({ IsComplete: true });
    const current = await h.stage(secretArn, 'AWSCURRENT');
    expect(current.versionId).toBe(first.token);
    expect(h.jfrog.validToken(current.value?.token)).toBeDefined();
    expect(JSON.stringify(result.value)).not.toContain(current.value?.token);
  });

  test('an update that adds no secret completes at once, whatever the secrets already listed hold', async () => {
    const { secretArn, env } = await h.adminRotation('not-a-valid-admin-token', settings);
    const result = await h.invokeEvent(waitEvent([secretArn], { requestType: 'Update', old: [secretArn] }), env, {});
    expect(result.value).toMatchObject({ IsComplete: true });
  });
});

describe('the teardown', () => {
  test('a deleted rotation (its settings parameter gone): every token minted for the secret is revoked', async () => {
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    for (let i = 0; i < 3; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    expect(liveTokensOf(secretArn).length).toBe(2);
    const entry = await settingsOf(secretArn);
    // CloudFormation deletes the parameter first: it depends on the teardown
    await h.ssm.send(new DeleteParameterCommand({ Name: parameterOf(secretArn).name }));

    const result = await h.invokeEvent(teardownEvent([entry]), env, {});

    expect(result.ok).toBe(true);
    expect(result.value).toMatchObject({ IsComplete: true });
    expect(liveTokensOf(secretArn)).toEqual([]);
    // then the secret goes
    await h.sm.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  });

  test('selfRotating: the secret\'s current token revokes the others, then itself', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const secretArn = await h.createSecret({ username: USER, token: seed });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    for (let i = 0; i < 3; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    expect(liveTokensOf(secretArn).length).toBe(2);
    const entry = await settingsOf(secretArn);
    await h.ssm.send(new DeleteParameterCommand({ Name: parameterOf(secretArn).name }));

    const result = await h.invokeEvent(teardownEvent([entry]), env, {});

    expect(result.ok).toBe(true);
    expect(liveTokensOf(secretArn)).toEqual([]);
    expect(h.jfrog.validToken(current)).toBeUndefined();
    await h.sm.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  });

  test('an admin token rotated by its own selfRotating rotation, and the credential of another: the other\'s tokens are revoked first, then the admin\'s', async () => {
    const adminSeed = h.jfrog.seedToken('admin', 'applied-permissions/admin');
    const adminArn = await h.createSecret({ username: 'admin', token: adminSeed });
    await h.configure(adminArn, { username: 'admin', scope: 'applied-permissions/admin', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' });
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, { ...settings, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn: adminArn });
    for (let i = 0; i < 2; i++) {
      expect((await h.rotate(adminArn, env)).failed).toBeUndefined();
      expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    }
    const adminTokens = () => h.jfrog.liveApiTokens('admin').filter((t) => t.description?.startsWith(`cdk-jfrog-token-rotation: ${adminArn} version `));
    expect(adminTokens().length).toBe(2);
    expect(liveTokensOf(secretArn).length).toBe(2);
    // the admin's rotation listed first, as the template may list it
    const entries = [await settingsOf(adminArn), await settingsOf(secretArn)];
    for (const arn of [adminArn, secretArn]) await h.ssm.send(new DeleteParameterCommand({ Name: parameterOf(arn).name }));

    const result = await h.invokeEvent(teardownEvent(entries), env, {});

    expect(result.ok).toBe(true);
    expect(liveTokensOf(secretArn)).toEqual([]);
    expect(adminTokens()).toEqual([]);
    for (const arn of [adminArn, secretArn]) await h.sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
  });

  test('a create or update of the teardown revokes nothing', async () => {
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const entry = await settingsOf(secretArn);
    await h.ssm.send(new DeleteParameterCommand({ Name: parameterOf(secretArn).name }));

    const result = await h.invokeEvent(teardownEvent([entry], 'Create'), env, {});

    expect(result.value).toMatchObject({ IsComplete: true, PhysicalResourceId: expect.stringMatching(/^jfrog-token-teardown-[0-9a-f]{16}$/) });
    expect(liveTokensOf(secretArn).length).toBe(1);
    // the stack's deletion then takes them back
    expect((await h.invokeEvent(teardownEvent([entry]), env, {})).ok).toBe(true);
    expect(liveTokensOf(secretArn)).toEqual([]);
    await h.sm.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  });
});

describe('forged deployment hook events (a caller with lambda:InvokeFunction only)', () => {
  test('a forged teardown of a secret still in use (its settings parameter exists) revokes nothing', async () => {
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    for (let i = 0; i < 2; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const live = liveTokensOf(secretArn).map((t) => t.id);
    const entry = await settingsOf(secretArn);
    const requests = h.jfrog.requests.length;

    const result = await h.invokeEvent(teardownEvent([entry]), env, {});

    expect(result.ok).toBe(true);
    expect(liveTokensOf(secretArn).map((t) => t.id)).toEqual(live);
    expect(h.jfrog.requests.length).toBe(requests);
  });

  test('a forged teardown with settings that are not the deployed ones (another user) revokes nothing, even with the parameter gone', async () => {
    h.jfrog.addUser('victim-user');
    const { secretArn, env } = await h.adminRotation(adminToken, settings);
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const entry = await settingsOf(secretArn);
    await h.ssm.send(new DeleteParameterCommand({ Name: parameterOf(secretArn).name }));
    const forged = { key: entry.key, settings: JSON.stringify({ ...JSON.parse(entry.settings), username: 'victim-user' }) };
    const requests = h.jfrog.requests.length;

    const result = await h.invokeEvent(teardownEvent([forged]), env, {});

    expect(result.ok).toBe(true);
    expect(h.jfrog.requests.length).toBe(requests);
    expect(liveTokensOf(secretArn).length).toBe(1);
    expect(emfRecords(result.logs).find((r) => r.FunctionName === FUNCTION_NAME)?.RefusedInvocations).toBe(1);
    // the real teardown still works
    expect((await h.invokeEvent(teardownEvent([entry]), env, {})).ok).toBe(true);
    expect(liveTokensOf(secretArn)).toEqual([]);
    await h.sm.send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  });

  test('a forged wait for a secret this function does not rotate reads nothing of it and is refused', async () => {
    const other = await h.createSecret({ username: USER, token: 'x' });
    const result = await h.invokeEvent(waitEvent([other], { startedAt: 0 }), h.functionEnv(), {});
    expect(result.ok).toBe(false);
    expect(result.errorMessage).toMatch(/no rotation settings for/);
  });

  test('a deployment hook event of an unknown resource type is refused', async () => {
    const result = await h.invokeEvent({ RequestType: 'Delete', ResourceType: 'Custom::Other', ResourceProperties: {} }, h.functionEnv(), {});
    expect(result.ok).toBe(false);
    expect(result.errorType).toBe('RefusedInvocationError');
  });
});
