// longer than this project's usual 350 lines on purpose: it is the whole of JFrog's Access API
// as the handler speaks it (create, refresh, verify, look up, list, revoke, the IAM exchange's
// call), with the one HTTP path every call shares (origin check, deadline, retries, size limit)
// and the error messages that name each refusal's fix. The AWS side of the exchange is aws-exchange.ts.
import * as https from 'https';
import * as tls from 'tls';
import { JfrogError, RefreshTokenUnusableError } from './errors';
import { awsExchangeHeaders, exchangeRefusal } from './aws-exchange';
import { redact, registerSecret } from './redact';

export type JfrogAuth =
  | { readonly kind: 'bearer'; readonly token: string; readonly source: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string; readonly source: string }
  /** the headers of a signed STS GetCallerIdentity request: JFrog replays it to learn the caller's IAM role */
  | { readonly kind: 'aws-sigv4'; readonly headers: Readonly<Record<string, string>>; readonly source: string };

export interface MintRequest {
  readonly username: string;
  readonly scope: string;
  readonly expiresInSeconds: number;
  readonly description: string;
  /** `audience`, when not JFrog's default */
  readonly audience?: string;
  /** `project_key`: a project-scoped token */
  readonly projectKey?: string;
  /** `include_reference_token`: JFrog also returns the token's short reference form */
  readonly includeReferenceToken?: boolean;
  /** `refreshable`: JFrog also returns a refresh token (unless its token.allow-refreshable is off) */
  readonly refreshable?: boolean;
}

/** a refresh: the new token keeps the user and scope of the one refreshed */
export type RefreshRequest = Omit<MintRequest, 'username' | 'scope' | 'refreshable'>;

export interface MintedToken {
  readonly tokenId: string;
  readonly accessToken: string;
  /** seconds, as JFrog reported them; undefined for a token that never expires */
  readonly expiresIn?: number;
  /** the short reference form, when asked for and given */
  readonly referenceToken?: string;
  /** the refresh token, when asked for and given */
  readonly refreshToken?: string;
  /** the scope JFrog granted, as its answer states it */
  readonly scope?: string;
}

export interface TokenInfo {
  readonly tokenId: string;
  readonly subject?: string;
  readonly expiry?: number;
  readonly description?: string;
}

export type RevokeOutcome = 'revoked' | 'already-gone';

export interface JfrogClientOptions {
  /** how long the invocation may still run, in ms (the Lambda context's clock) */
  readonly remainingMs: () => number;
  /** for tests that serve JFrog with their own CA; production uses Node's trust store, or `ca` */
  readonly agent?: https.Agent;
  /**
   * a private CA (PEM, the rotation's jfrogCaCertificate) trusted beside Node's public CAs, for
   * this client's requests only: never process-wide (NODE_EXTRA_CA_CERTS would trust it for AWS too)
   */
  readonly ca?: string;
  /** longest wait for one HTTP exchange */
  readonly requestTimeoutMs?: number;
  /** back-off base for 429 and 5xx retries */
  readonly backoffBaseMs?: number;
}

interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** one agent per CA, kept across the invocations of a warm function (and its connections with it) */
const caAgents = new Map<string, https.Agent>();

/**
 * an agent that trusts Node's public CAs and this one. `ca` replaces Node's list, so the public
 * ones are passed too; verification stays on (never rejectUnauthorized: false)
 */
function caAgent(ca: string): https.Agent {
  let agent = caAgents.get(ca);
  if (!agent) {
    agent = new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, ca] });
    caAgents.set(ca, agent);
  }
  return agent;
}

const MAX_BODY_BYTES = 1024 * 1024;
const SAFETY_MARGIN_MS = 3_000;
/** JFrog's default revocable-expiry-threshold */
const REVOCABLE_THRESHOLD_SECONDS = 6 * 3600;
/** a mint starts only with this much time left: minting and storing must fit in it */
export const MIN_MS_TO_MINT = 20_000;

/** JFrog's Access API, with the handful of calls a rotation makes */
export class JfrogClient {
  public readonly calls: Array<{ method: string; path: string; status?: number }> = [];
  private readonly requestTimeoutMs: number;
  private readonly backoffBaseMs: number;

  private readonly agent: https.Agent | undefined;

  constructor(private readonly baseUrl: URL, private readonly options: JfrogClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 1_000;
    this.agent = options.agent ?? (options.ca === undefined ? undefined : caAgent(options.ca));
  }

  /** POST /access/api/v1/tokens */
  public async createToken(auth: JfrogAuth, req: MintRequest): Promise<MintedToken> {
    const body = JSON.stringify({
      grant_type: 'client_credentials',
      username: req.username,
      scope: req.scope,
      refreshable: req.refreshable === true,
      ...commonFields(req),
    });
    // a mint is not idempotent: retry only what JFrog refused before doing anything (429)
    const res = await this.send('POST', '/access/api/v1/tokens', auth, body, { retry5xx: false, minStartMs: MIN_MS_TO_MINT });
    if (res.status !== 200 && res.status !== 201) {
      throw this.statusError('create a token', res, auth, req.expiresInSeconds);
    }
    return this.mintedToken(res, auth, 'create a token');
  }

  /**
   * POST /access/api/v1/tokens with grant_type=refresh_token (7.37.9+): a new token with the
   * user and scope of the one the refresh token belongs to, and a new refresh token. `auth` must
   * be that user's (JFrog checks). The refresh token is single-use: JFrog answers 404 for one
   * used already, which throws RefreshTokenUnusableError, as does a 400 (a refresh token of
   * another JFrog instance, or a JFrog that cannot refresh)
   */
  public async refreshToken(auth: JfrogAuth, refreshToken: string, req: RefreshRequest): Promise<MintedToken> {
    const body = JSON.stringify({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      refreshable: true,
      ...commonFields(req),
    });
    // not idempotent either: a second attempt would send a refresh token that may be spent
    const res = await this.send('POST', '/access/api/v1/tokens', auth, body, { retry5xx: false, minStartMs: MIN_MS_TO_MINT });
    if (res.status === 404 && /"code"\s*:\s*"NOT_FOUND"/.test(res.body)) {
      throw new RefreshTokenUnusableError(`JFrog does not know the refresh token (HTTP 404${errorDetail(res.body) ? `: ${errorDetail(res.body)}` : ''}): it was used already`, 404);
    }
    if (res.status === 400) {
      throw new RefreshTokenUnusableError(`JFrog cannot refresh with this refresh token (HTTP 400${errorDetail(res.body) ? `: ${errorDetail(res.body)}` : ''}): it belongs to another JFrog instance, or JFrog is older than Artifactory 7.37.9, which added refreshing through the Access API`, 400);
    }
    if (res.status !== 200 && res.status !== 201) {
      throw this.statusError('refresh a token', res, auth, req.expiresInSeconds);
    }
    return this.mintedToken(res, auth, 'refresh a token');
  }

  /**
   * GET /access/api/v1/tokens/me: proves a token is accepted (ping and readiness accept anyone).
   * JFrog before 7.53.1 has no `me` and reads it as a token id (404): then the token reads its own
   * entry by id (GET /tokens/{id}, which a user may do for its own tokens), so the proof is the
   * same on every version
   */
  public async whoAmI(token: string, tokenId?: string, source = 'the pending token'): Promise<TokenInfo> {
    const auth: JfrogAuth = { kind: 'bearer', token, source };
    let res = await this.send('GET', '/access/api/v1/tokens/me', auth, undefined, { retry5xx: true });
    if (res.status === 404 && /"code"\s*:\s*"NOT_FOUND"/.test(res.body) && tokenId) {
      res = await this.send('GET', `/access/api/v1/tokens/${encodeURIComponent(tokenId)}`, auth, undefined, { retry5xx: true });
      if (res.status === 404) {
        throw new JfrogError(`JFrog has no /access/api/v1/tokens/me (Artifactory before 7.53.1) and does not find the pending token ${tokenId} by its id either: a token shorter-lived than JFrog's persistent threshold (3 hours by default) is not stored. Raise tokenLifetime to 3 hours or more, or upgrade Artifactory to 7.53.1+`, 404);
      }
    }
    if (res.status !== 200) {
      throw this.statusError('verify the new token', res, auth);
    }
    const json = this.parseJson(res, 'verify the new token');
    const id = json.token_id;
    if (typeof id !== 'string') {
      throw new JfrogError('JFrog answered the token look-up without a token_id; the Access API of JFrog 7.21.1 or later is needed to verify tokens', res.status);
    }
    return {
      tokenId: id,
      subject: typeof json.subject === 'string' ? json.subject : undefined,
      expiry: typeof json.expiry === 'number' ? json.expiry : undefined,
    };
  }

  /**
   * POST /access/api/v1/aws/token (Artifactory 7.90.10+): the function's IAM role, proven by a
   * signed STS GetCallerIdentity request that JFrog replays, exchanged for a token of the JFrog
   * user an admin mapped the role to (PUT /access/api/v1/aws/iam_role), as JFrog's own secret
   * rotator does
   */
  public async exchangeAwsRole(auth: Extract<JfrogAuth, { kind: 'aws-sigv4' }>, region: string, expiresInSeconds: number): Promise<{ accessToken: string; username?: string }> {
    const res = await this.send('POST', `/access/api/v1/aws/token?region=${encodeURIComponent(region)}`, auth, JSON.stringify({ expires_in: expiresInSeconds }), { retry5xx: true });
    if (res.status === 404) {
      throw new JfrogError(`JFrog has no AWS IAM role exchange at ${this.baseUrl.origin}/access/api/v1/aws/token (it needs Artifactory 7.90.10+): upgrade JFrog, or use JfrogCredentials.adminToken()`, 404);
    }
    if (res.status === 401 || res.status === 403) {
      throw new JfrogError(exchangeRefusal(res.status, errorDetail(res.body), region), res.status);
    }
    if (res.status !== 200) throw this.statusError('exchange the IAM role for a token', res, auth);
    const json = this.parseJson(res, 'exchange the IAM role for a token');
    if (typeof json.access_token !== 'string' || json.access_token === '') {
      throw new JfrogError('JFrog answered the IAM role exchange without an access_token', res.status);
    }
    registerSecret(json.access_token);
    return { accessToken: json.access_token, username: typeof json.username === 'string' ? json.username : undefined };
  }

  /** GET /access/api/v1/tokens/{id}: who the token belongs to and its description; undefined when JFrog has no such token */
  public async tokenInfo(auth: JfrogAuth, tokenId: string): Promise<TokenInfo | undefined> {
    const res = await this.send('GET', `/access/api/v1/tokens/${encodeURIComponent(tokenId)}`, auth, undefined, { retry5xx: true });
    if (res.status === 404 && /"code"\s*:\s*"NOT_FOUND"/.test(res.body)) return undefined;
    if (res.status !== 200) {
      throw this.statusError(`look up token ${tokenId}`, res, auth);
    }
    const json = this.parseJson(res, `look up token ${tokenId}`);
    return {
      tokenId: typeof json.token_id === 'string' ? json.token_id : tokenId,
      subject: typeof json.subject === 'string' ? json.subject : undefined,
      expiry: typeof json.expiry === 'number' ? json.expiry : undefined,
      description: typeof json.description === 'string' ? json.description : undefined,
    };
  }

  /** GET /access/api/v1/tokens?description=...: the live tokens with exactly this description (the caller's own, or all for an admin) */
  public async tokensWithDescription(auth: JfrogAuth, description: string): Promise<TokenInfo[]> {
    const res = await this.send('GET', `/access/api/v1/tokens?description=${encodeURIComponent(description)}`, auth, undefined, { retry5xx: true });
    if (res.status !== 200) {
      throw this.statusError('list tokens by description', res, auth);
    }
    const tokens = this.parseJson(res, 'list tokens by description').tokens;
    return (Array.isArray(tokens) ? tokens : [])
      .filter((t): t is Record<string, unknown> => t !== null && typeof t === 'object' && typeof t.token_id === 'string' && t.description === description)
      .map((t) => ({
        tokenId: t.token_id as string,
        subject: typeof t.subject === 'string' ? t.subject : undefined,
        description: t.description as string,
      }));
  }

  /**
   * GET /access/api/v1/tokens?description=<prefix>*: the live tokens whose description starts
   * with the prefix (JFrog takes a wildcard at the end only); the caller's own, or all for an admin
   */
  public async tokensWithDescriptionPrefix(auth: JfrogAuth, prefix: string): Promise<TokenInfo[]> {
    const res = await this.send('GET', `/access/api/v1/tokens?description=${encodeURIComponent(prefix)}*`, auth, undefined, { retry5xx: true });
    if (res.status !== 200) {
      throw this.statusError('list tokens by description', res, auth);
    }
    const tokens = this.parseJson(res, 'list tokens by description').tokens;
    return (Array.isArray(tokens) ? tokens : [])
      .filter((t): t is Record<string, unknown> => t !== null && typeof t === 'object' && typeof t.token_id === 'string'
        && typeof t.description === 'string' && t.description.startsWith(prefix))
      .map((t) => ({
        tokenId: t.token_id as string,
        subject: typeof t.subject === 'string' ? t.subject : undefined,
        description: t.description as string,
      }));
  }

  /**
   * DELETE /access/api/v1/tokens/me with the token itself: a token revokes itself (Artifactory
   * 7.53.1+). holding the value is the proof: no token id from anywhere is trusted. 'not-accepted':
   * JFrog does not take the token at all (expired, revoked, or no access token); 'unconfirmed':
   * JFrog answered as one that reads `me` as a token id (before 7.53.1), so nothing was revoked
   */
  public async revokeSelf(token: string): Promise<'revoked' | 'not-accepted' | 'unconfirmed'> {
    const auth: JfrogAuth = { kind: 'bearer', token, source: 'the token two generations old' };
    const res = await this.send('DELETE', '/access/api/v1/tokens/me', auth, undefined, { retry5xx: true });
    if (res.status === 200) return 'revoked';
    if (res.status === 401) return 'not-accepted';
    if (res.status === 204 || res.status === 404) return 'unconfirmed';
    throw this.statusError('revoke the token two generations old with itself', res, auth);
  }

  /** DELETE /access/api/v1/tokens/{id}: 200 revoked, 204 (or 404) nothing left to revoke */
  public async revoke(auth: JfrogAuth, tokenId: string): Promise<RevokeOutcome> {
    const res = await this.send('DELETE', `/access/api/v1/tokens/${encodeURIComponent(tokenId)}`, auth, undefined, { retry5xx: true });
    if (res.status === 200) return 'revoked';
    // 204: unknown or already revoked. A 404 counts only with Access's own NOT_FOUND body: from
    // a proxy or a wrong path it would hide a revocation that never happened
    if (res.status === 204 || (res.status === 404 && /"code"\s*:\s*"NOT_FOUND"/.test(res.body))) return 'already-gone';
    throw this.statusError(`revoke token ${tokenId}`, res, auth);
  }

  private async send(
    method: string, path: string, auth: JfrogAuth, body: string | undefined, opts: { retry5xx: boolean; minStartMs?: number },
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      // a call that cannot finish before the invocation ends is not started (a mint that the
      // function cannot store would leave a token nobody holds); checked before every attempt,
      // back-offs included
      if (opts.minStartMs !== undefined && this.options.remainingMs() < opts.minStartMs) {
        throw new JfrogError(`only ${this.options.remainingMs()} ms left in this invocation, too little to ${method} ${path.replace(/\?.*$/, '')} and store the result safely; nothing was sent and Secrets Manager will retry. Raise the function's timeout if this repeats`);
      }
      const res = await this.once(method, path, auth, body);
      const retryable = res.status === 429 || (opts.retry5xx && [502, 503, 504].includes(res.status));
      if (!retryable) return res;
      const wait = retryDelayMs(res, attempt, this.backoffBaseMs);
      if (wait + SAFETY_MARGIN_MS + 1_000 > this.options.remainingMs()) {
        return res; // out of time: let the caller report the status
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private once(method: string, path: string, auth: JfrogAuth, body: string | undefined): Promise<Response> {
    const target = this.target(path);
    const timeout = Math.max(1_000, Math.min(this.requestTimeoutMs, this.options.remainingMs() - SAFETY_MARGIN_MS));
    const headers: Record<string, string> = {
      'accept': 'application/json',
      'authorization': auth.kind === 'bearer' ? `Bearer ${auth.token}`
        : auth.kind === 'basic' ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
          : auth.headers.authorization,
      'user-agent': 'cdk-jfrog-token-rotation',
      ...(auth.kind === 'aws-sigv4' ? awsExchangeHeaders(auth.headers) : {}),
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const call: { method: string; path: string; status?: number } = { method, path };
    this.calls.push(call);
    return new Promise<Response>((resolve, reject) => {
      // a deadline for the whole exchange (Node's own timeout is only for an idle socket)
      const deadline = setTimeout(() => req.destroy(new JfrogError(`JFrog did not answer ${method} ${path} within ${timeout} ms; check that ${this.baseUrl.origin} is reachable from the function (VPC, NAT, firewall)`)), timeout);
      const req = https.request({ ...target, method, headers, agent: this.agent, timeout }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new JfrogError(`JFrog's answer to ${method} ${path} was larger than ${MAX_BODY_BYTES} bytes; check that ${this.baseUrl.origin} is JFrog and not a proxy`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(deadline);
          call.status = res.statusCode;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => reject(this.networkError(method, path, e)));
      });
      req.on('timeout', () => req.destroy(new JfrogError(`JFrog did not answer ${method} ${path} within ${timeout} ms; check that ${this.baseUrl.origin} is reachable from the function (VPC, NAT, firewall)`)));
      req.on('error', (e) => {
        clearTimeout(deadline);
        reject(this.networkError(method, path, e));
      });
      req.end(body);
    });
  }

  /**
   * where a request goes: host and port from the configured origin, never from the path (a
   * path that starts with `//` would name another host if the two were parsed as one URL).
   * Checked before anything is sent: the origin the request reaches is the configured one.
   */
  private target(path: string): { protocol: 'https:'; hostname: string; port: number; path: string } {
    const fullPath = this.baseUrl.pathname.replace(/\/$/, '') + path;
    const reached = new URL(fullPath, this.baseUrl.origin);
    if (this.baseUrl.protocol !== 'https:' || !fullPath.startsWith('/') || fullPath.startsWith('//') || reached.origin !== this.baseUrl.origin) {
      throw new JfrogError(`refused to send a credential for ${path}: the request would reach ${reached.origin}, not the configured JFrog ${this.baseUrl.origin}`);
    }
    return {
      protocol: 'https:',
      // URL keeps an IPv6 literal in brackets; the socket wants it bare
      hostname: this.baseUrl.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(this.baseUrl.port || 443),
      path: fullPath,
    };
  }

  /** the token in JFrog's answer to a create or a refresh */
  private async mintedToken(res: Response, auth: JfrogAuth, what: string): Promise<MintedToken> {
    const json = this.parseJson(res, what);
    const accessToken = json.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      // a token may exist at JFrog that nobody holds: take it back if JFrog named it
      const orphan = typeof json.token_id === 'string' && json.token_id !== '' ? json.token_id : undefined;
      const outcome = orphan ? await this.revoke(auth, orphan).then(() => 'the token it created was revoked', () => `revoking the token it created (${orphan}) failed`) : 'no token_id came back either';
      throw new JfrogError(`JFrog answered the token request with HTTP ${res.status} but no access_token; ${outcome}. Check that ${this.baseUrl.origin} is a JFrog Platform (Access 7.21.1+) and not a proxy page`, res.status);
    }
    registerSecret(accessToken);
    const text = (field: string) => typeof json[field] === 'string' && json[field] !== '' ? json[field] as string : undefined;
    const referenceToken = text('reference_token');
    const refreshToken = text('refresh_token');
    registerSecret(referenceToken);
    registerSecret(refreshToken);
    const tokenId = text('token_id') ?? jwtClaim(accessToken, 'jti');
    if (typeof tokenId !== 'string' || tokenId === '') {
      throw new JfrogError('JFrog minted a token without a token_id, so it could never be revoked; the new token was not stored. Check that scope and JFrog version produce ordinary access tokens (not reference-only tokens)', res.status);
    }
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in
      : typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? Number(json.expires_in) : undefined;
    return { tokenId, accessToken, expiresIn, referenceToken, refreshToken, scope: text('scope') };
  }

  private networkError(method: string, path: string, e: Error & { code?: string }): JfrogError {
    if (e instanceof JfrogError) return e;
    const code = e.code ?? '';
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) || /certificate/i.test(e.message)) {
      const fix = this.options.ca === undefined
        ? 'JFrog must present a certificate signed by a public CA; for a private CA, set the construct\'s jfrogCaCertificate to its PEM certificate'
        : 'JFrog must present a certificate signed by the CA in jfrogCaCertificate (or a public CA) for this host name: check that jfrogCaCertificate is the CA that signed it';
      return new JfrogError(`TLS to ${this.baseUrl.host} failed (${code || e.message}); ${fix}`);
    }
    return new JfrogError(`could not reach JFrog at ${this.baseUrl.host} for ${method} ${path} (${code || e.message}); check jfrogUrl and the function's network path`);
  }

  private parseJson(res: Response, what: string): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(res.body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // fall through
    }
    throw new JfrogError(`JFrog's answer to ${what} (HTTP ${res.status}) is not a JSON object; check that ${this.baseUrl.origin} is the JFrog Platform URL`, res.status);
  }

  /** `lifetimeSeconds`: the lifetime the request asked for, when it asked for one (a mint, a refresh) */
  private statusError(what: string, res: Response, auth: JfrogAuth, lifetimeSeconds?: number): JfrogError {
    const detail = errorDetail(res.body);
    const said = detail ? `: ${detail}` : '';
    const status = res.status;
    let hint: string;
    if (status >= 300 && status < 400) {
      const location = String(res.headers.location ?? '');
      let host = '(no Location)';
      try { host = new URL(location, this.baseUrl).host; } catch { /* keep the placeholder */ }
      hint = `JFrog redirected to ${host}; redirects are never followed with credentials. Set jfrogUrl to the address JFrog answers on directly`;
    } else if (status === 400) {
      hint = badRequestHint(res.body, lifetimeSeconds);
    } else if (status === 401 && auth.kind === 'basic' && what === 'create a token') {
      // JFrog's Create Token reference: "From Artifactory 7.63.2, users with basic credentials can create tokens"
      hint = `JFrog did not accept the username and password (${auth.source}) for minting: either they are wrong, or JFrog is older than Artifactory 7.63.2, the first that lets basic credentials create tokens (and then only with "Enable Token Generation via API" on, for an internal user without MFA). Before 7.63.2, use an admin token (JfrogCredentials.adminToken); otherwise put the right password there, then retry the rotation`;
    } else if (status === 401) {
      hint = `JFrog did not accept ${auth.source}: it is expired, revoked or wrong. Put a valid credential there, then retry the rotation`;
    } else if (status === 403 && auth.kind === 'basic' && what === 'create a token') {
      hint = `JFrog refused to mint with basic credentials (${auth.source}): that needs "Enable Token Generation via API" on (Artifactory 7.63.2+, Administration > Security > General) and an internal user without MFA. Turn it on, or use an admin token (JfrogCredentials.adminToken)`;
    } else if (status === 403 && what === 'create a token') {
      hint = `${auth.source} may not mint this token: a non-admin may mint only for itself, never with admin scope, and never for longer than the server's token.max-expiry (which non-admins cannot read). Use an admin token, or shorten tokenLifetime to within the server's token.max-expiry`;
    } else if (status === 403) {
      hint = `${auth.source} may not do this: a non-admin may look up and revoke only its own tokens. Use an admin token for the rotation`;
    } else if (status === 404) {
      hint = `${this.baseUrl.origin} has no JFrog Access API here; set jfrogUrl to the platform URL (e.g. https://acme.jfrog.io, not .../artifactory)`;
    } else if (status === 429) {
      hint = 'JFrog rate-limited the call and retries ran out of time; Secrets Manager will retry the rotation';
    } else if (status >= 500) {
      hint = 'JFrog is failing; Secrets Manager will retry the rotation. Check JFrog\'s status';
    } else {
      hint = 'unexpected status from JFrog';
    }
    return new JfrogError(`JFrog refused to ${what} (HTTP ${status}${said}). ${hint}`, status);
  }
}

/**
 * what a 400 asks to check. The revocable threshold is named only where it applies: JFrog said
 * the token is not revocable, or the request asked for a lifetime under the threshold
 */
function badRequestHint(body: string, lifetimeSeconds: number | undefined): string {
  if (/not revocable/i.test(errorDetail(body) ?? '')) {
    return 'JFrog will not revoke this token: it was minted to expire sooner than JFrog\'s revocable-expiry-threshold (6 hours by default) without force_revocable, which JFrog honours from 7.50.3. It stays valid until it expires; keep tokenLifetime at 6 hours or more (above the threshold, if your JFrog raised it)';
  }
  const checks = 'JFrog refused the request as invalid; check the scope (at most 500 characters, in a form JFrog knows), audience and projectKey';
  if (lifetimeSeconds !== undefined && lifetimeSeconds < REVOCABLE_THRESHOLD_SECONDS) {
    return `${checks}. tokenLifetime (${lifetimeSeconds} seconds) is under JFrog's revocable-expiry-threshold (6 hours by default): the request asks for force_revocable, which JFrog honours from 7.50.3, so that the token can be revoked; on an older JFrog keep tokenLifetime at 6 hours or more`;
  }
  return checks;
}

/** the fields a create and a refresh share */
function commonFields(req: RefreshRequest): Record<string, unknown> {
  return {
    expires_in: req.expiresInSeconds,
    description: req.description.slice(0, 1024),
    // JFrog cannot revoke a token shorter-lived than its revocable threshold (6 hours by
    // default) unless it was minted revocable (7.50.3+; honoured in a JSON body only)
    ...(req.expiresInSeconds < REVOCABLE_THRESHOLD_SECONDS ? { force_revocable: true } : {}),
    ...(req.audience !== undefined ? { audience: req.audience } : {}),
    ...(req.projectKey !== undefined ? { project_key: req.projectKey } : {}),
    ...(req.includeReferenceToken ? { include_reference_token: true } : {}),
  };
}

/** the code and message of JFrog's error bodies, short; opaque bodies are not echoed */
function errorDetail(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as any;
    const first = Array.isArray(json?.errors) ? json.errors[0] : json;
    const code = first?.code ?? first?.status;
    const message = first?.message;
    const parts = [code, message].filter((p) => typeof p === 'string' || typeof p === 'number').map(String);
    // redacted before it is cut: a cut through an echoed secret would leave its start unrecognised
    return parts.length > 0 ? redact(parts.join(' ')).slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

function retryDelayMs(res: Response, attempt: number, base: number): number {
  const header = res.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, 30_000);
  }
  return Math.min(base * 2 ** attempt, 16_000);
}

/** an unverified JWT claim: JFrog's own CLI reads jti/exp the same way */
export function jwtClaim(token: string, claim: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))[claim];
  } catch {
    return undefined;
  }
}
