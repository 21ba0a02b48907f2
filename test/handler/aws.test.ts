import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient, setInvocationDeadline, ssmClient } from '../../src/handler/aws';
import { SecretStore } from '../../src/handler/secret-store';
import { ScriptedAnswer, ScriptedAwsServer } from '../support/scripted-aws';

// the handler's AWS clients are the AWS SDK's; what is ours is the bound on each call (the
// invocation's deadline) and the settings. checked against a local HTTP server that answers as
// the JSON protocol does

let aws: ScriptedAwsServer;
let answers: ScriptedAnswer[];
let seen: ScriptedAwsServer['seen'];
let endpoint: string;
let credentials: ScriptedAwsServer['credentials'];

beforeAll(async () => {
  aws = await ScriptedAwsServer.start('{}');
  ({ endpoint, credentials } = aws);
});
afterAll(() => aws.stop());
beforeEach(() => {
  aws.reset();
  ({ answers, seen } = aws);
});
afterEach(() => setInvocationDeadline(() => Number.POSITIVE_INFINITY));

const store = () => new SecretStore(secretsManagerClient({ endpoint, region: 'eu-west-1', credentials }));

test('calls are signed by the SDK for the service and region, and answers parsed (dates as Dates)', async () => {
  answers.push({ status: 200, body: JSON.stringify({ ARN: 'arn:x', Name: 'x', RotationEnabled: true, CreatedDate: 1.7e9, VersionIdsToStages: { v1: ['AWSCURRENT'] } }) });
  const meta = await store().describe('arn:x');
  expect(meta).toMatchObject({ arn: 'arn:x', name: 'x', rotationEnabled: true, versions: { v1: ['AWSCURRENT'] } });
  expect(meta.createdDate).toEqual(new Date(1.7e9 * 1000));
  expect(seen[0].headers['x-amz-target']).toBe('secretsmanager.DescribeSecret');
  expect(seen[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
  expect(JSON.parse(seen[0].body)).toEqual({ SecretId: 'arn:x' });
});

test('an error answer keeps its service name and type; a missing version reads as undefined', async () => {
  answers.push({ status: 400, body: '{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","message":"not allowed"}' });
  const error = await store().describe('arn:x').catch((e) => e);
  expect(error).toMatchObject({ name: 'AccessDeniedException', message: 'not allowed' });
  expect(seen).toHaveLength(1);
  answers.push({ status: 400, body: '{"__type":"ResourceNotFoundException","message":"no such version"}' });
  const client = secretsManagerClient({ endpoint, region: 'eu-west-1', credentials });
  await expect(client.send(new GetSecretValueCommand({ SecretId: 'arn:x' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  answers.push({ status: 400, body: '{"__type":"ResourceNotFoundException","message":"no such version"}' });
  expect(await store().getValue('arn:x', { versionId: 'v9', stage: 'AWSPENDING' })).toBeUndefined();
});

test('throttling and server errors are retried by the SDK (three attempts), then the error is thrown', async () => {
  answers.push({ status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' }, { status: 500, body: '{"__type":"InternalServiceError","message":"oops"}' }, { status: 200, body: '{}' });
  await store().putPending('arn:x', 'v2', '{"token":"t"}');
  expect(seen).toHaveLength(3);
  seen.length = 0;
  answers.push(...Array.from({ length: 3 }, () => ({ status: 500, body: '{"__type":"InternalServiceError","message":"oops"}' })));
  await expect(store().putPending('arn:x', 'v2', '{"token":"t"}')).rejects.toMatchObject({ name: 'InternalServiceError' });
  expect(seen).toHaveLength(3);
});

test('no call outlives the invocation: it is aborted with a second left, retries included', async () => {
  // 2.5 s left; the server would answer after 5 s: the call ends after about 1.5 s
  const deadline = Date.now() + 2_500;
  setInvocationDeadline(() => deadline - Date.now());
  answers.push({ status: 200, body: '{}', delayMs: 5_000 });
  const started = Date.now();
  const error = await store().describe('arn:x').catch((e) => e);
  const took = Date.now() - started;
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toMatch(/Abort|Timeout/);
  expect(took).toBeGreaterThanOrEqual(1_300);
  expect(took).toBeLessThan(2_400);
  expect(seen).toHaveLength(1);
});

test('the SDK\'s own settings apply: a FIPS endpoint when AWS_USE_FIPS_ENDPOINT is set, dual-stack likewise', async () => {
  const saved = { ...process.env };
  try {
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    const fips = await secretsManagerClient({ region: 'us-gov-west-1', credentials }).config.endpointProvider({ Region: 'us-gov-west-1', UseFIPS: true, UseDualStack: false });
    expect(fips.url.hostname).toBe('secretsmanager-fips.us-gov-west-1.amazonaws.com');
    const client = ssmClient({ region: 'eu-west-1', credentials });
    expect(await client.config.useFipsEndpoint()).toBe(true);
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'true';
    expect(await ssmClient({ region: 'eu-west-1', credentials }).config.useDualstackEndpoint()).toBe(true);
  } finally {
    process.env = saved;
  }
});

test('a service endpoint from the environment (a VPC endpoint without private DNS, an emulator) is used', async () => {
  const saved = { ...process.env };
  try {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint;
    answers.push({ status: 200, body: '{"ARN":"arn:y","VersionIdsToStages":{}}' });
    const client = secretsManagerClient({ region: 'eu-west-1', credentials });
    expect((await new SecretStore(client).describe('arn:y')).arn).toBe('arn:y');
    expect(seen).toHaveLength(1);
  } finally {
    process.env = saved;
  }
});
