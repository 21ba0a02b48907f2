import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { readConfig, RotationConfig } from './handler/config';
import { RotationError } from './handler/errors';
import { JfrogClient } from './handler/jfrog-client';
import { log } from './handler/log';
import { SecretStore } from './handler/secret-store';
import { RotationEvent, runStep } from './handler/steps';

// module scope: reused across invocations of a warm function
const secretsManager = new SecretsManagerClient({});
let config: RotationConfig | undefined;

export async function handler(event: RotationEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> {
  const started = Date.now();
  const outcome: Record<string, unknown> = {};
  const base = { step: event?.Step, secretId: event?.SecretId, clientRequestToken: event?.ClientRequestToken };
  const store = new SecretStore(secretsManager);
  let jfrog: JfrogClient | undefined;
  try {
    config ??= readConfig(process.env);
    jfrog = new JfrogClient(config.jfrogUrl, { remainingMs: () => context.getRemainingTimeInMillis() });
    await runStep(event, { config, store, jfrog, now: () => new Date() }, outcome);
    log('INFO', `${event.Step} succeeded`, { ...base, ...outcome, outcome: 'success', durationMs: Date.now() - started, jfrogCalls: jfrog.calls.length, secretsManagerCalls: store.calls });
  } catch (e) {
    const err = e instanceof RotationError ? e : new RotationError(`${(e as Error).name ?? 'Error'}: ${(e as Error).message ?? String(e)}`);
    log('ERROR', `${event?.Step} failed`, { ...base, ...outcome, outcome: 'failure', errorType: err.name, error: err.message, durationMs: Date.now() - started });
    throw err;
  }
}
