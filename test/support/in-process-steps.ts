import * as https from 'https';
import { FUNCTION_ARN, Harness, RotationSettings } from './harness';
import { secretsManagerClient, ssmClient } from '../../src/handler/aws';
import { ConfigStore, configPathFrom, deploymentFrom } from '../../src/handler/config';
import { JfrogClient } from '../../src/handler/jfrog-client';
import { forgetSecrets } from '../../src/handler/redact';
import { SecretStore } from '../../src/handler/secret-store';
import { RotationEvent, runStep, StepOutcome, STEPS } from '../../src/handler/steps';

// the steps module run in the test's own process (not the bundle), as the handler runs it:
// settings from SSM (moto) checked against the pins, the handler's own SDK clients, JFrog (the
// emulator). steps.test.ts and compatibility.test.ts drive rotations through it.

export const DAY = 86_400;
/** the user the rotations' tokens are for */
export const USER = 'ci-bot';

export interface StepResult {
  readonly ok: boolean;
  readonly error?: Error;
  readonly outcome: StepOutcome;
}

export interface RotationResult {
  /** the rotation's version (ClientRequestToken) */
  readonly token: string;
  /** the step that failed, if one did */
  readonly failed?: { readonly step: string; readonly error?: Error };
}

export interface StepOptions {
  readonly functionArn?: string;
  /** Secrets Manager failing the write of AWSPENDING (the value is not stored) */
  readonly putFails?: boolean;
  /** fields of the event to leave out */
  readonly event?: Partial<Record<'SecretId' | 'ClientRequestToken', undefined>>;
}

export class InProcessSteps {
  /** moto and the emulator started, USER known to JFrog, and an admin token seeded for `setup` */
  public static async start(): Promise<InProcessSteps> {
    const h = await Harness.start();
    h.jfrog.addUser(USER, { password: 'ci-bot-Passw0rd!' });
    return new InProcessSteps(h, h.jfrog.seedToken('admin', 'applied-permissions/admin'));
  }

  /** @param adminToken the admin token `setup` keeps in each rotation's credential secret */
  private constructor(public readonly h: Harness, public readonly adminToken: string) {}

  /** one step, run as the handler runs it: settings from SSM (checked against the pins), then the step */
  public async step(name: string, secretArn: string, token: string, env: Record<string, string>, options: StepOptions = {}): Promise<StepResult> {
    forgetSecrets();
    const outcome: StepOutcome = {};
    const { secretsManager, ssm } = clientsFor(env);
    try {
      const configs = new ConfigStore(ssm, configPathFrom(env), deploymentFrom(env));
      const config = await configs.forSecret(secretArn);
      const jfrog = new JfrogClient(config.jfrogUrl, { remainingMs: () => 60_000, agent: new https.Agent({ ca: this.h.jfrog.tls.ca }) });
      const store = new SecretStore(secretsManager);
      if (options.putFails) {
        store.putPending = async () => { throw Object.assign(new Error('Secrets Manager failed the request'), { name: 'InternalServiceError' }); };
      }
      await runStep({ Step: name, SecretId: secretArn, ClientRequestToken: token, ...options.event } as RotationEvent,
        { config, store, jfrog, now: () => new Date(), functionArn: 'functionArn' in options ? options.functionArn : FUNCTION_ARN }, outcome);
      return { ok: true, outcome };
    } catch (e) {
      return { ok: false, error: e as Error, outcome };
    } finally {
      secretsManager.destroy();
      ssm.destroy();
    }
  }

  /** a rotation as Secrets Manager runs it: RotateSecret stages the version, then the four steps */
  public async rotate(secretArn: string, env: Record<string, string>, token?: string): Promise<RotationResult> {
    const id = token ?? await this.h.startRotation(secretArn);
    for (const name of STEPS) {
      const result = await this.step(name, secretArn, id, env);
      if (!result.ok) return { token: id, failed: { step: name, error: result.error } };
    }
    return { token: id };
  }

  /** a secret holding `value`, rotated for USER with the admin token (settings overridable) */
  public async setup(value: Record<string, unknown> = { username: USER }, overrides: Partial<RotationSettings> = {}) {
    const credentialsSecretArn = await this.h.plainSecret({ token: this.adminToken });
    const secretArn = await this.h.createSecret(value);
    await this.h.configure(secretArn, {
      username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn, ...overrides,
    });
    return { secretArn, env: this.h.functionEnv(overrides.functionId), credentialsSecretArn };
  }

  /** AWSCURRENT's value, parsed */
  public async current(secretArn: string): Promise<Record<string, any>> {
    return (await this.h.stage(secretArn, 'AWSCURRENT')).value!;
  }
}

/** the handler's own SDK clients, pointed at moto as the function's environment points them */
function clientsFor(env: Record<string, string>) {
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
  return {
    secretsManager: secretsManagerClient({ endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER, region: env.AWS_REGION, credentials }),
    ssm: ssmClient({ endpoint: env.AWS_ENDPOINT_URL_SSM, region: env.AWS_REGION, credentials }),
  };
}
