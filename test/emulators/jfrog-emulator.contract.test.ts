import { spawnSync } from 'child_process';
import * as https from 'https';
import { JfrogEmulator } from './jfrog-emulator';
import { motoPython } from './moto';

// the emulator against JFrog's contract: requests as JFrog's docs or JFrog's own clients send them,
// and the answers they document or expect (status, error body, field names, version gates). each
// case names where it comes from. what no JFrog source documents is marked "emulator's choice",
// so that a wrong guess is visible; the handler's tests run against this emulator, so what holds
// here is what they stand on.
//
// sources, named below by their short form:
// - [create]   JFrog REST APIs "Create Token" (jfrog.com/help/r/jfrog-rest-apis/create-token,
//              docs.jfrog.com/administration/reference/access-tokens) and "Create Token API Examples"
// - [get]      "Get Token by ID" (jfrog.com/help/r/jfrog-rest-apis/get-token-by-id)
// - [list]     "Get Tokens" (jfrog.com/help/r/jfrog-rest-apis/get-tokens)
// - [revoke]   "Revoke Token by ID" (jfrog.com/help/r/jfrog-rest-apis/revoke-token-by-id)
// - [client-go] jfrog/jfrog-client-go access/services/accesstoken.go and auth/authutils.go
// - [vault]    jfrog/vault-plugin-secrets-artifactory artifactory.go
// - [rotator]  jfrog/jfrog-secret-rotator-lambda lambda_function.py (botocore SigV4Auth)
// - [provider] jfrog/jfrog-credentials-provider internal/handlers/jfrog.go, internal/sign/signer.go,
//              and its pull request 64 ("Artifactory reconstructs [the host] via X-Amz-Region-Set")
// - [tf]       jfrog/terraform-provider-platform aws_iam_role resource (the mapping endpoints)

let jfrog: JfrogEmulator;
let admin: string;
let user: string;

beforeAll(async () => {
  jfrog = await JfrogEmulator.start();
  jfrog.addUser('admin', { admin: true, password: 'Adm1n-Passw0rd!' });
  jfrog.addUser('ci-bot', { password: 'C1-bot-Passw0rd!' });
  jfrog.addUser('other');
  admin = jfrog.seedToken('admin', 'applied-permissions/admin');
  user = jfrog.seedToken('ci-bot', 'applied-permissions/user');
});
afterAll(() => jfrog.stop());
afterEach(() => {
  jfrog.version = '7.104.5';
  jfrog.maxExpirySeconds = 0;
  jfrog.basicAuthTokenCreation = true;
});

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: any;
}

interface CallOptions {
  readonly bearer?: string;
  readonly basic?: [string, string];
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** one request to the emulator, as a client would send it */
function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.basic) headers.authorization = `Basic ${Buffer.from(options.basic.join(':')).toString('base64')}`;
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  return new Promise((resolve, reject) => {
    const req = https.request(`${jfrog.url}${path}`, { method, headers, ca: jfrog.tls.ca }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Access's wrapped error body: {"errors":[{"code": ..., "message": ...}]} ([vault] errorResponse, createTokenErrorResponse) */
const wrapped = (code: string) => ({ errors: [expect.objectContaining({ code, message: expect.any(String) })] });

describe('audience: a token is for the services it names ([create]: "audience: a space-separated list of the other instances or services that should accept this token identified by their Service-IDs"; default *@*)', () => {
  test.each([
    ['*@*', 200], ['jfrt@* jfac@*', 200], ['jfac@*', 200], ['*@01emulator0000000000000000', 200], ['jfrt@*', 401], ['jfrt@* jfxr@*', 401], ['jfac@01other', 401],
  ])('a token minted for %s: its aud claim, and Access (jfac) answering %s at /tokens/me (the 401 for a token not meant for Access is an assumption)', async (audience, status) => {
    const minted = await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', scope: 'applied-permissions/user', audience } });
    expect(minted.status).toBe(200);
    const claims = JSON.parse(Buffer.from(minted.json.access_token.split('.')[1], 'base64url').toString());
    expect(claims.aud).toBe(audience);
    expect((await call('GET', '/access/api/v1/tokens/me', { bearer: minted.json.access_token })).status).toBe(status);
  });
});

describe('create: POST /access/api/v1/tokens', () => {
  test('a JSON body as jfrog-client-go sends it: 200 with token_id, access_token, expires_in (a number), scope, token_type, refresh_token, reference_token ([create], [client-go] CreateTokenResponseData)', async () => {
    const answer = await call('POST', '/access/api/v1/tokens', {
      bearer: admin,
      json: { grant_type: 'client_credentials', username: 'ci-bot', scope: 'applied-permissions/user', expires_in: 86_400, refreshable: true, description: 'contract', audience: '*@*', include_reference_token: true },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      token_id: expect.any(String),
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expires_in: 86_400,
      scope: 'applied-permissions/user',
      token_type: expect.any(String),
      refresh_token: expect.any(String),
      // 7.38.10+ ([create]: "Generate a reference token in addition to the full token. Since 7.38.10")
      reference_token: expect.stringMatching(/^cmVmd/),
    });
    // the JWT's jti is the token_id (JFrog's CLI and [vault] getTokenInfo read it so)
    const claims = JSON.parse(Buffer.from(answer.json.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ jti: answer.json.token_id, sub: expect.stringMatching(/\/users\/ci-bot$/), scp: 'applied-permissions/user' });
  });

  test('a form body, as the docs\' curl sample sends it, for the token\'s own user by default ([create]: "application/x-www-form-urlencoded or application/json (both are supported)"; username defaults to the subject)', async () => {
    const answer = await call('POST', '/access/api/v1/tokens', { bearer: user, form: { scope: 'applied-permissions/user' } });
    expect(answer.status).toBe(200);
    expect(jfrog.validToken(answer.json.access_token)?.username).toBe('ci-bot');
  });

  test.each([
    ['expires_in not a number', { expires_in: 'soon' }],
    ['a scope over 500 characters', { scope: `applied-permissions/groups:${'g'.repeat(500)}` }],
    ['a description over 1024 characters', { description: 'd'.repeat(1025) }],
  ])('400 for invalid input: %s ([create]: "400 Invalid input", the 500 and 1024 character limits)', async (_what, fields) => {
    const answer = await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', ...fields } });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(wrapped('BAD_REQUEST'));
  });

  test('401 without a valid credential ([create]: "401 Unauthenticated")', async () => {
    expect((await call('POST', '/access/api/v1/tokens', { json: { username: 'ci-bot' } })).status).toBe(401);
    const answer = await call('POST', '/access/api/v1/tokens', { bearer: 'not-a-token', json: { username: 'ci-bot' } });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual(wrapped('UNAUTHORIZED'));
  });

  test.each([
    ['the admin scope', { username: 'ci-bot', scope: 'applied-permissions/admin' }],
    ['another user', { username: 'other' }],
    ['longer than token.max-expiry', { username: 'ci-bot', expires_in: 2 * 86_400 }],
  ])('403 for a non-admin asking for %s ([create]: non-admins "can only create Identity Tokens", 403 when expires_in "is higher than the limit defined by the admin")', async (_what, fields) => {
    jfrog.maxExpirySeconds = 86_400;
    const answer = await call('POST', '/access/api/v1/tokens', { bearer: user, json: fields });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual(wrapped('FORBIDDEN'));
  });

  test('basic credentials: refused before 7.63.2, a token from 7.63.2, a 403 with "Enable Token Generation via API" off ([create]: "From Artifactory 7.63.2, users with basic credentials can create tokens"; [client-go] handleUnauthenticated says the same)', async () => {
    const basic: [string, string] = ['ci-bot', 'C1-bot-Passw0rd!'];
    jfrog.version = '7.63.1';
    const before = await call('POST', '/access/api/v1/tokens', { basic, json: { username: 'ci-bot' } });
    // the status and words before 7.63.2 are the emulator's choice: 401 is [create]'s
    // "Unauthenticated"; the words are those JFrog's KB 000006692 quotes for Basic refused here
    expect([before.status, before.json]).toEqual([401, { errors: [{ code: 'UNAUTHORIZED', message: 'Unsupported authentication method Basic' }] }]);
    jfrog.version = '7.63.2';
    expect((await call('POST', '/access/api/v1/tokens', { basic, json: { username: 'ci-bot' } })).status).toBe(200);
    jfrog.basicAuthTokenCreation = false;
    // 403 for the setting off: the emulator's choice (JFrog documents the setting, not its status)
    expect((await call('POST', '/access/api/v1/tokens', { basic, json: { username: 'ci-bot' } })).status).toBe(403);
  });

  test('force_revocable counts from 7.50.3 ([create]: "Since 7.50.3"); a token under 6 hours without it cannot be revoked ([revoke] 400)', async () => {
    const mint = async () => (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', expires_in: 3600 * 4, force_revocable: true } })).json.token_id;
    jfrog.version = '7.50.2';
    const old = await mint();
    jfrog.version = '7.50.3';
    const revocable = await mint();
    expect((await call('DELETE', `/access/api/v1/tokens/${revocable}`, { bearer: admin })).status).toBe(200);
    const refused = await call('DELETE', `/access/api/v1/tokens/${old}`, { bearer: admin });
    // the flat body Access answers with here (jfrog/jfrog-client-go issue 753)
    expect([refused.status, refused.json]).toEqual([400, expect.objectContaining({ code: 'BAD_REQUEST', message: 'Token not revocable' })]);
  });
});

describe('refresh: POST /access/api/v1/tokens with grant_type=refresh_token (7.37.9+)', () => {
  test('as Vault sends it (grant_type and refresh_token only), then as jfrog-client-go sends it (refreshable: true): each a new token_id and a new refresh_token; a spent refresh token gets 404 NOT_FOUND ([create] "Refresh Token since 7.37.9"; [vault] RefreshToken; [client-go] prepareForRefresh; jfrog/jfrog-cli issue 2490)', async () => {
    const first = (await call('POST', '/access/api/v1/tokens', { bearer: user, json: { refreshable: true, expires_in: 86_400 } })).json;
    const second = await call('POST', '/access/api/v1/tokens', { bearer: user, json: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    expect(second.status).toBe(200);
    expect(second.json.token_id).not.toBe(first.token_id);
    expect(second.json.refresh_token).toEqual(expect.any(String));
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    const third = await call('POST', '/access/api/v1/tokens', { bearer: user, json: { grant_type: 'refresh_token', refresh_token: second.json.refresh_token, refreshable: true } });
    expect(third.status).toBe(200);
    const spent = await call('POST', '/access/api/v1/tokens', { bearer: user, json: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    expect([spent.status, spent.json]).toEqual([404, { errors: [{ code: 'NOT_FOUND', message: 'Token matching the provided refresh token was not found.' }] }]);
  });

  test('"The authenticated user must match the user of the access token being refreshed" ([create]); the 403 is the emulator\'s choice', async () => {
    const { refreshToken } = jfrog.seedRefreshableToken('other', 'applied-permissions/user');
    expect((await call('POST', '/access/api/v1/tokens', { bearer: user, json: { grant_type: 'refresh_token', refresh_token: refreshToken } })).status).toBe(403);
  });

  test('before 7.37.9 there is no refresh through the Access API: 400 (the status is the emulator\'s choice)', async () => {
    jfrog.version = '7.37.8';
    const { refreshToken } = jfrog.seedRefreshableToken('ci-bot', 'applied-permissions/user');
    expect((await call('POST', '/access/api/v1/tokens', { bearer: user, json: { grant_type: 'refresh_token', refresh_token: refreshToken } })).status).toBe(400);
  });
});

describe('revoke: DELETE /access/api/v1/tokens/{id}', () => {
  test('200 revokes (the token stops working), 204 once it is gone ([revoke]: "If the token ID is not found (e.g., already revoked) - return 204")', async () => {
    const minted = (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', expires_in: 86_400 } })).json;
    expect((await call('DELETE', `/access/api/v1/tokens/${minted.token_id}`, { bearer: admin })).status).toBe(200);
    expect((await call('GET', '/access/api/v1/tokens/me', { bearer: minted.access_token })).status).toBe(401);
    expect((await call('DELETE', `/access/api/v1/tokens/${minted.token_id}`, { bearer: admin })).status).toBe(204);
    expect((await call('DELETE', '/access/api/v1/tokens/no-such-id', { bearer: admin })).status).toBe(204);
  });

  test('a user revokes its own tokens, not another\'s (403); a token revokes itself ([revoke]: "A user can only revoke tokens on which the user is based on their username", 403, and the token used to authenticate)', async () => {
    const others = (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'other', expires_in: 86_400 } })).json;
    const refused = await call('DELETE', `/access/api/v1/tokens/${others.token_id}`, { bearer: user });
    expect([refused.status, refused.json]).toEqual([403, wrapped('FORBIDDEN')]);
    expect((await call('DELETE', `/access/api/v1/tokens/${others.token_id}`, { bearer: others.access_token })).status).toBe(200);
  });

  test('DELETE /tokens/me from 7.53.1 ([revoke]: "From Artifactory release 7.53.1 ... with me")', async () => {
    const mine = (await call('POST', '/access/api/v1/tokens', { bearer: user, json: { expires_in: 86_400 } })).json;
    expect((await call('DELETE', '/access/api/v1/tokens/me', { bearer: mine.access_token })).status).toBe(200);
    expect(jfrog.validToken(mine.access_token)).toBeUndefined();
  });
});

describe('get: GET /access/api/v1/tokens/{id} and /me', () => {
  test('an admin reads any token: token_id, subject, expiry, issued_at, issuer, description, refreshable ([get])', async () => {
    const minted = (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', expires_in: 86_400, description: 'read me' } })).json;
    const answer = await call('GET', `/access/api/v1/tokens/${minted.token_id}`, { bearer: admin });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(expect.objectContaining({
      token_id: minted.token_id,
      subject: expect.stringMatching(/^jfac@[^/]+\/users\/ci-bot$/),
      expiry: expect.any(Number),
      issued_at: expect.any(Number),
      issuer: expect.any(String),
      description: 'read me',
      refreshable: false,
    }));
  });

  test('a non-admin gets 403 for another user\'s token, 404 for an unknown id, 401 unauthenticated ([get] errors)', async () => {
    const others = (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'other', expires_in: 86_400 } })).json;
    expect((await call('GET', `/access/api/v1/tokens/${others.token_id}`, { bearer: user })).status).toBe(403);
    const unknown = await call('GET', '/access/api/v1/tokens/no-such-id', { bearer: admin });
    expect([unknown.status, unknown.json]).toEqual([404, wrapped('NOT_FOUND')]);
    expect((await call('GET', `/access/api/v1/tokens/${others.token_id}`)).status).toBe(401);
  });

  test('a token shorter-lived than the persistence threshold (3 hours by default) is not stored: 404 by id (JFrog\'s admin docs on persistent-expiry-threshold; the Terraform provider\'s "resource absent" reports)', async () => {
    const short = (await call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username: 'ci-bot', expires_in: 3600 } })).json;
    expect((await call('GET', `/access/api/v1/tokens/${short.token_id}`, { bearer: admin })).status).toBe(404);
  });

  test('/me from 7.53.1; before it `me` is read as a token id: 404 ([get]: "From Artifactory release 7.53.1 ... with me")', async () => {
    const me = await call('GET', '/access/api/v1/tokens/me', { bearer: user });
    expect([me.status, me.json.subject]).toEqual([200, expect.stringMatching(/\/users\/ci-bot$/)]);
    jfrog.version = '7.53.0';
    expect((await call('GET', '/access/api/v1/tokens/me', { bearer: user })).status).toBe(404);
  });
});

describe('list: GET /access/api/v1/tokens', () => {
  test('{"tokens": [...]}; an admin sees all, a user its own; description filters, with a wildcard only at the end; nothing found is 200 with an empty list ([list])', async () => {
    const mint = (username: string, description: string) => call('POST', '/access/api/v1/tokens', { bearer: admin, json: { username, expires_in: 86_400, description } });
    await mint('ci-bot', 'contract-list one');
    await mint('other', 'contract-list two');
    const all = await call('GET', `/access/api/v1/tokens?description=${encodeURIComponent('contract-list*')}`, { bearer: admin });
    expect(all.status).toBe(200);
    expect(all.json.tokens.map((t: any) => t.description).sort()).toEqual(['contract-list one', 'contract-list two']);
    expect(all.json.tokens[0]).toEqual(expect.objectContaining({
      token_id: expect.any(String), subject: expect.any(String), issued_at: expect.any(Number), issuer: expect.any(String), refreshable: false,
    }));
    const own = await call('GET', `/access/api/v1/tokens?description=${encodeURIComponent('contract-list*')}`, { bearer: user });
    expect(own.json.tokens.map((t: any) => t.description)).toEqual(['contract-list one']);
    const exact = await call('GET', `/access/api/v1/tokens?description=${encodeURIComponent('contract-list')}`, { bearer: admin });
    expect(exact.json).toEqual({ tokens: [] });
  });
});

describe('the AWS IAM role exchange: POST /access/api/v1/aws/token (7.90.10+)', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/contract-rotator';
  const REGION = 'eu-west-1';

  interface Signing {
    readonly secretAccessKey: string;
    readonly contentSha256?: boolean;
    readonly accessKeyId?: string;
    readonly sessionToken?: string;
  }
  const SIGNINGS = {
    asTheRotator: { secretAccessKey: 'contract-secret' },
    withContentSha256: { secretAccessKey: 'contract-secret', contentSha256: true },
    wrongSecret: { secretAccessKey: 'not-the-secret' },
    unknownKey: { secretAccessKey: 'contract-secret', accessKeyId: 'AKIDUNKNOWN' },
    otherSession: { secretAccessKey: 'contract-secret', sessionToken: 'stolen-session' },
  } satisfies Record<string, Signing>;
  let signed: Record<keyof typeof SIGNINGS, Record<string, string>>;

  /**
   * STS GetCallerIdentity requests signed by botocore, the code JFrog's rotator runs ([rotator]
   * getCredentials: AWSRequest GET https://sts.<region>.amazonaws.com/ with Action and Version,
   * SigV4Auth(credentials, 'sts', region).add_auth), in one Python process; `contentSha256` signs
   * with botocore's S3 signer instead, which adds and signs x-amz-content-sha256, as the AWS SDK
   * for JavaScript's signer does by default
   */
  function botocoreSigned(signings: Record<string, Signing>): Record<string, Record<string, string>> {
    const script = [
      'import json, sys',
      'from botocore.auth import SigV4Auth, S3SigV4Auth',
      'from botocore.awsrequest import AWSRequest',
      'from botocore.credentials import Credentials',
      'todo = json.load(sys.stdin)',
      'out = {}',
      'for name, s in todo["signings"].items():',
      '    region = todo["region"]',
      '    creds = Credentials(s.get("accessKeyId", "AKIDCONTRACT"), s["secretAccessKey"], s.get("sessionToken", "contract-session"))',
      '    req = AWSRequest(method="GET", url=f"https://sts.{region}.amazonaws.com/",',
      '                     params={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, data=None)',
      '    (S3SigV4Auth if s.get("contentSha256") else SigV4Auth)(creds, "sts", region).add_auth(req)',
      '    out[name] = dict(req.headers)',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync(motoPython(), ['-c', script], { encoding: 'utf8', input: JSON.stringify({ region: REGION, signings }), env: { PATH: process.env.PATH } });
    if (run.status !== 0) throw new Error(`botocore could not sign: ${run.stderr}`);
    return JSON.parse(run.stdout);
  }

  /** the exchange as [rotator] sends it: the signed headers, content-type, x-amz-region-set, ?region=, {"expires_in": SECRET_TTL} (a string there) */
  const exchange = (headers: Record<string, string>, expiresIn: unknown = '21600') => call('POST', `/access/api/v1/aws/token?region=${REGION}`, {
    headers: { ...headers, 'content-type': 'application/json', 'x-amz-region-set': REGION },
    body: JSON.stringify({ expires_in: expiresIn }),
  });

  beforeAll(() => {
    jfrog.awsKeys.set('AKIDCONTRACT', { secretAccessKey: 'contract-secret', roleArn: ROLE, sessionToken: 'contract-session' });
    // good for 15 minutes (STS's window), which the tests below stay well within
    signed = botocoreSigned(SIGNINGS) as typeof signed;
  });
  afterEach(() => {
    jfrog.awsForwardedHeaders = ['host', 'x-amz-date', 'x-amz-security-token', 'authorization'];
  });

  test('the mapping: PUT /access/api/v1/aws/iam_role {username, iam_role} by an admin; a non-admin is refused; the role ARN is checked ([tf]; [rotator] terraform-example)', async () => {
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: user, json: { username: 'ci-bot', iam_role: ROLE } })).status).toBe(403);
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: admin, json: { username: 'ci-bot', iam_role: 'arn:aws:iam::1:user/x' } })).status).toBe(400);
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: admin, json: { username: 'ci-bot', iam_role: ROLE } })).status).toBe(200);
  });

  test('one role per user: mapping a second role to a user replaces the first, which then maps to no one ([tf] keyed by username; GET .../iam_role/<user> answers with one role)', async () => {
    const second = ROLE.replace(/role\/(.*)$/, 'role/$1-second');
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: admin, json: { username: 'CI-Bot', iam_role: ROLE } })).status).toBe(200);
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: admin, json: { username: 'ci-bot', iam_role: second } })).status).toBe(200);
    expect([jfrog.iamRoleMappings.get(ROLE), jfrog.iamRoleMappings.get(second)]).toEqual([undefined, 'ci-bot']);
    jfrog.iamRoleMappings.delete(second);
  });

  test('a request as JFrog\'s rotator sends it is exchanged: access_token and username ([rotator] reads them), with token_id, scope, token_type, expires_in ([provider] AwsRoleAccessResponse); the token works', async () => {
    jfrog.iamRoleMappings.set(ROLE, 'ci-bot');
    // botocore signs exactly these ([rotator]): no x-amz-content-sha256
    expect(signed.asTheRotator.Authorization).toMatch(/SignedHeaders=host;x-amz-date;x-amz-security-token,/);
    const answer = await exchange(signed.asTheRotator);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ access_token: expect.any(String), username: 'ci-bot', token_id: expect.any(String), scope: 'applied-permissions/user', token_type: 'Bearer', expires_in: 21_600 });
    expect((await call('GET', '/access/api/v1/tokens/me', { bearer: answer.json.access_token })).status).toBe(200);
    // [provider] sends expires_in as a number
    expect((await exchange(signed.asTheRotator, 3600)).json.expires_in).toBe(3600);
  });

  test('a signature over x-amz-content-sha256, which JFrog does not forward to STS, is refused; a JFrog that forwarded it would accept it (awsForwardedHeaders)', async () => {
    jfrog.iamRoleMappings.set(ROLE, 'ci-bot');
    expect(signed.withContentSha256.Authorization).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
    const refused = await exchange(signed.withContentSha256);
    expect([refused.status, refused.json]).toEqual([401, { errors: [{ code: 'UNAUTHORIZED', message: expect.stringMatching(/SignatureDoesNotMatch/) }] }]);
    jfrog.awsForwardedHeaders = ['host', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'authorization'];
    expect((await exchange(signed.withContentSha256)).status).toBe(200);
  });

  test.each([
    ['a wrong secret key', 'wrongSecret', 'SignatureDoesNotMatch'],
    ['an access key STS does not know', 'unknownKey', 'InvalidClientTokenId'],
    ['another session token', 'otherSession', 'InvalidClientTokenId'],
  ] as const)('STS refuses %s: 401 naming STS\'s error code (AWS\'s common errors; what JFrog answers then is the emulator\'s choice)', async (_what, signing, code) => {
    jfrog.iamRoleMappings.set(ROLE, 'ci-bot');
    const answer = await exchange(signed[signing]);
    expect([answer.status, answer.json.errors[0].message]).toEqual([401, expect.stringContaining(code)]);
  });

  test('a role nobody mapped: 403 naming the role (the emulator\'s choice: JFrog documents no error for it)', async () => {
    jfrog.iamRoleMappings.delete(ROLE);
    const answer = await exchange(signed.asTheRotator);
    expect([answer.status, answer.json]).toEqual([403, { errors: [{ code: 'FORBIDDEN', message: expect.stringContaining(ROLE) }] }]);
  });

  test('before 7.90.10 there is no exchange: 404 ([tf]: "Only available for Artifactory 7.90.10 or later")', async () => {
    jfrog.version = '7.89.0';
    expect((await exchange(signed.asTheRotator)).status).toBe(404);
    expect((await call('PUT', '/access/api/v1/aws/iam_role', { bearer: admin, json: { username: 'ci-bot', iam_role: ROLE } })).status).toBe(404);
  });
});
