import { createHash, createHmac, randomUUID, timingSafeEqual } from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { makeTestTls, TestTls } from './tls';

/**
 * An emulator of JFrog's Access token API, written from JFrog's REST documentation:
 * POST/GET/DELETE /access/api/v1/tokens (create and refresh), /tokens/me, the error bodies (wrapped
 * {"errors":[{code,message}]} and the flat one for non-revocable tokens), JWT access tokens with
 * jti = token_id, expires_in, non-admin limits, the 3 h persistence and 6 h revocability
 * thresholds. Served over HTTPS with a throw-away CA; faults can be injected per request.
 */

export interface EmulatedToken {
  readonly id: string;
  readonly accessToken: string;
  readonly username: string;
  readonly scope: string;
  readonly issuedAt: number;
  /** seconds since the epoch; undefined for a non-expiring token */
  readonly expiry?: number;
  readonly description?: string;
  readonly revocable: boolean;
  readonly persistent: boolean;
  /** the short opaque form (`cmVmdGtu...`), when minted with include_reference_token */
  referenceToken?: string;
  /** the audience and project_key it was minted with, if any */
  audience?: string;
  projectKey?: string;
  /** its refresh token while unused (minted with refreshable); a refresh spends it */
  refreshToken?: string;
  /** a refreshed token: the description its refresh asked for (refreshDescription may keep or drop it) */
  askedDescription?: string;
  /** revoked by JFrog when it was refreshed (revokeOnRefresh), not by a DELETE */
  revokedByRefresh?: boolean;
  /** minted through the API (not seeded by a test) */
  readonly viaApi: boolean;
  revoked: boolean;
}

export interface Fault {
  readonly method?: string;
  /** the request path starts with this */
  readonly path?: string;
  /** the request path is exactly `path` (GET /access/api/v1/tokens, not /tokens/me) */
  readonly exactPath?: boolean;
  /** how many matching requests it hits (default 1) */
  readonly times?: number;
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** wait this long before answering (or before applying the rest of the fault) */
  readonly delayMs?: number;
  /** cut the connection without an answer */
  readonly destroy?: boolean;
  /** answer normally, but drop this field from the JSON answer */
  readonly dropField?: string;
  /** answer normally, but with these fields of the JSON answer set to these values */
  readonly setFields?: Record<string, unknown>;
  /**
   * carry the request out, then lose the answer: 'destroy' cuts the connection, a number answers
   * with that status instead (a proxy's 502 after JFrog did the work)
   */
  readonly loseAnswer?: 'destroy' | number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly auth: 'bearer' | 'basic' | 'none';
  status?: number;
  /** a POST to /tokens: its grant_type (client_credentials or refresh_token) */
  grantType?: string;
}

const ISSUER = 'jfac@01emulator0000000000000000';
const INSTANCE = ISSUER.split('@')[1];

/** whether an audience (space-separated `<service>@<instance>` ids, `*` wildcards) includes this Access */
function accessAccepts(audience: string | undefined): boolean {
  if (audience === undefined || audience.trim() === '') return true;
  return audience.split(/\s+/).some((id) => {
    const [service, instance = '*'] = id.split('@');
    return (service === '*' || service === 'jfac') && (instance === '*' || instance === INSTANCE);
  });
}
const HMAC_KEY = randomUUID();
const REVOCABLE_THRESHOLD_S = 6 * 3600;
const PERSISTENT_THRESHOLD_S = 3 * 3600;

export class JfrogEmulator extends EventEmitter {
  /** @param tls another emulator's CA and certificate (a second host the same CA vouches for); it stays its owner's */
  public static async start(tls?: TestTls): Promise<JfrogEmulator> {
    const emulator = new JfrogEmulator(tls ?? makeTestTls(), tls === undefined);
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', resolve));
    return emulator;
  }

  public readonly tokens = new Map<string, EmulatedToken>();
  public readonly requests: RecordedRequest[] = [];
  public readonly users = new Map<string, { password?: string; admin: boolean }>();
  /** "Enable Token Generation via API" for basic credentials */
  public basicAuthTokenCreation = true;
  /**
   * the AWS access keys STS knows (JFrog asks STS; the emulator plays STS with the test's keys),
   * the role each one is, and the session token that goes with a temporary key, if one must
   */
  public readonly awsKeys = new Map<string, { readonly secretAccessKey: string; readonly roleArn: string; readonly sessionToken?: string }>();
  /**
   * the headers of the exchange request JFrog passes on when it replays the signed STS call, host
   * included (rebuilt as STS's own host from the region, as JFrog "reconstructs it via
   * X-Amz-Region-Set when forwarding to AWS STS": jfrog/jfrog-credentials-provider pull request
   * 64). JFrog does not document the set; the default is the least that its own clients' signatures
   * need: jfrog/jfrog-secret-rotator-lambda (botocore) signs host;x-amz-date;x-amz-security-token,
   * and the Go clients (jfrog-credentials-provider, jfrog-registry-operator
   * `internal/sign/signer.go`) leave x-amz-content-sha256 out on purpose. A signature over any
   * other header fails here as it would at STS
   */
  public awsForwardedHeaders: readonly string[] = ['host', 'x-amz-date', 'x-amz-security-token', 'authorization'];
  /** each STS call the exchange made: the headers the signature covered and STS's error code, if any */
  public readonly stsCalls: Array<{ readonly signedHeaders: string; readonly error?: string }> = [];
  /** IAM role ARN -> JFrog user (PUT /access/api/v1/aws/iam_role) */
  public readonly iamRoleMappings = new Map<string, string>();
  /** token.max-expiry for non-admins, seconds; 0 = no cap */
  public maxExpirySeconds = 0;
  /** token.allow-refreshable: when false, non-admins' tokens come back without a refresh token */
  public allowRefreshable = true;
  /**
   * whether a refresh also revokes the token refreshed. JFrog's docs say the refresh gives "a
   * brand new access token" and do not say what becomes of the old one; jfrog-cli-core waits
   * for a token that "is refreshed and becomes invalid", and Vault's plugin README says a
   * refreshable token "gets replaced". So the default is the stricter reading; the tests run
   * both ways
   */
  public revokeOnRefresh = true;
  /**
   * the description of a refreshed token. JFrog's docs list a refresh's other parameters as
   * Create Token's, so 'asked' (the refresh request's, else the old token's) is the documented
   * reading; 'kept' (the old token's, whatever was asked) and 'dropped' (none) are what a JFrog
   * that ignores them would do: the sweep must work with each
   */
  public refreshDescription: 'asked' | 'kept' | 'dropped' = 'asked';
  /**
   * a token is accepted only by the services its audience names (JFrog: "the other instances or
   * services that should accept this token, identified by their Service IDs"; `*@*` all). Every
   * route the emulator serves is Access's (service `jfac`), so a token minted for `jfrt@*` alone
   * gets 401 here. The status is an assumption: JFrog documents none for it
   */
  public enforceAudience = true;
  /** every refresh token it ever gave out, spent or not (for the scan of what was printed) */
  public readonly refreshTokensIssued: string[] = [];
  /**
   * the Artifactory version it answers as: what the Access API does depends on it. before
   * 7.90.10 there is no AWS IAM role exchange; before 7.63.2 basic credentials cannot create
   * tokens; before 7.53.1 there is no /tokens/me (`me` is read as a token id); before 7.50.3
   * force_revocable is ignored; before 7.38.10 no reference tokens; before 7.37.9 no refresh
   */
  public version = '7.104.5';
  /** a base path it is served under (a self-hosted JFrog behind https://host/<base>), '' for none */
  public basePath = '';
  private faults: Array<Fault & { left: number }> = [];
  private readonly server: https.Server;

  private constructor(public readonly tls: TestTls, private readonly ownsTls: boolean) {
    super();
    this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      void this.handle(req, res);
    });
  }

  public get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    if (this.ownsTls) fs.rmSync(this.tls.dir, { recursive: true, force: true });
  }

  public addUser(name: string, options: { password?: string; admin?: boolean } = {}): void {
    this.users.set(name.toLowerCase(), { password: options.password, admin: options.admin ?? false });
  }

  /** a token made outside the API (an admin token a test seeds into a credential secret) */
  public seedToken(username: string, scope: string, expiresInSeconds = 365 * 86400): string {
    return this.mint(username.toLowerCase(), scope, expiresInSeconds, 'seeded by a test', false, true).accessToken;
  }

  /** a refreshable token made outside the API (a user's first token, refresh token included) */
  public seedRefreshableToken(username: string, scope: string, expiresInSeconds = 365 * 86400): { accessToken: string; refreshToken: string } {
    const token = this.mint(username.toLowerCase(), scope, expiresInSeconds, 'seeded by a test', false, true);
    token.refreshToken = this.newRefreshToken();
    return { accessToken: token.accessToken, refreshToken: token.refreshToken };
  }

  public inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  public clearFaults(): void {
    this.faults = [];
  }

  /** the stored token for an access token, if it is valid now */
  public validToken(accessToken: string | undefined): EmulatedToken | undefined {
    if (!accessToken) return undefined;
    // a reference token stands for its access token
    const byReference = accessToken.startsWith('cmVmd') ? [...this.tokens.values()].find((t) => t.referenceToken === accessToken) : undefined;
    const id = byReference?.id ?? this.verifyJwt(accessToken);
    const token = id ? this.tokens.get(id) : undefined;
    if (!token || (token.accessToken !== accessToken && token.referenceToken !== accessToken) || token.revoked) return undefined;
    if (token.expiry !== undefined && token.expiry <= Math.floor(Date.now() / 1000)) return undefined;
    return token;
  }

  /** API-minted tokens that still work */
  public liveApiTokens(username?: string): EmulatedToken[] {
    return [...this.tokens.values()].filter((t) => t.viaApi && (!username || t.username === username) && this.validToken(t.accessToken));
  }

  public apiTokens(username?: string): EmulatedToken[] {
    return [...this.tokens.values()].filter((t) => t.viaApi && (!username || t.username === username));
  }

  private async handle(req: import('http').IncomingMessage, res: import('http').ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://emulator');
    const authHeader = req.headers.authorization ?? '';
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      auth: /^bearer /i.test(authHeader) ? 'bearer' : /^basic /i.test(authHeader) ? 'basic' : 'none',
    };
    this.requests.push(record);
    this.emit('request', record);
    // recorded as sent; served as if at the root
    if (this.basePath && url.pathname.startsWith(`${this.basePath}/`)) url.pathname = url.pathname.slice(this.basePath.length);
    const body = await readBody(req);
    // a fault that lets the request be carried out and then loses its answer
    let lose: 'destroy' | number | undefined;
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      if (lose === 'destroy') {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if (lose !== undefined) {
        record.status = lose;
        res.writeHead(lose, { 'content-type': 'text/html' });
        res.end('<html><body>Bad Gateway</body></html>');
        return;
      }
      record.status = status;
      const text = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { ...(text && typeof payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers });
      res.end(text);
    };

    const pathMatches = (f: Fault) => !f.path || (f.exactPath ? url.pathname === f.path : url.pathname.startsWith(f.path));
    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === method) && pathMatches(f));
    let dropField: string | undefined;
    let setFields: Record<string, unknown> | undefined;
    if (fault?.loseAnswer !== undefined) {
      fault.left--;
      lose = fault.loseAnswer;
    } else if (fault) {
      fault.left--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.destroy) {
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        send(fault.status, fault.body ?? '', fault.headers);
        return;
      }
      dropField = fault.dropField;
      setFields = fault.setFields;
    }
    const answer = (status: number, payload?: Record<string, unknown>) => {
      if (payload && dropField) delete payload[dropField];
      if (payload && setFields) Object.assign(payload, setFields);
      send(status, payload);
    };

    if (method === 'GET' && url.pathname === '/artifactory/api/system/ping') {
      send(200, 'OK');
      return;
    }
    if (url.pathname === '/access/api/v1/aws/token' && method === 'POST' && this.atLeast('7.90.10')) {
      const [status, payload] = await this.awsExchange(req.headers, url.searchParams.get('region'), body);
      answer(status, payload);
      return;
    }
    if (url.pathname === '/access/api/v1/aws/iam_role' && method === 'PUT' && this.atLeast('7.90.10')) {
      const caller = this.authenticate(authHeader);
      if (!caller?.admin) {
        answer(caller ? 403 : 401, errors(caller ? 'FORBIDDEN' : 'UNAUTHORIZED', 'Only admins can map IAM roles'));
        return;
      }
      const mapping = JSON.parse(body || '{}');
      if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@:-]+$/.test(String(mapping.iam_role)) || typeof mapping.username !== 'string') {
        answer(400, errors('BAD_REQUEST', 'iam_role must be an IAM role ARN and username a user'));
        return;
      }
      // JFrog keeps one role per user (GET /access/api/v1/aws/iam_role/<user> answers with one;
      // terraform-provider-platform's aws_iam_role resource is keyed by username): a new role
      // for a user replaces the role it had
      const user = mapping.username.toLowerCase();
      for (const [role, mapped] of this.iamRoleMappings) if (mapped === user) this.iamRoleMappings.delete(role);
      this.iamRoleMappings.set(mapping.iam_role, user);
      send(200, '');
      return;
    }
    if (!url.pathname.startsWith('/access/api/v1/tokens')) {
      answer(404, errors('NOT_FOUND', 'Not Found'));
      return;
    }
    const caller = this.authenticate(authHeader);
    if (!caller) {
      answer(401, errors('UNAUTHORIZED', 'Bad credentials'));
      return;
    }
    if (method === 'POST' && url.pathname === '/access/api/v1/tokens') {
      const params = parseRequest(body, req.headers['content-type']);
      record.grantType = String(params.grant_type ?? 'client_credentials');
      const [status, payload] = this.create(caller, params);
      answer(status, payload);
    } else if (method === 'GET' && url.pathname === '/access/api/v1/tokens') {
      // admins see every stored token, others their own; description filters, '*' as a wildcard
      const filter = url.searchParams.get('description');
      const matches = (d: string | undefined) => filter === null
        || (filter.endsWith('*') ? (d ?? '').startsWith(filter.slice(0, -1)) : d === filter);
      const tokens = [...this.tokens.values()]
        .filter((t) => t.persistent && !t.revoked && (caller.admin || t.username === caller.username) && matches(t.description))
        .map(tokenInfo);
      answer(200, { tokens });
    } else if (method === 'DELETE' && url.pathname === '/access/api/v1/tokens/me' && this.atLeast('7.53.1')) {
      // a token revokes itself
      if (!caller.token) {
        answer(400, errors('BAD_REQUEST', 'Only an access token can revoke itself'));
      } else if (!caller.token.revocable) {
        answer(400, { code: 'BAD_REQUEST', message: 'Token not revocable', detail: 'Tokens that expire in under 6 hours can be revoked only when created with force_revocable' });
      } else {
        caller.token.revoked = true;
        send(200, 'Token revoked');
      }
    } else if (method === 'GET' && url.pathname === '/access/api/v1/tokens/me' && this.atLeast('7.53.1')) {
      if (!caller.token) {
        answer(400, errors('BAD_REQUEST', 'Only an access token can describe itself'));
      } else if (!caller.token.persistent) {
        answer(404, errors('NOT_FOUND', 'Token not found'));
      } else {
        answer(200, tokenInfo(caller.token));
      }
    } else if (method === 'DELETE' && url.pathname.startsWith('/access/api/v1/tokens/')) {
      const id = decodeURIComponent(url.pathname.slice('/access/api/v1/tokens/'.length));
      const target = this.tokens.get(id);
      if (!target || target.revoked) {
        send(204);
      } else if (!caller.admin && target.username !== caller.username) {
        answer(403, errors('FORBIDDEN', 'Not allowed to revoke a token of another user'));
      } else if (!target.revocable) {
        // the flat body Access uses for this case
        answer(400, { code: 'BAD_REQUEST', message: 'Token not revocable', detail: 'Tokens that expire in under 6 hours can be revoked only when created with force_revocable' });
      } else {
        target.revoked = true;
        send(200, 'Token revoked');
      }
    } else if (method === 'GET' && url.pathname.startsWith('/access/api/v1/tokens/')) {
      const target = this.tokens.get(decodeURIComponent(url.pathname.slice('/access/api/v1/tokens/'.length)));
      if (!target || !target.persistent) {
        answer(404, errors('NOT_FOUND', 'Token not found'));
      } else if (!caller.admin && target.username !== caller.username) {
        // Get Token by ID: a user may read only its own tokens; another's is refused, not hidden
        answer(403, errors('FORBIDDEN', 'User has no permissions to get the token'));
      } else {
        answer(200, tokenInfo(target));
      }
    } else {
      answer(405, errors('METHOD_NOT_ALLOWED', 'Method not allowed'));
    }
  }

  /**
   * the AWS IAM exchange: the request carries the headers of a signed STS GetCallerIdentity
   * request. JFrog replays it to STS with the headers it forwards (awsForwardedHeaders); the
   * emulator plays STS and verifies the SigV4 signature as STS does, written out here from AWS's
   * SigV4 specification (canonical request, string to sign, HMAC key chain) rather than with the
   * signer the handler uses, so that a signature over a header JFrog does not forward fails.
   *
   * what JFrog answers when STS refuses, or when the role is not mapped, is not documented: the
   * emulator answers 401 UNAUTHORIZED naming STS's error code for the first and 403 FORBIDDEN
   * naming the role for the second (assumptions; the handler reads the words, and names both
   * causes when a body says neither)
   */
  private async awsExchange(headers: http.IncomingHttpHeaders, regionParam: string | null, body: string): Promise<[number, Record<string, unknown>]> {
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const region = regionParam ?? header('x-amz-region-set');
    if (!region) {
      return [400, errors('BAD_REQUEST', 'The AWS region is missing: pass ?region=<region> or X-Amz-Region-Set')];
    }
    // what reaches STS: GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15
    const forwarded = new Map<string, string>();
    for (const name of this.awsForwardedHeaders) {
      const value = name === 'host' ? `sts.${region}.amazonaws.com` : header(name);
      if (value !== undefined) forwarded.set(name, value);
    }
    const verdict = this.stsVerify(forwarded, region);
    this.stsCalls.push({ signedHeaders: verdict.signedHeaders ?? '', error: verdict.error?.code });
    if (verdict.error) {
      return [401, errors('UNAUTHORIZED', `Failed to authenticate the AWS identity with STS: ${verdict.error.code}: ${verdict.error.message}`)];
    }
    const roleArn = verdict.roleArn!;
    const username = this.iamRoleMappings.get(roleArn);
    if (!username) {
      return [403, errors('FORBIDDEN', `IAM role ${roleArn} is not mapped to a user`)];
    }
    const expiresIn = Number(JSON.parse(body || '{}').expires_in ?? 3600);
    const admin = this.users.get(username)?.admin ?? false;
    const scope = admin ? 'applied-permissions/admin' : 'applied-permissions/user';
    const token = this.mint(username, scope, expiresIn, 'AWS IAM role exchange', false, true);
    // the answer's fields as jfrog/jfrog-credentials-provider reads them (internal/handlers/jfrog.go,
    // AwsRoleAccessResponse): token_id, access_token, scope, token_type, expires_in, username
    return [200, { token_id: token.id, access_token: token.accessToken, scope, token_type: 'Bearer', expires_in: expiresIn, username }];
  }

  /**
   * STS's check of a SigV4 (AWS4-HMAC-SHA256) GetCallerIdentity request, from the headers it
   * received: the error codes are AWS's common errors (IncompleteSignature, InvalidClientTokenId,
   * SignatureDoesNotMatch, "Signature expired" after 15 minutes)
   */
  private stsVerify(forwarded: Map<string, string>, region: string): StsVerdict {
    const refuse = (code: string, message: string, signedHeaders?: string) => ({ signedHeaders, error: { code, message } });
    const authorization = forwarded.get('authorization') ?? '';
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
    if (!match) return refuse('IncompleteSignature', 'Authorization header requires \'Credential\', \'SignedHeaders\' and \'Signature\' parameters');
    const [, accessKeyId, day, scopeRegion, service, signedHeaders, signature] = match;
    const key = this.awsKeys.get(accessKeyId);
    if (!key) return refuse('InvalidClientTokenId', 'The security token included in the request is invalid.', signedHeaders);
    if (key.sessionToken !== undefined && forwarded.get('x-amz-security-token') !== key.sessionToken) {
      return refuse('InvalidClientTokenId', 'The security token included in the request is invalid.', signedHeaders);
    }
    const amzDate = forwarded.get('x-amz-date');
    if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
      return refuse('IncompleteSignature', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.', signedHeaders);
    }
    const [year, month, date, hour, minute, second] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate)!.slice(1).map(Number);
    const signedAt = Date.UTC(year, month - 1, date, hour, minute, second);
    if (Math.abs(Date.now() - signedAt) > 15 * 60_000) {
      return refuse('SignatureDoesNotMatch', `Signature expired: ${amzDate} is now earlier than the allowed 15 minutes`, signedHeaders);
    }
    if (service !== 'sts' || scopeRegion !== region || day !== amzDate.slice(0, 8)) {
      return refuse('SignatureDoesNotMatch', `Credential should be scoped to a valid region and service: ${day}/${scopeRegion}/${service}`, signedHeaders);
    }
    // the canonical request: method, path, query, the signed headers with their values as STS
    // received them (a header it did not receive counts as empty), the signed header list, and the
    // hash of the (empty) body
    const names = signedHeaders.split(';');
    const canonical = [
      'GET',
      '/',
      'Action=GetCallerIdentity&Version=2011-06-15',
      names.map((n) => `${n}:${(forwarded.get(n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
      signedHeaders,
      createHash('sha256').update('').digest('hex'),
    ].join('\n');
    const scope = `${day}/${region}/sts/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    const hmac = (k: Buffer | string, data: string) => createHmac('sha256', k).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day), region), 'sts'), 'aws4_request');
    const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      return refuse('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', signedHeaders);
    }
    return { roleArn: key.roleArn, signedHeaders };
  }

  /** the emulated version is this one or later */
  private atLeast(version: string): boolean {
    const parts = (v: string) => v.split('.').map(Number);
    const [have, want] = [parts(this.version), parts(version)];
    for (let i = 0; i < 3; i++) {
      if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
    }
    return true;
  }

  private authenticate(header: string): Caller | undefined {
    const bearer = /^bearer (.+)$/i.exec(header);
    if (bearer) {
      const token = this.validToken(bearer[1].trim());
      if (!token) return undefined;
      // every route here is JFrog Access's: a token whose audience leaves it out is not for it
      if (this.enforceAudience && !accessAccepts(token.audience)) return undefined;
      return { username: token.username, admin: token.scope.split(' ').includes('applied-permissions/admin'), token };
    }
    const basic = /^basic (.+)$/i.exec(header);
    if (basic) {
      const [username, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      const user = this.users.get(username.toLowerCase());
      if (!user || user.password === undefined || user.password !== rest.join(':')) return undefined;
      return { username: username.toLowerCase(), admin: user.admin };
    }
    return undefined;
  }

  private create(caller: Caller, params: Record<string, unknown>): [number, Record<string, unknown>] {
    // "From Artifactory 7.63.2, users with basic credentials can create tokens through the REST
    // API" (JFrog's Create Token reference, docs.jfrog.com/administration/reference/access-tokens;
    // jfrog/jfrog-client-go access/services/accesstoken.go says the same). Before it, Access does
    // not take basic credentials here: 401, the Create Token docs' "Unauthenticated", with the
    // words JFrog's knowledge base quotes for Access refusing Basic on this call ("Unsupported
    // authentication method Basic", KB 000006692). The status and words before 7.63.2 are an
    // assumption: JFrog documents neither for that version
    if (!caller.token && !this.atLeast('7.63.2')) {
      return [401, errors('UNAUTHORIZED', 'Unsupported authentication method Basic')];
    }
    if (!caller.token && !this.basicAuthTokenCreation) {
      return [403, errors('FORBIDDEN', 'Token generation with basic credentials is disabled; enable "Token Generation via API"')];
    }
    const grantType = params.grant_type ?? 'client_credentials';
    if (grantType === 'refresh_token' && this.atLeast('7.37.9')) {
      return this.refresh(caller, params);
    }
    if (grantType !== 'client_credentials') {
      return [400, errors('BAD_REQUEST', `Unsupported grant type: ${String(grantType)}`)];
    }
    const username = String(params.username ?? caller.username).toLowerCase();
    if (username.length === 0 || username.length > 255) {
      return [400, errors('BAD_REQUEST', 'username must be 1 to 255 characters')];
    }
    const scope = String(params.scope ?? 'applied-permissions/user').trim() || 'applied-permissions/user';
    const scopeProblem = invalidScope(scope);
    if (scopeProblem) {
      return [400, errors('BAD_REQUEST', `Invalid scope '${scope}': ${scopeProblem}`)];
    }
    let expiresIn: number | undefined;
    if (params.expires_in !== undefined) {
      expiresIn = Number(params.expires_in);
      if (!Number.isInteger(expiresIn) || expiresIn < 0) {
        return [400, errors('BAD_REQUEST', 'expires_in must be a non-negative integer')];
      }
    }
    const description = params.description === undefined ? undefined : String(params.description);
    if (description && description.length > 1024) {
      return [400, errors('BAD_REQUEST', 'description is longer than 1024 characters')];
    }
    if (!caller.admin) {
      if (username !== caller.username) {
        return [403, errors('FORBIDDEN', 'Non-admin users can create tokens only for themselves')];
      }
      if (scope.split(' ').includes('applied-permissions/admin')) {
        return [403, errors('FORBIDDEN', 'Only admins can create tokens with admin scope')];
      }
      if (expiresIn === 0 || (this.maxExpirySeconds > 0 && (expiresIn ?? 365 * 86400) > this.maxExpirySeconds)) {
        return [403, errors('FORBIDDEN', 'expires_in exceeds the maximum expiry allowed for non-admin users')];
      }
    }
    const audience = typeof params.audience === 'string' ? params.audience : undefined;
    const token = this.mint(username, scope, expiresIn ?? 365 * 86400, description, params.force_revocable === true && this.atLeast('7.50.3'), true, true, audience);
    token.audience = audience;
    if (typeof params.project_key === 'string') token.projectKey = params.project_key;
    const refreshable = params.refreshable === true || params.refreshable === 'true';
    // token.allow-refreshable off: a user's token silently comes back without a refresh token
    if (refreshable && (this.allowRefreshable || caller.admin)) token.refreshToken = this.newRefreshToken();
    return [200, this.answerFor(token, params)];
  }

  /**
   * grant_type=refresh_token (7.37.9+): a new token with the user and scope of the one the
   * refresh token belongs to, for that user only. A refresh token works once: then 404
   */
  private refresh(caller: Caller, params: Record<string, unknown>): [number, Record<string, unknown>] {
    const old = [...this.tokens.values()].find((t) => t.refreshToken !== undefined && t.refreshToken === params.refresh_token);
    if (!old || old.revoked) {
      return [404, errors('NOT_FOUND', 'Token matching the provided refresh token was not found.')];
    }
    if (old.username !== caller.username) {
      return [403, errors('FORBIDDEN', 'The authenticated user does not match the user of the token being refreshed')];
    }
    const expiresIn = params.expires_in !== undefined ? Number(params.expires_in) : old.expiry === undefined ? 0 : old.expiry - old.issuedAt;
    const description = this.refreshDescription === 'dropped' ? undefined
      : this.refreshDescription === 'kept' || params.description === undefined ? old.description : String(params.description);
    const token = this.mint(old.username, old.scope, expiresIn, description, params.force_revocable === true && this.atLeast('7.50.3'), true, true, old.audience);
    token.audience = old.audience;
    token.projectKey = old.projectKey;
    if (params.description !== undefined) token.askedDescription = String(params.description);
    if (this.allowRefreshable || caller.admin) token.refreshToken = this.newRefreshToken();
    old.refreshToken = undefined;
    if (this.revokeOnRefresh && !old.revoked) Object.assign(old, { revoked: true, revokedByRefresh: true });
    return [200, { ...this.answerFor(token, params), grant_type: 'refresh_token' }];
  }

  private newRefreshToken(): string {
    const value = `rfr-${randomUUID()}`;
    this.refreshTokensIssued.push(value);
    return value;
  }

  private answerFor(token: EmulatedToken, params: Record<string, unknown>): Record<string, unknown> {
    // reference tokens: `cmVmd` and 59 more alphanumerics (7.38.10+)
    if (params.include_reference_token === true && this.atLeast('7.38.10')) {
      token.referenceToken = `cmVmdGtuOjAxOj${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`.slice(0, 64);
    }
    return {
      token_id: token.id,
      access_token: token.accessToken,
      ...(token.refreshToken ? { refresh_token: token.refreshToken } : {}),
      ...(token.referenceToken ? { reference_token: token.referenceToken } : {}),
      ...(token.expiry !== undefined ? { expires_in: token.expiry - token.issuedAt } : {}),
      scope: token.scope,
      token_type: 'Bearer',
    };
  }

  private mint(
    username: string, scope: string, expiresIn: number, description: string | undefined,
    forceRevocable: boolean, persistent: boolean, viaApi = false, audience?: string,
  ): EmulatedToken {
    const id = randomUUID();
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiry = expiresIn === 0 ? undefined : issuedAt + expiresIn;
    const claims = { ext: forceRevocable ? '{"revocable":"true"}' : '{}', sub: `${ISSUER}/users/${username}`, scp: scope, aud: audience ?? '*@*', iss: ISSUER, ...(expiry ? { exp: expiry } : {}), iat: issuedAt, jti: id };
    const head = b64url(JSON.stringify({ ver: '2', typ: 'JWT', alg: 'HS256' }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createHmac('sha256', HMAC_KEY).update(`${head}.${payload}`).digest('base64url');
    const token: EmulatedToken = {
      id,
      accessToken: `${head}.${payload}.${signature}`,
      username,
      scope,
      issuedAt,
      expiry,
      description,
      revocable: forceRevocable || expiry === undefined || expiresIn >= REVOCABLE_THRESHOLD_S,
      persistent: persistent && (expiry === undefined || expiresIn >= PERSISTENT_THRESHOLD_S),
      viaApi,
      revoked: false,
    };
    this.tokens.set(id, token);
    return token;
  }

  private verifyJwt(accessToken: string): string | undefined {
    const parts = accessToken.split('.');
    if (parts.length !== 3) return undefined;
    const expected = createHmac('sha256', HMAC_KEY).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (expected !== parts[2]) return undefined;
    try {
      return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')).jti;
    } catch {
      return undefined;
    }
  }
}

/** what STS made of a signed request: the role it proves, or STS's error */
interface StsVerdict {
  readonly roleArn?: string;
  readonly signedHeaders?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

interface Caller {
  readonly username: string;
  readonly admin: boolean;
  readonly token?: EmulatedToken;
}

/**
 * why JFrog would refuse a scope, as its Create Token docs describe the forms: at most 500
 * characters, space-separated items; `applied-permissions/user|admin`,
 * `applied-permissions/groups:<g1>,<g2>` (a name with a space or comma in double quotes),
 * `applied-permissions/roles:<project>:<role>`, and the resource forms (`artifact:`, `system:`)
 * and legacy ones (`member-of-groups:`, `api:*`)
 */
export function invalidScope(scope: string): string | undefined {
  if (scope.length > 500) return 'longer than 500 characters';
  const items = scope.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  if (items.join(' ') !== scope.replace(/\s+/g, ' ')) return 'unbalanced quotes';
  for (const item of items) {
    if (item === 'applied-permissions/user' || item === 'applied-permissions/admin' || item === 'api:*') continue;
    const groups = /^applied-permissions\/groups:(.+)$/.exec(item);
    if (groups) {
      const names = groups[1].match(/"[^"]*"|[^,]+/g) ?? [];
      if (names.join(',') !== groups[1] || names.some((n) => n === '""' || (!n.startsWith('"') && /[\s"]/.test(n)))) return `malformed group list in '${item}'`;
      continue;
    }
    if (/^applied-permissions\/roles:[^:\s]+:[^\s]+$/.test(item)) continue;
    if (/^(artifact|system|member-of-groups):\S+$/.test(item)) continue;
    return `unknown scope item '${item}'`;
  }
  return items.length === 0 ? 'empty' : undefined;
}

function errors(code: string, message: string): Record<string, unknown> {
  return { errors: [{ code, message }] };
}

function tokenInfo(token: EmulatedToken): Record<string, unknown> {
  return {
    token_id: token.id,
    subject: `${ISSUER}/users/${token.username}`,
    ...(token.expiry !== undefined ? { expiry: token.expiry } : {}),
    issued_at: token.issuedAt,
    issuer: ISSUER,
    description: token.description,
    refreshable: token.refreshToken !== undefined,
    scope: token.scope,
  };
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function readBody(req: import('http').IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** the create call takes JSON or a form */
function parseRequest(body: string, contentType: string | undefined): Record<string, unknown> {
  if (!body) return {};
  if ((contentType ?? '').includes('application/json')) {
    try {
      return JSON.parse(body);
    } catch {
      return { grant_type: '<unparseable JSON>' };
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}
