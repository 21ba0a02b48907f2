import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { readConfig, RotationConfig } from './handler/config';
import { RotationError } from './handler/errors';
import { checkHealth } from './handler/health';
import { JfrogClient } from './handler/jfrog-client';
import { logger } from './handler/log';
import { SecretStore } from './handler/secret-store';
import { RotationEvent, runStep } from './handler/steps';
import { secretNameOf, Telemetry } from './handler/telemetry';
import { HEALTH_CHECK_FIELD, METRICS } from './rotation-config';

// module scope: reused across invocations of a warm function
// bounded calls: a hung request must fail the step, not eat the invocation's time
const secretsManager = new SecretsManagerClient({ requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } });
let config: RotationConfig | undefined;

/** the scheduled health check's input: { "jfrogTokenRotationHealthCheck": { "secretId": "<arn>" } } */
export interface HealthCheckEvent {
  readonly [HEALTH_CHECK_FIELD]: { readonly secretId: string };
}

type Invocation = RotationEvent | HealthCheckEvent;

export async function handler(event: Invocation, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> {
  const started = Date.now();
  const store = new SecretStore(secretsManager);
  const healthCheck = (event as HealthCheckEvent)?.[HEALTH_CHECK_FIELD];
  const secretId = healthCheck ? healthCheck.secretId : (event as RotationEvent)?.SecretId;
  const base: Record<string, unknown> = healthCheck
    ? { step: 'healthCheck', secretId }
    : { step: (event as RotationEvent)?.Step, secretId, clientRequestToken: (event as RotationEvent)?.ClientRequestToken };
  const outcome: Record<string, unknown> = {};
  let telemetry: Telemetry | undefined;
  try {
    config ??= readConfig(process.env);
    telemetry = new Telemetry(config.metricSecretName ?? secretNameOf(secretId));
    if (healthCheck) {
      const health = await checkHealth(healthCheck.secretId, store, config.tokenField, new Date());
      if (health.secondsUntilExpiry !== undefined) telemetry.seconds(METRICS.secondsUntilExpiry, health.secondsUntilExpiry);
      if (health.secondsSinceLastRotation !== undefined) telemetry.seconds(METRICS.secondsSinceLastRotation, health.secondsSinceLastRotation);
      Object.assign(outcome, health);
    } else {
      const jfrog = new JfrogClient(config.jfrogUrl, { remainingMs: () => context.getRemainingTimeInMillis() });
      await runStep(event as RotationEvent, { config, store, jfrog, now: () => new Date() }, outcome);
      outcome.jfrogCalls = jfrog.calls.length;
      if (outcome.result === 'promoted') {
        telemetry.count(METRICS.rotationSucceeded);
        if (typeof outcome.expiresAt === 'string') {
          telemetry.seconds(METRICS.secondsUntilExpiry, (Date.parse(outcome.expiresAt) - Date.now()) / 1000);
        }
      }
      if (outcome.revocation === 'failed') telemetry.count(METRICS.revocationFailed);
    }
    logger.info(`${base.step} succeeded`, { ...base, ...outcome, outcome: 'success', durationMs: Date.now() - started, secretsManagerCalls: store.calls });
  } catch (e) {
    const err = e instanceof RotationError ? e : new RotationError(`${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`);
    if (!healthCheck) telemetry?.count(METRICS.rotationFailed);
    logger.error(`${base.step} failed`, { ...base, ...outcome, outcome: 'failure', errorType: err.name, error: err.message, durationMs: Date.now() - started });
    throw err;
  } finally {
    telemetry?.flush();
  }
}
