import { randomUUID } from 'crypto';
import * as path from 'path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { emfRecords, functionArnFor, invokeHandler, InvokeResult, logLines } from './invoke';
import { CONFIG_PARAMETER_PREFIX, ENV, parameterKey, secretNameOfArn, settingsPin } from '../../src/contract/rotation-config';
import type { RotationParameter } from '../../src/contract/settings';
import { Step, STEPS } from '../../src/handler/steps';
import { JfrogEmulator } from '../emulators/jfrog-emulator';
import { MotoServer } from '../emulators/moto';

export type { InvokeResult };
export { emfRecords, logLines };

export const HANDLER = path.join(__dirname, '..', '..', 'assets', 'handler', 'rotation.lambda', 'index.js');
export { STEPS };
export type StepName = Step;


export interface InvokeOptions {
  readonly timeoutMs?: number;
  readonly crashOn?: { readonly method: string; readonly path: string };
}

export interface RotationSettings {
  readonly username: string;
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly tokenField?: string;
  readonly revokePrevious?: boolean;
  readonly credentialsKind: 'ADMIN_TOKEN' | 'USERNAME_PASSWORD' | 'SELF_ROTATING' | 'AWS_IAM_ROLE';
  readonly credentialsSecretArn?: string;
  readonly credentialsField?: string;
  readonly referenceTokenField?: string;
  readonly audience?: string;
  readonly projectKey?: string;
  readonly refreshable?: boolean;
  readonly tokenDescription?: string;
  readonly jfrogCaCertificate?: string;
  readonly metricSecretName?: string;
  readonly expiryWarningSeconds?: number;
  /** another JFrog than the emulator (the function's environment allows only the emulator) */
  readonly jfrogUrl?: string;
  readonly overdueAfterSeconds?: number;
  /** the rotation interval (createSecret fails on a token JFrog gives less life than this) */
  readonly intervalSeconds?: number;
  readonly credentialExpiryWarningSeconds?: number;
  /** the function's parameter path below the prefix (the tests' shared function by default) */
  readonly functionId?: string;
  /** the secret the settings are bound to (the rotated secret by default) */
  readonly boundSecretArn?: string;
  /**
   * the parameter's key: the secret's name (a name known at synth, the default) or its name with
   * Secrets Manager's suffix (a name generated at deployment, the construct's default secret)
   */
  readonly keyedBy?: 'name' | 'generatedName';
}

export const FUNCTION_NAME = 'jfrog-token-rotation-test';
/** the function's ARN as run-handler.js gives it to the handler (moto's default account) */
export const FUNCTION_ARN = functionArnFor(FUNCTION_NAME);

export interface RotationOutcome {
  readonly token: string;
  readonly failed?: { readonly step: StepName; readonly result: InvokeResult };
}

export interface StageView {
  readonly versionId?: string;
  /** the value as JSON; undefined when it is not JSON (raw has it) */
  readonly value?: Record<string, any>;
  readonly raw?: string;
}

function parseJson(text: string | undefined): Record<string, any> | undefined {
  try {
    return JSON.parse(text ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

/** the two emulators plus a driver that invokes the bundled handler as Secrets Manager does */
export class Harness {
  public static async start(): Promise<Harness> {
    const [moto, jfrog] = await Promise.all([MotoServer.start(), JfrogEmulator.start()]);
    return new Harness(moto, jfrog);
  }

  public readonly sm: SecretsManagerClient;
  /** per function: the pins and credential secrets its deployment would put in its environment */
  private readonly deployments = new Map<string, { pins: string[]; credentials: string[] }>();
  /** the secrets configured since the last assertInvariantsOfAll, with their user and token field */
  private readonly configured = new Map<string, { readonly username: string; readonly tokenField: string; readonly revokePrevious: boolean }>();
  public readonly ssm: SSMClient;
  /** every line any invocation printed, and every error it returned: checked for leaks */
  public readonly allOutput: string[] = [];

  private constructor(public readonly moto: MotoServer, public readonly jfrog: JfrogEmulator) {
    const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    this.sm = new SecretsManagerClient(clientConfig);
    this.ssm = new SSMClient(clientConfig);
  }

  /**
   * the invariants of every secret configured since the last call (for afterEach): at most the
   * current, previous and pending tokens of each secret alive at JFrog, one per rotation, and a
   * rotated AWSCURRENT (one with a tokenId) holding a token JFrog accepts
   */
  public async assertInvariantsOfAll(): Promise<void> {
    const secrets = [...this.configured];
    this.configured.clear();
    for (const [secretArn, { username, tokenField, revokePrevious }] of secrets) {
      await this.assertInvariants(secretArn, username, tokenField, { allowPending: true, allowUnrotated: true, keepsOldTokens: !revokePrevious });
    }
  }

  /**
   * nothing secret in anything the functions printed or returned: every token the emulator ever
   * made, the given passwords, and each in the forms it may take on its way out (JSON-escaped,
   * URL-encoded, base64, a Basic header's base64 of user:password)
   */
  public assertNothingLeaked(passwords: Array<{ readonly user: string; readonly password: string }> = []): void {
    const output = this.allOutput.join('\n');
    expect(output.length).toBeGreaterThan(0);
    const values = [...this.jfrog.tokens.values()].flatMap((t) => [t.accessToken, t.referenceToken ?? t.accessToken]);
    values.push(...this.jfrog.refreshTokensIssued);
    for (const { user, password } of passwords) {
      values.push(password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password), Buffer.from(password).toString('base64'), Buffer.from(`${user}:${password}`).toString('base64'));
    }
    const leaked = values.filter((v) => output.includes(v));
    expect(leaked).toEqual([]);
    expect(output).not.toMatch(/(bearer|basic) (?!\*\*\*)[A-Za-z0-9+/=_.-]{12,}/i);
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./);
  }

  public async stop(): Promise<void> {
    this.sm.destroy();
    this.ssm.destroy();
    await Promise.all([this.moto.stop(), this.jfrog.stop()]);
  }

  /**
   * a secret with rotation turned on for the test function, as the construct's rotation schedule
   * does (RotateSecret without rotating now: the patched moto only records the function)
   */
  public async createSecret(value: string | Record<string, unknown>, options: { name?: string; functionArn?: string } = {}): Promise<string> {
    const out = await this.sm.send(new CreateSecretCommand({
      Name: options.name ?? `jfrog-token-${randomUUID().slice(0, 8)}`,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }));
    await this.sm.send(new RotateSecretCommand({
      SecretId: out.ARN,
      RotationLambdaARN: options.functionArn ?? FUNCTION_ARN,
      RotateImmediately: false,
      RotationRules: { AutomaticallyAfterDays: 30 },
    }));
    return out.ARN!;
  }

  /**
   * what RotateSecret does before it invokes the function: a new version with AWSPENDING and
   * no value, named by the ClientRequestToken
   */
  public async startRotation(secretArn: string, token: string = randomUUID()): Promise<string> {
    await this.sm.send(new RotateSecretCommand({ SecretId: secretArn, ClientRequestToken: token, RotateImmediately: true }));
    return token;
  }

  public async plainSecret(value: string | Record<string, unknown>): Promise<string> {
    const out = await this.sm.send(new CreateSecretCommand({
      Name: `jfrog-credential-${randomUUID().slice(0, 8)}`,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }));
    return out.ARN!;
  }

  /**
   * the rotation's settings as the construct deploys them (an SSM parameter under the function's
   * path, named after the secret), and the function's environment
   */
  public async configure(secretArn: string, settings: RotationSettings, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const functionId = settings.functionId ?? 'test';
    const configPath = `${CONFIG_PARAMETER_PREFIX}/${functionId}/`;
    const parameter: RotationParameter = {
      v: 1,
      secretArn: settings.boundSecretArn ?? secretArn,
      jfrogUrl: settings.jfrogUrl ?? this.jfrog.url,
      username: settings.username,
      scope: settings.scope,
      lifetimeSeconds: settings.lifetimeSeconds,
      tokenField: settings.tokenField ?? 'token',
      revokePrevious: settings.revokePrevious ?? true,
      credentialsKind: settings.credentialsKind,
      credentialsSecretArn: settings.credentialsSecretArn,
      credentialsField: settings.credentialsField,
      referenceTokenField: settings.referenceTokenField,
      audience: settings.audience,
      projectKey: settings.projectKey,
      refreshable: settings.refreshable,
      tokenDescription: settings.tokenDescription,
      jfrogCaCertificate: settings.jfrogCaCertificate,
      metricSecretName: settings.metricSecretName ?? secretNameOfArn(secretArn)!.name,
      expiryWarningSeconds: settings.expiryWarningSeconds ?? 15 * 86400,
      overdueAfterSeconds: settings.overdueAfterSeconds ?? 31 * 86400,
      ...(settings.intervalSeconds !== undefined ? { intervalSeconds: settings.intervalSeconds } : {}),
      ...(settings.credentialExpiryWarningSeconds !== undefined ? { credentialExpiryWarningSeconds: settings.credentialExpiryWarningSeconds } : {}),
    };
    const names = secretNameOfArn(secretArn)!;
    const key = settings.keyedBy === 'generatedName' ? names.nameWithSuffix! : parameterKey(names.name);
    await this.putSettings(`${configPath}${key}`, JSON.stringify(parameter));
    // a name generated at deployment is unknown at synth: the construct pins it beside the digest
    this.pin(functionId, key, parameter, settings.keyedBy === 'generatedName' ? 'beside' : 'inside');
    this.configured.set(secretArn, {
      username: settings.username.toLowerCase(), tokenField: settings.tokenField ?? 'token', revokePrevious: settings.revokePrevious ?? true,
    });
    return this.functionEnv(functionId, extra);
  }

  /**
   * a secret holding only its user, rotated with an admin token kept in a credential secret of
   * its own (the trust tests' victim): the secret, the function's environment and the credential
   */
  public async adminRotation(adminToken: string, settings: Omit<RotationSettings, 'credentialsKind' | 'credentialsSecretArn'>) {
    const credentialsSecretArn = await this.plainSecret({ token: adminToken });
    const secretArn = await this.createSecret({ username: settings.username });
    const env = await this.configure(secretArn, { ...settings, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn });
    return { secretArn, env, credentialsSecretArn };
  }

  /** what the construct pins in the function's environment for these settings (see settingsPin) */
  public pin(functionId: string, key: string, parameter: RotationParameter, keyPinned: 'inside' | 'beside' = 'inside'): void {
    const deployment = this.deployments.get(functionId) ?? { pins: [], credentials: [] };
    this.deployments.set(functionId, deployment);
    let credentialsIndex = -1;
    if (parameter.credentialsSecretArn !== undefined) {
      credentialsIndex = deployment.credentials.indexOf(parameter.credentialsSecretArn);
      if (credentialsIndex < 0) credentialsIndex = deployment.credentials.push(parameter.credentialsSecretArn) - 1;
    }
    const pin = settingsPin({
      key: keyPinned === 'inside' ? key : undefined,
      jfrogUrl: parameter.jfrogUrl.replace(/\/$/, ''),
      username: parameter.username,
      scope: parameter.scope,
      lifetimeSeconds: parameter.lifetimeSeconds,
      tokenField: parameter.tokenField,
      revokePrevious: parameter.revokePrevious,
      credentialsKind: parameter.credentialsKind,
      credentialsIndex,
      credentialsField: parameter.credentialsField,
      referenceTokenField: parameter.referenceTokenField,
      audience: parameter.audience,
      projectKey: parameter.projectKey,
      refreshable: parameter.refreshable,
      tokenDescription: parameter.tokenDescription,
      jfrogCaCertificate: parameter.jfrogCaCertificate,
    });
    deployment.pins.push(keyPinned === 'inside' ? pin : `${pin}@${key}`);
  }

  public async putSettings(name: string, value: string): Promise<void> {
    await this.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
  }

  /** the environment Lambda would give the function whose parameters are under functionId */
  public functionEnv(functionId = 'test', extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.moto.endpoint,
      AWS_ENDPOINT_URL_SSM: this.moto.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: this.moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      // Lambda's role credentials are temporary: a session token comes with them, and the IAM
      // exchange signs it (x-amz-security-token)
      AWS_SESSION_TOKEN: 'testing-session',
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      NODE_EXTRA_CA_CERTS: this.jfrog.tls.caPath,
      [ENV.configPath]: `${CONFIG_PARAMETER_PREFIX}/${functionId}/`,
      [ENV.allowedJfrogUrls]: this.jfrog.url,
      [ENV.pins]: (this.deployments.get(functionId)?.pins ?? []).join(' '),
      [ENV.credentials]: (this.deployments.get(functionId)?.credentials ?? []).join(' '),
      // publishEvents, the construct's default: each promotion is announced on moto's default bus
      [ENV.eventBus]: 'default',
      ...extra,
    };
  }

  /**
   * one rotation step, as Secrets Manager sends it: a createSecret for a version that does not
   * exist yet starts the rotation first (RotateSecret stages it), as the service does. an
   * invocation Secrets Manager would never send goes through invokeEvent.
   */
  public async invoke(step: string, secretArn: string, clientRequestToken: string, env: Record<string, string>,
    options: InvokeOptions & { rotationToken?: string } = {}): Promise<InvokeResult> {
    const secret = await this.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
    if (step === 'createSecret' && secret.RotationEnabled && !(clientRequestToken in (secret.VersionIdsToStages ?? {}))) {
      await this.startRotation(secretArn, clientRequestToken);
    }
    const event = {
      Step: step,
      SecretId: secretArn,
      ClientRequestToken: clientRequestToken,
      ...(options.rotationToken ? { RotationToken: options.rotationToken } : {}),
    };
    return this.invokeEvent(event, env, options);
  }

  /** the scheduled health check, as its EventBridge rule sends it */
  public healthCheck(secretArn: string | undefined, env: Record<string, string>): Promise<InvokeResult> {
    return this.invokeEvent({ jfrogTokenRotationHealthCheck: secretArn ? { secretId: secretArn } : {} }, env, {});
  }

  /**
   * one invocation in a fresh process. `timeoutMs` is the Lambda timeout; `crashOn` kills the
   * process (like a Lambda that dies) the moment JFrog receives a matching request.
   */
  public async invokeEvent(event: unknown, env: Record<string, string>, options: InvokeOptions): Promise<InvokeResult> {
    const result = await invokeHandler(HANDLER, event, env, {
      timeoutMs: options.timeoutMs,
      onStart: (kill) => {
        const onRequest = (req: { method: string; path: string }) => {
          if (options.crashOn && req.method === options.crashOn.method && req.path.startsWith(options.crashOn.path)) kill();
        };
        this.jfrog.on('request', onRequest);
        return () => this.jfrog.off('request', onRequest);
      },
    });
    this.allOutput.push(result.logs, result.errorMessage ?? '', result.value === undefined ? '' : JSON.stringify(result.value));
    return result;
  }

  /** all four steps with one ClientRequestToken, stopping at the first failure */
  public async rotate(secretArn: string, env: Record<string, string>, token: string = randomUUID()): Promise<RotationOutcome> {
    for (const step of STEPS) {
      const result = await this.invoke(step, secretArn, token, env);
      if (!result.ok) return { token, failed: { step, result } };
    }
    return { token };
  }

  /** read each stage by its label (moto answers unstaged reads wrongly) */
  public async stage(secretArn: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS' | 'AWSPENDING'): Promise<StageView> {
    try {
      const out = await this.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
      return { versionId: out.VersionId, value: parseJson(out.SecretString), raw: out.SecretString };
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return {};
      throw e;
    }
  }

  public async versions(secretArn: string): Promise<Record<string, string[]>> {
    const out = await this.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
    return out.VersionIdsToStages ?? {};
  }

  /**
   * the invariants after any scenario: AWSCURRENT holds a token JFrog accepts; no rotation
   * (ClientRequestToken) left two live tokens (a mint whose answer was unusable is revoked);
   * the user's live API tokens are at most the current and the previous one.
   */
  public async assertInvariants(secretArn: string, username: string, tokenField = 'token',
    options: { allowPending?: boolean; allowUnrotated?: boolean; keepsOldTokens?: boolean } = {}): Promise<void> {
    const current = await this.stage(secretArn, 'AWSCURRENT');
    const previous = await this.stage(secretArn, 'AWSPREVIOUS');
    const token = current.value?.[tokenField];
    if (!options.allowUnrotated || current.value?.tokenId !== undefined) {
      expect({ secretArn, currentTokenValid: this.jfrog.validToken(token) !== undefined }).toEqual({ secretArn, currentTokenValid: true });
    }
    // a refreshed token counts for the version its refresh was for, whatever description JFrog kept
    const forVersion = (t: { description?: string; askedDescription?: string }) => t.askedDescription ?? t.description;
    const minted = this.jfrog.apiTokens(username).filter((t) => !t.revoked && forVersion(t)?.startsWith(`cdk-jfrog-token-rotation: ${secretArn} version `));
    const perVersion = new Map<string, number>();
    for (const t of minted) {
      // the version id, before the user's own words (tokenDescription) if any
      const version = /version (\S+)(?: \| .*)?$/.exec(forVersion(t) ?? '')?.[1] ?? '?';
      perVersion.set(version, (perVersion.get(version) ?? 0) + 1);
    }
    for (const [version, count] of perVersion) {
      expect({ version, count }).toEqual({ version, count: 1 });
    }
    const pending = options.allowPending ? await this.stage(secretArn, 'AWSPENDING') : undefined;
    const allowed = [token, previous.value?.[tokenField], pending?.value?.[tokenField]].filter(Boolean);
    // revokePrevious: false leaves old tokens to expire by design
    const live = options.keepsOldTokens ? [] : this.jfrog.liveApiTokens(username).filter((t) => forVersion(t)?.startsWith(`cdk-jfrog-token-rotation: ${secretArn} version `));
    for (const t of live) {
      expect({ secretArn, liveToken: t.id, allowed: allowed.includes(t.accessToken) }).toEqual({ secretArn, liveToken: t.id, allowed: true });
    }
  }
}
