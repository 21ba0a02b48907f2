import * as http from 'http';
import { AddressInfo } from 'net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsJsonClient, AwsServiceError, setInvocationDeadline, signRequest } from '../../src/handler/aws-client';

// the handler signs its Secrets Manager and SSM calls itself (Signature Version 4): checked
// here against the AWS SDK's own signer, which moto does not verify

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface SigningCase { host: string; service: string; region: string; body: string; target: string; sessionToken?: string; now: Date }

async function sdkSignature(input: SigningCase) {
  const signer = new SignatureV4({
    credentials: { ...credentials, sessionToken: input.sessionToken },
    region: input.region,
    service: input.service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'https:',
    hostname: input.host.split(':')[0],
    port: input.host.includes(':') ? Number(input.host.split(':')[1]) : undefined,
    path: '/',
    query: {},
    headers: { 'host': input.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': input.target },
    body: input.body,
  } as any, { signingDate: input.now });
  return (signed as unknown as { headers: Record<string, string> }).headers.authorization;
}

test.each([
  ['Secrets Manager', 'secretsmanager.eu-west-1.amazonaws.com', 'secretsmanager', 'eu-west-1', 'secretsmanager.GetSecretValue', { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf', VersionStage: 'AWSCURRENT' }, undefined],
  ['SSM with a session token', 'ssm.us-east-1.amazonaws.com', 'ssm', 'us-east-1', 'AmazonSSM.GetParameters', { Names: ['/cdk-jfrog-token-rotation/c8/ci_2fjfrog'] }, 'IQoJb3JpZ2luX2VjEXAMPLE/+=='],
  ['a port and non-ASCII', '127.0.0.1:4566', 'secretsmanager', 'cn-north-1', 'secretsmanager.PutSecretValue', { SecretString: '{"token":"ü €"}' }, undefined],
])('the signature equals the AWS SDK\'s: %s', async (_name, host, service, region, target, input, sessionToken) => {
  const now = new Date('2026-11-26T01:02:03.456Z');
  const body = JSON.stringify(input);
  const ours = signRequest({
    method: 'POST',
    host,
    path: '/',
    body,
    service,
    region,
    now,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    credentials: { ...credentials, sessionToken },
  });
  expect(ours.authorization).toBe(await sdkSignature({ host, service, region, body, target, sessionToken, now }));
  expect(ours['x-amz-date']).toBe('20261126T010203Z');
  if (sessionToken) expect(ours['x-amz-security-token']).toBe(sessionToken);
});

describe('the JSON protocol client', () => {
  let server: http.Server;
  let answers: Array<{ status: number; body: string }>;
  let seen: Array<{ headers: http.IncomingHttpHeaders; body: string }>;
  let endpoint: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        const answer = answers.shift() ?? { status: 200, body: '{}' };
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => { answers = []; seen = []; });

  const client = (maxAttempts = 3) => new AwsJsonClient({ service: 'secretsmanager', targetPrefix: 'secretsmanager', region: 'eu-west-1', endpoint, credentials: () => credentials, maxAttempts });

  test('sends the operation as X-Amz-Target with a signed JSON body and returns the answer', async () => {
    answers.push({ status: 200, body: '{"ARN":"arn:x","CreatedDate":1.7e9}' });
    expect(await client().call('DescribeSecret', { SecretId: 'arn:x' })).toEqual({ ARN: 'arn:x', CreatedDate: 1.7e9 });
    expect(seen[0].headers['x-amz-target']).toBe('secretsmanager.DescribeSecret');
    expect(seen[0].headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(seen[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(seen[0].body)).toEqual({ SecretId: 'arn:x' });
  });

  test('an error answer becomes an error named by its code, not retried when it is the caller\'s', async () => {
    answers.push({ status: 400, body: '{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"Secrets Manager can\'t find the specified secret."}' });
    const error = await client().call('GetSecretValue', {}).catch((e) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'Secrets Manager can\'t find the specified secret.', statusCode: 400 });
    expect(seen).toHaveLength(1);
  });

  test('throttling and server errors are retried, then the last error is thrown', async () => {
    answers.push({ status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' }, { status: 500, body: '{"__type":"InternalServiceError","message":"oops"}' }, { status: 200, body: '{"ok":true}' });
    expect(await client().call('PutSecretValue', {})).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
    answers.push({ status: 503, body: '' }, { status: 503, body: '' });
    await expect(client(2).call('PutSecretValue', {})).rejects.toMatchObject({ name: 'HTTP503', statusCode: 503 });
  });

  test('no retry starts that could not finish before the invocation ends', async () => {
    // 5 s left: an attempt may take up to 10 s, so a retry would outlive the invocation
    setInvocationDeadline(() => 5_000);
    try {
      answers.push({ status: 500, body: '{"__type":"InternalServiceError","message":"oops"}' }, { status: 200, body: '{"ok":true}' });
      await expect(client().call('PutSecretValue', {})).rejects.toMatchObject({ name: 'InternalServiceError' });
      expect(seen).toHaveLength(1);
    } finally {
      setInvocationDeadline(() => Number.POSITIVE_INFINITY);
    }
  });
});
