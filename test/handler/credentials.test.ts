import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RotationConfig } from '../../src/handler/config';
import { clearCredentialCache, mintingAuth, revokingAuth } from '../../src/handler/credentials';
import { forgetSecrets, redact } from '../../src/handler/redact';
import { StepContext } from '../../src/handler/step-context';

// which credential a step sends to JFrog, and how it is read from its secret: against a store
// that holds the values in memory and counts its reads

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const CREDS = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin-XyZabc';

function context(kind: RotationConfig['credentialsKind'], credential: string | undefined, options: { field?: string; failRead?: boolean } = {}) {
  const reads: string[] = [];
  const store = {
    getValue: async (secretId: string, selector: { stage?: string }) => {
      reads.push(`${secretId}@${selector.stage}`);
      if (options.failRead) throw Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
      return credential;
    },
  };
  const config = {
    credentialsKind: kind,
    credentialsSecretArn: kind === 'SELF_ROTATING' ? undefined : CREDS,
    credentialsField: options.field ?? 'token',
    tokenField: 'token',
    username: 'ci-bot',
  } as RotationConfig;
  return { ctx: { config, store, arn: ARN } as unknown as StepContext, reads };
}

/** a context whose JFrog exchanges the role for a new token each time, recording what was sent */
function iamContext(jfrogUrl = 'https://acme.jfrog.io') {
  const sent: Array<{ headers: Record<string, string>; source: string }> = [];
  const ctx = {
    config: { credentialsKind: 'AWS_IAM_ROLE', jfrogUrl: new URL(jfrogUrl) },
    arn: ARN,
    store: {
      identity: async () => ({
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG', sessionToken: 'session-t0ken-value' },
        region: 'eu-west-1',
        sha256: new SecretsManagerClient({ region: 'eu-west-1' }).config.sha256,
      }),
    },
    jfrog: {
      exchangeAwsRole: async (auth: { headers: Record<string, string>; source: string }) => {
        sent.push(auth);
        return { accessToken: `exchanged-t0ken-${new URL(jfrogUrl).host}-${sent.length}`, username: 'token-rotator' };
      },
    },
  } as unknown as StepContext;
  return { ctx, sent };
}

/** sets what Date.now() answers, so that a test can step through the cache's minute */
function clock(): { at(ms: number): void } {
  const start = Date.now();
  let now = start;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  return { at: (ms) => { now = start + ms; } };
}

beforeEach(() => {
  clearCredentialCache();
  forgetSecrets();
});
afterEach(() => jest.restoreAllMocks());

describe('an admin token', () => {
  test('from the configured field of a JSON object, registered for redaction', async () => {
    const { ctx } = context('ADMIN_TOKEN', JSON.stringify({ adminToken: 'admin-t0ken-value', note: 'x' }), { field: 'adminToken' });
    expect(await mintingAuth(ctx, { fields: {} })).toEqual({ kind: 'bearer', token: 'admin-t0ken-value', source: `the credential in ${CREDS}` });
    expect(redact('sent admin-t0ken-value')).toBe('sent ***');
  });

  test('as the whole plain-text value, trimmed', async () => {
    const { ctx } = context('ADMIN_TOKEN', '  plain-admin-t0ken\n');
    expect(await mintingAuth(ctx, { fields: {} })).toMatchObject({ kind: 'bearer', token: 'plain-admin-t0ken' });
  });

  test.each([
    [JSON.stringify({ other: 'x' }), /has no "token" string; put the admin token there/],
    [JSON.stringify({ token: '' }), /has no "token" string/],
    ['   ', /is empty; put the admin token into it/],
  ])('a credential without a token says where to put it: %s', async (value, message) => {
    const { ctx } = context('ADMIN_TOKEN', value);
    await expect(mintingAuth(ctx, { fields: {} })).rejects.toMatchObject({ name: 'CredentialError', message: expect.stringMatching(message) });
  });

  test('a missing or unreadable credential secret names the secret and what to check', async () => {
    await expect(mintingAuth(context('ADMIN_TOKEN', undefined).ctx, { fields: {} })).rejects.toThrow(/does not exist or has no value; put the JFrog credential into it/);
    await expect(mintingAuth(context('ADMIN_TOKEN', 'x', { failRead: true }).ctx, { fields: {} }))
      .rejects.toThrow(new RegExp(`${CREDS} could not be read \\(AccessDeniedException: not allowed\\)`));
  });

  test('read once for the steps of one rotation (a minute), afresh after clearCredentialCache', async () => {
    const { ctx, reads } = context('ADMIN_TOKEN', 'cached-admin-t0ken');
    await mintingAuth(ctx, { fields: {} });
    await revokingAuth(ctx, { fields: {}, token: 'new-token' });
    expect(reads).toEqual([`${CREDS}@AWSCURRENT`]);
    // a cached credential is registered again for this invocation's redaction
    forgetSecrets();
    await mintingAuth(ctx, { fields: {} });
    expect(redact('cached-admin-t0ken')).toBe('***');
    clearCredentialCache();
    await mintingAuth(ctx, { fields: {} });
    expect(reads).toHaveLength(2);
  });

  test('read afresh a minute after it was read, however often it was used meanwhile; the fresh read is then cached for its own minute', async () => {
    const { ctx, reads } = context('ADMIN_TOKEN', 'cached-admin-t0ken');
    const time = clock();
    const readsSoFar: number[] = [];
    for (const ms of [0, 30_000, 60_000, 90_000]) {
      time.at(ms);
      await mintingAuth(ctx, { fields: {} });
      readsSoFar.push(reads.length);
    }
    // read at 0 s, used at 30 s, read again at 60 s (a minute after the read, not after the use), used at 90 s
    expect(readsSoFar).toEqual([1, 1, 2, 2]);
  });
});

describe('a username and password', () => {
  test('basic credentials; the password and the Basic header\'s base64 are registered', async () => {
    const { ctx } = context('USERNAME_PASSWORD', JSON.stringify({ username: 'admin', password: 'pa55word!' }));
    expect(await mintingAuth(ctx, { fields: {} })).toEqual({ kind: 'basic', username: 'admin', password: 'pa55word!', source: `the credential in ${CREDS}` });
    expect(redact(`p=pa55word! h=${Buffer.from('admin:pa55word!').toString('base64')}`)).toBe('p=*** h=***');
  });

  test('revokes with the newest token, never with basic credentials (JFrog takes those for minting only)', async () => {
    const { ctx, reads } = context('USERNAME_PASSWORD', JSON.stringify({ username: 'admin', password: 'pa55word!' }));
    expect(await revokingAuth(ctx, { fields: {}, token: 'newest-t0ken' })).toMatchObject({ kind: 'bearer', token: 'newest-t0ken' });
    expect(reads).toEqual([]);
  });

  test.each([
    [JSON.stringify({ username: 'admin' })],
    [JSON.stringify({ username: '', password: 'x' })],
    [JSON.stringify({ username: 'admin', password: '' })],
    ['admin:pa55word'],
  ])('anything but both strings is refused with the form to use: %s', async (value) => {
    await expect(mintingAuth(context('USERNAME_PASSWORD', value).ctx, { fields: {} }))
      .rejects.toThrow(/must be a JSON object with "username" and "password" strings/);
  });
});

describe('a self-rotating token', () => {
  test('mints with the current token and revokes with the newest; reads no credential secret', async () => {
    const { ctx, reads } = context('SELF_ROTATING', undefined);
    expect(await mintingAuth(ctx, { fields: {}, token: 'current-t0ken' })).toMatchObject({ kind: 'bearer', token: 'current-t0ken' });
    expect(await revokingAuth(ctx, { fields: {}, token: 'newest-t0ken' })).toMatchObject({ kind: 'bearer', token: 'newest-t0ken' });
    expect(reads).toEqual([]);
  });

  test('without a seed, says how to seed it', async () => {
    await expect(mintingAuth(context('SELF_ROTATING', undefined).ctx, { fields: {} }))
      .rejects.toThrow(/holds no token in "token"; a self-rotating token needs a seed: put \{"token": "<a valid token of ci-bot>"\}/);
  });
});

test('an admin rotation revokes with the admin credential, whatever the newest token is', async () => {
  const { ctx } = context('ADMIN_TOKEN', 'the-admin-t0ken');
  expect(await revokingAuth(ctx, { fields: {}, token: 'newest-t0ken' })).toMatchObject({ token: 'the-admin-t0ken' });
});

describe('the function\'s IAM role, exchanged for a token', () => {
  test('the signed STS request and the session token are registered for redaction, the exchanged token too', async () => {
    const { ctx, sent } = iamContext();
    expect(await mintingAuth(ctx, { fields: {} })).toMatchObject({ kind: 'bearer', token: 'exchanged-t0ken-acme.jfrog.io-1' });
    const [{ headers }] = sent;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request/);
    // exactly what JFrog's own rotator signs (botocore's SigV4Auth, jfrog/jfrog-secret-rotator-lambda
    // lambda_function.py): JFrog forwards no x-amz-content-sha256 to STS, so it may not be signed
    expect(headers.authorization).toMatch(/, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(Object.keys(headers).map((k) => k.toLowerCase()).sort()).toEqual(['authorization', 'host', 'x-amz-date', 'x-amz-security-token']);
    expect(redact(`${headers.authorization} ${headers['x-amz-security-token']} exchanged-t0ken-acme.jfrog.io-1`)).toBe('*** *** ***');
  });

  test('exchanged once a minute per JFrog: the steps within it share the token, a minute later it is exchanged afresh', async () => {
    const acme = iamContext('https://acme.jfrog.io');
    const time = clock();
    const tokens: string[] = [];
    for (const ms of [0, 30_000, 60_000]) {
      time.at(ms);
      tokens.push((await mintingAuth(acme.ctx, { fields: {} }) as { token: string }).token);
    }
    expect(tokens).toEqual(['exchanged-t0ken-acme.jfrog.io-1', 'exchanged-t0ken-acme.jfrog.io-1', 'exchanged-t0ken-acme.jfrog.io-2']);
    // a rotation against another JFrog in the same warm function never gets a token of this one
    const other = iamContext('https://other.jfrog.io');
    expect(await mintingAuth(other.ctx, { fields: {} })).toMatchObject({ token: 'exchanged-t0ken-other.jfrog.io-1' });
  });
});

test('each credential names where it comes from, for the message when JFrog refuses it', async () => {
  const selfRotating = context('SELF_ROTATING', undefined).ctx;
  expect(await mintingAuth(selfRotating, { fields: {}, token: 'current-t0ken' }))
    .toMatchObject({ source: `the token in AWSCURRENT of ${ARN} (selfRotating)` });
  expect(await revokingAuth(selfRotating, { fields: {}, token: 'newest-t0ken' })).toMatchObject({ source: `the new token of ${ARN}` });
  const basic = context('USERNAME_PASSWORD', JSON.stringify({ username: 'admin', password: 'pa55word!' })).ctx;
  expect(await revokingAuth(basic, { fields: {}, token: 'newest-t0ken' })).toMatchObject({ source: `the new token of ${ARN}` });
  // the role itself signs the exchange; the token JFrog gives for it does the rest, fresh or cached
  const iam = iamContext();
  // naming the user the role is mapped to: a refusal to mint then says whose rights fell short
  const exchanged = 'the token JFrog exchanged for the function\'s IAM role (mapped to JFrog user \'token-rotator\')';
  expect(await mintingAuth(iam.ctx, { fields: {} })).toMatchObject({ source: exchanged });
  expect(await mintingAuth(iam.ctx, { fields: {} })).toMatchObject({ source: exchanged });
  expect(iam.sent).toEqual([expect.objectContaining({ source: 'the function\'s IAM role' })]);
});
