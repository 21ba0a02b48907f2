import { createHash, createHmac } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { ENV } from '../rotation-config';

// a small client for the two AWS JSON-protocol APIs the handler calls (Secrets Manager and
// SSM Parameter Store), signed with Signature Version 4. why not the AWS SDK: its clients are
// 480 KB of bundle and most of the function's cold start; the handler needs one POST shape.

/** one AWS JSON API call: operation name and input, the parsed answer back */
export interface AwsCaller {
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, any>>;
}

/** an error answer of an AWS API: `name` is its error code (e.g. ResourceNotFoundException) */
export class AwsServiceError extends Error {
  constructor(name: string, message: string, public readonly statusCode: number | undefined) {
    super(message);
    this.name = name;
  }
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientOptions {
  /** the signing name and the X-Amz-Target prefix: ('secretsmanager', 'secretsmanager') or ('ssm', 'AmazonSSM') */
  readonly service: string;
  readonly targetPrefix: string;
  readonly region: string;
  /** e.g. https://secretsmanager.eu-west-1.amazonaws.com */
  readonly endpoint: string;
  readonly credentials: () => AwsCredentials;
  readonly connectionTimeoutMs?: number;
  /** the whole exchange, per attempt */
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

/** throttling and server errors are worth another attempt, as the SDK's standard retry mode does */
const RETRYABLE_CODES = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'InternalServiceError', 'InternalServerError', 'ServiceUnavailable']);

/** the invocation's time left (the Lambda context's clock): no AWS call or retry outlives it */
let remainingMs: () => number = () => Number.POSITIVE_INFINITY;
export function setInvocationDeadline(remaining: () => number): void {
  remainingMs = remaining;
}
/** time kept back for the handler to log and answer after the last call */
const DEADLINE_MARGIN_MS = 1_000;

export class AwsJsonClient implements AwsCaller {
  public calls = 0;
  private readonly url: URL;

  constructor(private readonly options: AwsClientOptions) {
    this.url = new URL(options.endpoint);
  }

  public async call(operation: string, input: Record<string, unknown>): Promise<Record<string, any>> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(operation, input);
      } catch (e) {
        const retryable = e instanceof AwsServiceError
          ? RETRYABLE_CODES.has(e.name) || (e.statusCode !== undefined && e.statusCode >= 500)
          : (e as NodeJS.ErrnoException).code !== undefined || (e as Error).name === 'TimeoutError';
        if (!retryable || attempt >= maxAttempts) throw e;
        const wait = Math.min(2_000, 100 * 2 ** attempt * (0.5 + Math.random()));
        // a retry that could not finish before the invocation ends is not started
        if (wait + this.attemptTimeoutMs() + DEADLINE_MARGIN_MS > remainingMs()) throw e;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** one attempt's whole exchange: the configured bound, or less when the invocation has less left */
  private attemptTimeoutMs(): number {
    return Math.max(100, Math.min(this.options.requestTimeoutMs ?? 10_000, remainingMs() - DEADLINE_MARGIN_MS));
  }

  private once(operation: string, input: Record<string, unknown>): Promise<Record<string, any>> {
    this.calls++;
    const timeoutMs = this.attemptTimeoutMs();
    const body = JSON.stringify(input);
    const headers = signRequest({
      method: 'POST',
      host: this.url.host,
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${this.options.targetPrefix}.${operation}`,
      },
      body,
      service: this.options.service,
      region: this.options.region,
      credentials: this.options.credentials(),
      now: (this.options.now ?? (() => new Date()))(),
    });
    const transport = this.url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const request = transport.request({
        method: 'POST',
        hostname: this.url.hostname,
        port: this.url.port || undefined,
        path: '/',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, any> = {};
          try {
            json = text ? JSON.parse(text) : {};
          } catch {
            json = {};
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(json);
            return;
          }
          // "__type": "com.amazonaws.secretsmanager#ResourceNotFoundException" or a bare code
          const code = String(json.__type ?? response.headers['x-amzn-errortype'] ?? `HTTP${status}`).split('#').pop()!.split(':')[0];
          reject(new AwsServiceError(code, String(json.message ?? json.Message ?? `${this.options.service} answered HTTP ${status}`), status));
        });
      });
      const deadline = setTimeout(() => {
        const e = new Error(`${this.options.service} ${operation} did not answer within ${timeoutMs} ms`);
        e.name = 'TimeoutError';
        request.destroy(e);
      }, timeoutMs);
      // a bound on connecting only; the answer has the whole exchange's deadline above
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connecting = setTimeout(() => {
          const e = new Error(`could not connect to ${this.url.host} within ${this.options.connectionTimeoutMs ?? 3_000} ms`);
          e.name = 'TimeoutError';
          request.destroy(e);
        }, this.options.connectionTimeoutMs ?? 3_000);
        socket.once('connect', () => clearTimeout(connecting));
        socket.once('close', () => clearTimeout(connecting));
      });
      request.on('error', (e) => {
        clearTimeout(deadline);
        reject(e);
      });
      request.end(body);
    });
  }
}

/** a client for a service in the function's region, with the credentials Lambda puts in the environment */
export function awsClientFromEnv(service: 'secretsmanager' | 'ssm', env: NodeJS.ProcessEnv = process.env): AwsJsonClient {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error('AWS_REGION is not set; Lambda sets it, set it yourself to run the handler elsewhere');
  }
  // the SDK's own variables for another endpoint (a VPC endpoint's DNS name, an emulator)
  const override = service === 'secretsmanager' ? env.AWS_ENDPOINT_URL_SECRETS_MANAGER : env.AWS_ENDPOINT_URL_SSM;
  // the construct passes the stack's partition domain; China's is the one a region name tells
  const suffix = env[ENV.urlSuffix] || (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');
  return new AwsJsonClient({
    service,
    targetPrefix: service === 'secretsmanager' ? 'secretsmanager' : 'AmazonSSM',
    region,
    endpoint: override ?? env.AWS_ENDPOINT_URL ?? `https://${service}.${region}.${suffix}`,
    credentials: () => {
      const accessKeyId = env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) {
        throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; Lambda sets them from the function\'s role');
      }
      return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
    },
  });
}

export interface SigningInput {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  readonly now: Date;
}

/** Signature Version 4 for a request without a query string: the headers to send */
export function signRequest(input: SigningInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = sha256(input.body);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    'host': input.host,
    // as the AWS SDK signs: the payload's hash as a header too
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    input.path,
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${input.credentials.secretAccessKey}`, date);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}
