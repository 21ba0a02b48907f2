import * as https from 'https';
import { JfrogAuth, JfrogClient } from '../../src/handler/jfrog-client';
import { JfrogEmulator } from '../emulators/jfrog-emulator';

// the Access API client against the JFrog emulator (HTTPS on 127.0.0.1)

let jfrog: JfrogEmulator;
let evil: JfrogEmulator;
let admin: JfrogAuth;

beforeAll(async () => {
  jfrog = await JfrogEmulator.start();
  // a second host trusted by the same CA: the worst case for a request that goes astray
  evil = await JfrogEmulator.start(jfrog.tls);
  admin = { kind: 'bearer', token: jfrog.seedToken('admin', 'applied-permissions/admin'), source: 'the test admin token' };
});
afterAll(async () => {
  await evil.stop();
  await jfrog.stop();
});
afterEach(() => jfrog.clearFaults());

function client(base = jfrog.url, remainingMs: () => number = () => 60_000): JfrogClient {
  return new JfrogClient(new URL(base), { remainingMs, agent: new https.Agent({ ca: jfrog.tls.ca }), backoffBaseMs: 10 });
}

const mint = { username: 'ci-bot', scope: 'applied-permissions/user', expiresInSeconds: 86400 * 30, description: 'cdk-jfrog-token-rotation: test version 1' };

test('a base URL whose path names another host is refused before anything is sent', async () => {
  const base = `${jfrog.url}//${new URL(evil.url).host}`;
  await expect(client(base).createToken(admin, mint)).rejects.toThrow(/refused to send a credential .* would reach https:\/\/127.0.0.1:\d+, not the configured JFrog/);
  expect(evil.requests).toEqual([]);
});

test('a request goes to the configured origin, under its base path', async () => {
  const requests = jfrog.requests.length;
  await client(`${jfrog.url}/base`).whoAmI(admin.kind === 'bearer' ? admin.token : '').catch(() => undefined);
  expect(jfrog.requests.slice(requests).map((r) => r.path)).toEqual(['/base/access/api/v1/tokens/me']);
});

test('DELETE answered 404: gone only with Access\'s NOT_FOUND body; a bare 404 (a proxy, a wrong path) is an error', async () => {
  jfrog.inject({ method: 'DELETE', status: 404, body: JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: 'Token not found' }] }) });
  await expect(client().revoke(admin, 'some-id')).resolves.toBe('already-gone');
  jfrog.inject({ method: 'DELETE', status: 404, body: '<html>not here</html>' });
  await expect(client().revoke(admin, 'some-id')).rejects.toThrow(/HTTP 404/);
});

test('a mint is not started when it could not finish within the invocation, even after a back-off', async () => {
  jfrog.inject({ method: 'POST', status: 429, headers: { 'retry-after': '0' } });
  const posts = () => jfrog.requests.filter((r) => r.method === 'POST').length;
  const before = posts();
  // 30 s left at the first attempt; the 429 and its back-off leave 15 s, too little to mint and store
  let left = 30_000;
  jfrog.once('request', () => { left = 15_000; });
  await expect(client(jfrog.url, () => left).createToken(admin, mint)).rejects.toThrow(/too little to POST \/access\/api\/v1\/tokens .* nothing was sent/);
  expect(posts()).toBe(before + 1);
});

test('the list by description prefix returns only tokens whose description starts with it', async () => {
  const c = client();
  const ours = await c.createToken(admin, { ...mint, description: 'cdk-jfrog-token-rotation: arn:x:secret:a-AbCdEf version 1' });
  await c.createToken(admin, { ...mint, description: 'cdk-jfrog-token-rotation: arn:x:secret:a-AbCdEf-XyZ123 version 1' });
  const found = await c.tokensWithDescriptionPrefix(admin, 'cdk-jfrog-token-rotation: arn:x:secret:a-AbCdEf version ');
  expect(found.map((t) => t.tokenId)).toEqual([ours.tokenId]);
});

test('a user looking up another user\'s token is refused (403), never told it is gone', async () => {
  jfrog.addUser('ci-bot');
  jfrog.addUser('someone');
  const theirs = jfrog.validToken(jfrog.seedToken('someone', 'applied-permissions/user'))!;
  const user: JfrogAuth = { kind: 'bearer', token: jfrog.seedToken('ci-bot', 'applied-permissions/user'), source: 'the token of ci-bot' };
  await expect(client().tokenInfo(user, theirs.id)).rejects.toMatchObject({ name: 'JfrogError', status: 403 });
  expect(await client().tokenInfo(admin, theirs.id)).toMatchObject({ tokenId: theirs.id });
});

describe('a JFrog before 7.53.1', () => {
  afterEach(() => { jfrog.version = '7.104.5'; });

  test('a token is verified by reading its own entry by id; a short-lived token it cannot find names the version and the threshold', async () => {
    jfrog.version = '7.46.0';
    const minted = await client().createToken(admin, mint);
    expect(await client().whoAmI(minted.accessToken, minted.tokenId)).toMatchObject({ tokenId: minted.tokenId });
    const short = await client().createToken(admin, { ...mint, expiresInSeconds: 2 * 3600 });
    const error = await client().whoAmI(short.accessToken, short.tokenId).catch((e) => e);
    expect(error.message).toMatch(/no \/access\/api\/v1\/tokens\/me \(Artifactory before 7\.53\.1\).*not stored\. Raise tokenLifetime to 3 hours or more, or upgrade Artifactory to 7\.53\.1\+/);
    expect(error.message).not.toMatch(/jfrogUrl/);
  });
});

test('basic credentials before 7.63.2 cannot mint (JFrog\'s Create Token reference): the message names 7.63.2 and the admin token; from 7.63.2 they mint', async () => {
  jfrog.addUser('root', { password: 'r00t-Passw0rd!', admin: true });
  const basic: JfrogAuth = { kind: 'basic', username: 'root', password: 'r00t-Passw0rd!', source: 'the credential in a secret' };
  try {
    jfrog.version = '7.63.1';
    const error = await client().createToken(basic, mint).catch((e) => e);
    expect(error.message).toMatch(/HTTP 401: UNAUTHORIZED Unsupported authentication method Basic\)\. JFrog did not accept the username and password .* older than Artifactory 7\.63\.2, the first that lets basic credentials create tokens .* use an admin token \(JfrogCredentials\.adminToken\)/);
    jfrog.version = '7.63.2';
    expect((await client().createToken(basic, mint)).accessToken).toMatch(/^ey/);
  } finally {
    jfrog.version = '7.104.5';
  }
});

test('a 403 on a mint names the setting to change: "Token Generation via API" for basic credentials, token.max-expiry otherwise', async () => {
  jfrog.addUser('root', { password: 'r00t-Passw0rd!', admin: true });
  jfrog.basicAuthTokenCreation = false;
  try {
    const basic: JfrogAuth = { kind: 'basic', username: 'root', password: 'r00t-Passw0rd!', source: 'the credential in a secret' };
    await expect(client().createToken(basic, mint)).rejects.toThrow(/"Enable Token Generation via API" on \(Artifactory 7\.63\.2\+/);
  } finally {
    jfrog.basicAuthTokenCreation = true;
  }
  jfrog.addUser('ci-bot');
  jfrog.maxExpirySeconds = 86_400;
  try {
    const user: JfrogAuth = { kind: 'bearer', token: jfrog.seedToken('ci-bot', 'applied-permissions/user'), source: 'the token of ci-bot' };
    await expect(client().createToken(user, mint)).rejects.toThrow(/longer than the server's token\.max-expiry .* shorten tokenLifetime to within the server's token\.max-expiry/);
  } finally {
    jfrog.maxExpirySeconds = 0;
  }
});

describe('a refused IAM role exchange names its cause: JFrog does not document its answers, so the body decides', () => {
  const signed = { kind: 'aws-sigv4', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00' }, source: 'the role' } as Extract<JfrogAuth, { kind: 'aws-sigv4' }>;
  const refusal = async (status: number, body: string) => {
    jfrog.inject({ path: '/access/api/v1/aws/token', status, body, headers: { 'content-type': 'application/json' } });
    return (await client().exchangeAwsRole(signed, 'eu-west-1', 3600).catch((e) => e)).message as string;
  };

  test.each([
    ['SignatureDoesNotMatch', 'Failed to authenticate the AWS identity with STS: SignatureDoesNotMatch: The request signature we calculated does not match'],
    ['InvalidClientTokenId', 'STS: InvalidClientTokenId: The security token included in the request is invalid.'],
    ['ExpiredToken', 'STS: ExpiredToken: The security token included in the request is expired'],
  ])('STS refused the signature (%s): the message names the signature, not the mapping', async (_code, message) => {
    const said = await refusal(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message }] }));
    expect(said).toMatch(/could not verify the function's IAM role \(HTTP 401: .*STS did not accept the signed GetCallerIdentity request .* covers host, x-amz-date and x-amz-security-token/);
    expect(said).toMatch(/mapping it again changes nothing/);
    expect(said).not.toMatch(/PUT \/access\/api\/v1\/aws\/iam_role/);
  });

  test('a role JFrog says is not mapped: the message names the mapping call only', async () => {
    const said = await refusal(403, JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'IAM role arn:aws:iam::123456789012:role/r is not mapped to a user' }] }));
    expect(said).toMatch(/the role is not mapped to a JFrog user\. An admin must map the role to a JFrog user once: PUT \/access\/api\/v1\/aws\/iam_role/);
    expect(said).not.toMatch(/STS did not accept/);
  });

  test.each([[401, ''], [403, '{"errors":[{"code":"FORBIDDEN","message":"Forbidden"}]}']])('a %s that says neither names both causes, and how to tell them apart', async (status, body) => {
    const said = await refusal(status, body);
    expect(said).toMatch(new RegExp(`HTTP ${status}.*without saying why\\. Either the role is not mapped .*PUT /access/api/v1/aws/iam_role.*GET /access/api/v1/aws/iam_role/<user> shows a mapping.*or STS did not accept the signed GetCallerIdentity request`));
  });
});

test('before 7.90.10 there is no IAM role exchange: the message names the version, not jfrogUrl', async () => {
  jfrog.version = '7.89.0';
  try {
    const signed: JfrogAuth = { kind: 'aws-sigv4', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00' }, source: 'the role' };
    const error = await client().exchangeAwsRole(signed as Extract<JfrogAuth, { kind: 'aws-sigv4' }>, 'eu-west-1', 3600).catch((e) => e);
    expect(error.message).toMatch(/no AWS IAM role exchange .* needs Artifactory 7\.90\.10\+/);
    expect(error.message).not.toMatch(/set jfrogUrl/);
  } finally {
    jfrog.version = '7.104.5';
  }
});

describe('a 400 names the revocable threshold only where it applies', () => {
  const invalid = JSON.stringify({ errors: [{ code: 'BAD_REQUEST', message: 'Invalid request' }] });

  test('a mint of 30 days refused with 400: the hint names the scope, not the 6-hour threshold', async () => {
    jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', status: 400, body: invalid });
    const error = await client().createToken(admin, mint).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/HTTP 400: BAD_REQUEST Invalid request\). .*check the scope/);
    expect((error as Error).message).not.toMatch(/6 hours|revocable/);
  });

  test('a mint of 1 hour refused with 400: the hint says the lifetime is under the threshold', async () => {
    jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', status: 400, body: invalid });
    await expect(client().createToken(admin, { ...mint, expiresInSeconds: 3600 }))
      .rejects.toThrow(/check the scope.*tokenLifetime \(3600 seconds\) is under JFrog's revocable-expiry-threshold \(6 hours by default\)/);
  });

  test('a revocation refused as "Token not revocable": the hint names the threshold and force_revocable', async () => {
    jfrog.inject({ method: 'DELETE', status: 400, body: JSON.stringify({ code: 'BAD_REQUEST', message: 'Token not revocable', detail: 'revocableExpiryThresholdMillis: 21600000' }) });
    await expect(client().revoke(admin, 'some-id')).rejects.toThrow(/will not revoke this token: .*revocable-expiry-threshold \(6 hours by default\) without force_revocable/);
  });

  test('a revocation refused with another 400: no word of the threshold', async () => {
    jfrog.inject({ method: 'DELETE', status: 400, body: invalid });
    const error = await client().revoke(admin, 'some-id').catch((e: Error) => e);
    expect((error as Error).message).toMatch(/HTTP 400/);
    expect((error as Error).message).not.toMatch(/6 hours|revocable/);
  });
});
