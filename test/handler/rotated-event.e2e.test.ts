import { randomUUID } from 'crypto';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../src/contract/rotation-config';
import { emfRecords, FUNCTION_NAME, Harness, logLines, STEPS } from '../support/harness';

// GIVEN moto (Secrets Manager, SSM, EventBridge and SQS in one server) and the JFrog emulator,
// a rule on moto's default event bus that delivers the rotation's events to an SQS queue, as a
// consumer's rule would, and the bundled handler run in its own process per step; WHEN secrets
// rotate; THEN each promotion, and only a promotion, puts one event on the bus, whose detail
// names the secret, the version and the token but holds no token, and an event EventBridge does
// not take never fails or undoes the promotion

const USER = 'ci-bot';
const DAY = 86_400;
let h: Harness;
let adminToken: string;
let events: EventBridgeClient;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser(USER, { password: 'ci-bot-Passw0rd!' });
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
  const config = { endpoint: h.moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  events = new EventBridgeClient(config);
  sqs = new SQSClient(config);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `rotated-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  // the pattern a consumer's rule has (what onTokenRotated() writes, without the secret)
  await events.send(new PutRuleCommand({
    Name: 'jfrog-token-rotated',
    EventPattern: JSON.stringify({ 'source': ['cdk-jfrog-token-rotation'], 'detail-type': ['JFrog Token Rotated'] }),
  }));
  await events.send(new PutTargetsCommand({ Rule: 'jfrog-token-rotated', Targets: [{ Id: 'queue', Arn: queueArn }] }));
});

afterAll(async () => {
  // nothing secret in anything the function printed or returned, nor in any event it put
  h.assertNothingLeaked([{ user: USER, password: 'ci-bot-Passw0rd!' }]);
  events.destroy();
  sqs.destroy();
  await h.stop();
});

afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
  await delivered();
});

/** the events the rule delivered since the last call, oldest first (and their text kept for the leak check) */
async function delivered(): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = [];
  for (;;) {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = received.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      h.allOutput.push(m.Body!);
      out.push(JSON.parse(m.Body!));
    }
    const entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

async function setup() {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret({ username: USER });
  const env = await h.configure(secretArn, {
    username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn,
  });
  return { secretArn, env };
}

test('each promotion puts one JFrog Token Rotated event on the default bus: the secret, the version and the token\'s id and expiry, no token', async () => {
  const { secretArn, env } = await setup();
  const secretName = (await h.sm.send(new DescribeSecretCommand({ SecretId: secretArn }))).Name;
  for (let rotation = 1; rotation <= 3; rotation++) {
    // WHEN a rotation runs its four steps
    const before = await h.stage(secretArn, 'AWSCURRENT');
    const token = randomUUID();
    const outputs: string[] = [];
    for (const step of STEPS) {
      const result = await h.invoke(step, secretArn, token, env);
      expect(result.ok).toBe(true);
      outputs.push(result.logs);
      // THEN nothing is announced before the promotion
      if (step !== 'finishSecret') expect(await delivered()).toEqual([]);
    }
    // THEN one event, after finishSecret, describing the new AWSCURRENT
    const current = await h.stage(secretArn, 'AWSCURRENT');
    const arrived = await delivered();
    expect(arrived).toHaveLength(1);
    const [event] = arrived;
    expect(event).toMatchObject({ 'source': 'cdk-jfrog-token-rotation', 'detail-type': 'JFrog Token Rotated', 'region': 'us-east-1', 'resources': [secretArn] });
    expect(event.detail).toEqual({
      secretArn,
      secretName,
      versionId: token,
      previousVersionId: before.versionId,
      tokenId: current.value!.tokenId,
      // the token's own expiry (its exp claim), as the step reports it
      expiresAt: new Date(h.jfrog.validToken(current.value!.token)!.expiry! * 1000).toISOString(),
      username: USER,
      jfrogUrl: h.jfrog.url.replace(/\/$/, ''),
      result: 'promoted',
      // the third rotation revokes the token two generations old
      revocation: rotation === 3 ? 'revoked' : 'nothing-to-revoke',
    });
    expect(current.versionId).toBe(token);
    // the token and its predecessor appear nowhere in it
    const text = JSON.stringify(event);
    expect(text).not.toContain(current.value!.token);
    if (before.value?.token) expect(text).not.toContain(before.value.token);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\./);
    // the step's log line says it was announced; the metrics count no failure
    expect(logLines(outputs[3]).find((l) => l.message === 'finishSecret succeeded')).toMatchObject({ rotatedEvent: 'published', result: 'promoted' });
    expect(emfRecords(outputs[3]).filter((r) => r.EventPublishFailed !== undefined)).toEqual([]);
  }

  // a replayed finishSecret (the version is already AWSCURRENT) promotes nothing and announces nothing
  const replay = await h.invoke('finishSecret', secretArn, (await h.stage(secretArn, 'AWSCURRENT')).versionId!, env);
  expect(replay.ok).toBe(true);
  expect(logLines(replay.logs)[0]).toMatchObject({ result: 'already-current' });
  expect(await delivered()).toEqual([]);
});

test('a rotation that fails announces nothing', async () => {
  const { secretArn, env } = await setup();
  h.jfrog.inject({ method: 'POST', status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'Bad credentials' }] }) });
  const { failed } = await h.rotate(secretArn, env);
  expect(failed?.step).toBe('createSecret');
  expect(await delivered()).toEqual([]);
});

test.each<[string, Record<string, string>, RegExp]>([
  ['a bus EventBridge refuses (one that does not exist)', { [ENV.eventBus]: 'no-such-bus' }, /ResourceNotFoundException|does not exist/],
  ['EventBridge unreachable', { AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9' }, /ECONNREFUSED|connect/],
])('an event EventBridge does not take never fails or undoes the promotion: %s gives a warning and EventPublishFailed', async (_name, extra, error) => {
  const { secretArn, env } = await setup();
  const token = randomUUID();
  // WHEN the bus cannot take the event
  const broken = { ...env, ...extra };
  for (const step of STEPS.slice(0, 3)) expect((await h.invoke(step, secretArn, token, broken)).ok).toBe(true);
  const finish = await h.invoke('finishSecret', secretArn, token, broken);
  // THEN the step succeeds and the new token is AWSCURRENT
  expect(finish.ok).toBe(true);
  expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(token);
  const lines = logLines(finish.logs);
  const warning = lines.find((l) => l.level === 'WARN');
  expect(warning?.message).toMatch(/is in AWSCURRENT, but the 'JFrog Token Rotated' event could not be put on the event bus/);
  expect(warning).toMatchObject({ secretId: secretArn, versionId: token });
  expect(warning?.error).toMatch(error);
  expect(lines.find((l) => l.message === 'finishSecret succeeded')).toMatchObject({ outcome: 'success', result: 'promoted', rotatedEvent: 'failed' });
  // counted for the secret and for the function
  const [secret, fn] = emfRecords(finish.logs);
  expect(secret).toMatchObject({ RotationSucceeded: 1, EventPublishFailed: 1 });
  expect(fn).toMatchObject({ FunctionName: FUNCTION_NAME, EventPublishFailed: 1 });
  expect(await delivered()).toEqual([]);
});

test('publishEvents: false (no bus in the function\'s environment) puts no event', async () => {
  const { secretArn, env } = await setup();
  const { [ENV.eventBus]: _bus, ...quiet } = env;
  expect((await h.rotate(secretArn, quiet)).failed).toBeUndefined();
  expect(await delivered()).toEqual([]);
});
