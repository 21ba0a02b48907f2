import { ConfigStore, RotationConfig } from '../../src/handler/config';
import { DeploymentDeps, deploymentHook, GRACE_MS, isDeploymentEvent } from '../../src/handler/deployment';
import { forgetSecrets } from '../../src/handler/redact';
import { SecretStore } from '../../src/handler/secret-store';

// the deployment hooks' decisions in process, with the store and settings as plain objects:
// what is refused before anything is read, when the wait leaves the rotation to Secrets Manager
// and when it runs the staged steps itself. deployment.e2e.test.ts runs them against moto and
// the JFrog emulator

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/token-AbCdEf';
const NOW = 1_800_000_000_000;

function deps(secret: { current?: Record<string, unknown>; versions?: Record<string, string[]> }, overrides: Partial<DeploymentDeps> = {}) {
  const calls: string[] = [];
  const store = {
    describe: async (id: string) => {
      calls.push(`describe ${id}`);
      return { arn: id, rotationEnabled: true, versions: secret.versions ?? {} };
    },
    getValue: async (id: string) => {
      calls.push(`getValue ${id}`);
      return secret.current ? JSON.stringify(secret.current) : undefined;
    },
  } as unknown as SecretStore;
  const configs = {
    forSecret: async (id: string) => {
      calls.push(`forSecret ${id}`);
      return { secretArn: id, tokenField: 'token' } as RotationConfig;
    },
  } as unknown as ConfigStore;
  const d: DeploymentDeps = {
    store,
    configs,
    jfrogFor: () => { throw new Error('no JFrog here'); },
    runStep: async (step, secretId, versionId) => { calls.push(`${step} ${secretId} ${versionId}`); },
    now: () => NOW,
    remainingMs: () => 120_000,
    onRevocationFailures: () => undefined,
    onRefused: () => undefined,
    ...overrides,
  };
  return { d, calls };
}

const wait = (extra: Record<string, unknown> = {}) => ({
  RequestType: 'Create' as const,
  ResourceType: 'Custom::JfrogTokenFirstRotation',
  ResourceProperties: { Secrets: [ARN] },
  ...extra,
});
// a token read is registered for redaction: each test starts without the last one's
beforeEach(() => forgetSecrets());

const pending = { current: { username: 'ci-bot' }, versions: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] } };

test('a deployment hook event is told apart from the function\'s other invocations by RequestType and ResourceType', () => {
  expect(isDeploymentEvent(wait())).toBe(true);
  expect(isDeploymentEvent({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: 'v1' })).toBe(false);
  expect(isDeploymentEvent({ jfrogTokenRotationHealthCheck: {} })).toBe(false);
  expect(isDeploymentEvent({ RequestType: 'Create' })).toBe(false);
});

test.each([
  ['another request type', { RequestType: 'Poll' }, /RequestType Create, Update or Delete/],
  ['another resource type', { ResourceType: 'Custom::Other' }, /must be for Custom::JfrogTokenFirstRotation or Custom::JfrogTokenTeardown/],
  ['Secrets that are not a list of ARNs', { ResourceProperties: { Secrets: [{ arn: ARN }] } }, /Secrets must be a list of secret ARNs/],
  ['a teardown whose Rotations are not {key, settings}', { ResourceType: 'Custom::JfrogTokenTeardown', RequestType: 'Delete', ResourceProperties: { Rotations: ['x'] } }, /Rotations must be a list of \{key, settings\}/],
])('%s is refused before anything is read', async (_name, extra, message) => {
  const { d, calls } = deps(pending);
  await expect(deploymentHook(wait(extra) as any, d)).rejects.toThrow(message);
  expect(calls).toEqual([]);
});

test('the wait\'s Delete reads nothing and is complete', async () => {
  const { d, calls } = deps(pending);
  expect(await deploymentHook(wait({ RequestType: 'Delete', PhysicalResourceId: 'p' }) as any, d)).toEqual({ PhysicalResourceId: 'p', IsComplete: true });
  expect(calls).toEqual([]);
});

test('a secret whose AWSCURRENT holds a rotated token (token and tokenId) is done; a seed without tokenId is not', async () => {
  expect(await deploymentHook(wait() as any, deps({ current: { token: 'a-rotated-token-of-forty-characters-long', tokenId: 'id' } }).d)).toMatchObject({ IsComplete: true });
  expect(await deploymentHook(wait() as any, deps({ ...pending, current: { token: 'a-seed-token-of-forty-characters-long-xx' } }).d)).toMatchObject({ IsComplete: false });
});

test('onEvent and the grace: the wait records when it started and runs no step', async () => {
  const { d, calls } = deps(pending);
  expect(await deploymentHook(wait() as any, d)).toEqual({ PhysicalResourceId: 'jfrog-token-first-rotation', IsComplete: false, JfrogWaitStartedAt: NOW });
  const startedAt = NOW - GRACE_MS + 1;
  expect(await deploymentHook(wait({ JfrogWaitStartedAt: startedAt }) as any, d)).toMatchObject({ IsComplete: false, JfrogWaitStartedAt: startedAt });
  expect(calls.filter((c) => /^(create|set|test|finish)Secret /.test(c))).toEqual([]);
});

test('after the grace, the staged version\'s four steps run in order, and the wait is complete', async () => {
  const { d, calls } = deps(pending);
  expect(await deploymentHook(wait({ JfrogWaitStartedAt: NOW - GRACE_MS }) as any, d)).toMatchObject({ IsComplete: true });
  expect(calls.filter((c) => c.endsWith(' v1'))).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => `${step} ${ARN} v1`));
});

test('a step that fails fails the wait with the step and its own message, and no later step runs', async () => {
  const ran: string[] = [];
  const { d } = deps(pending, {
    runStep: async (step) => {
      ran.push(step);
      if (step === 'testSecret') throw new Error('JFrog rejects the pending token (HTTP 401)');
    },
  });
  await expect(deploymentHook(wait({ JfrogWaitStartedAt: 0 }) as any, d))
    .rejects.toThrow(`the first rotation of ${ARN} failed at testSecret: JFrog rejects the pending token (HTTP 401) (AWSCURRENT holds no token yet`);
  expect(ran).toEqual(['createSecret', 'setSecret', 'testSecret']);
});

test('no rotation in progress: the wait names the command that starts one', async () => {
  const { d } = deps({ current: { username: 'ci-bot' }, versions: { v0: ['AWSCURRENT'] } });
  await expect(deploymentHook(wait({ JfrogWaitStartedAt: 0 }) as any, d)).rejects.toThrow(`start one with 'aws secretsmanager rotate-secret --secret-id ${ARN}'`);
});

test('an invocation without time for another rotation leaves the rest to the next poll', async () => {
  const { d, calls } = deps(pending, { remainingMs: () => 10_000 });
  expect(await deploymentHook(wait({ JfrogWaitStartedAt: 0 }) as any, d)).toMatchObject({ IsComplete: false });
  expect(calls.filter((c) => c.startsWith('createSecret'))).toEqual([]);
});

test('an update waits only for the secrets it adds', async () => {
  const other = ARN.replace('ci/token', 'ci/other');
  const { d, calls } = deps(pending);
  await deploymentHook(wait({ RequestType: 'Update', PhysicalResourceId: 'p', ResourceProperties: { Secrets: [ARN, other] }, OldResourceProperties: { Secrets: [ARN] } }) as any, d);
  expect(calls.filter((c) => c.startsWith('forSecret'))).toEqual([`forSecret ${other}`]);
});

test('the teardown\'s id follows its rotations\' keys, in any order; create and update revoke nothing', async () => {
  const event = (keys: string[]) => ({
    RequestType: 'Create' as const, ResourceType: 'Custom::JfrogTokenTeardown', ResourceProperties: { Rotations: keys.map((key) => ({ key, settings: '{}' })) },
  });
  const { d, calls } = deps(pending);
  const a = await deploymentHook(event(['a', 'b']), d);
  const b = await deploymentHook(event(['b', 'a']), d);
  const c = await deploymentHook(event(['a']), d);
  expect(a.PhysicalResourceId).toBe(b.PhysicalResourceId);
  expect(a.PhysicalResourceId).not.toBe(c.PhysicalResourceId);
  expect(calls).toEqual([]);
});
