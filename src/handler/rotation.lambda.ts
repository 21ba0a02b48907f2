// a little over this project's usual 350 lines on purpose: the entry point dispatches each kind of
// invocation (rotation steps, the health check, failure events, the deployment hooks) and reports
// its metrics; what each one does lives in its own module
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { eventBridgeClient, secretsManagerClient, setInvocationDeadline, ssmClient } from './aws';
import { assertConfigFor, ConfigStore, configPathFrom, deploymentFrom, RotationConfig } from './config';
import { checkCredentials, credentialKey, credentialName } from './credential-check';
import { DeploymentAnswer, deploymentHook, isDeploymentEvent } from './deployment';
import { ConfigurationError, JfrogError, RefusedInvocationError, RotationError } from './errors';
import { publishTokenRotated } from './events';
import { checkHealth, TokenCount } from './health';
import { JfrogClient } from './jfrog-client';
import { logger } from './log';
import { RotationMetrics } from './metrics';
import { forgetSecrets } from './redact';
import { SecretStore } from './secret-store';
import { clearCredentialCache, RotationEvent, runStep, StepOutcome } from './steps';
import { ENV, HEALTH_CHECK_FIELD, METRICS, normalizeJfrogUrl, ROTATION_FAILURE_EVENTS, secretNameOfArn } from '../contract/rotation-config';

// module scope: reused across invocations of a warm function; made at the first invocation so
// that an environment problem is logged as the invocation's error
let clients: { readonly store: SecretStore; readonly configs: ConfigStore; readonly events: EventBridgeClient } | undefined;
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
/** the bus each promotion is announced on (the construct's publishEvents); none: no event */
const eventBus = process.env[ENV.eventBus] || undefined;

function aws() {
  clients ??= {
    store: new SecretStore(secretsManagerClient()),
    configs: new ConfigStore(ssmClient(), configPathFrom(process.env), deploymentFrom(process.env)),
    events: eventBridgeClient(),
  };
  return clients;
}

/**
 * the scheduled health check: `{ "jfrogTokenRotationHealthCheck": {} }` checks every rotation of
 * the function, `{ ..., "secretId": "<arn>" }` one secret
 */
export interface HealthCheckEvent {
  readonly [HEALTH_CHECK_FIELD]: { readonly secretId?: string };
}

/** Secrets Manager's rotation failure events, as the function's EventBridge rule forwards them */
export interface RotationFailureEvent {
  readonly source: 'aws.secretsmanager';
  readonly detail: { readonly eventName: string; readonly additionalEventData?: { readonly SecretId?: string } };
}

type Invocation = RotationEvent | HealthCheckEvent | RotationFailureEvent | import('./deployment').DeploymentEvent;
type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>;

/**
 * one of four invocations: a rotation step from Secrets Manager, the scheduled health check, a
 * rotation failure event, a deployment hook (the provider framework's onEvent and isComplete)
 */
export async function handler(event: Invocation, context: InvocationContext): Promise<void | DeploymentAnswer> {
  logger.addContext(context as Context);
  logger.resetKeys();
  forgetSecrets();
  setInvocationDeadline(() => context.getRemainingTimeInMillis());
  const metrics = new RotationMetrics();
  try {
    if ((event as HealthCheckEvent)?.[HEALTH_CHECK_FIELD]) {
      const secretId = (event as HealthCheckEvent)[HEALTH_CHECK_FIELD].secretId;
      const problem = eventProblem({ SecretId: secretId });
      if (problem) throw new RefusedInvocationError(`the health check's secretId: ${problem}`);
      await healthCheck(secretId, context, metrics);
    } else if ((event as RotationFailureEvent)?.source === 'aws.secretsmanager') {
      await rotationFailure(event as RotationFailureEvent, metrics);
    } else if (isDeploymentEvent(event)) {
      return await deployment(event, context, metrics);
    } else {
      await rotationStep(event as RotationEvent, context, metrics);
    }
  } finally {
    metrics.publish();
  }
}

/**
 * the longest each event field can be when Secrets Manager sends it, as AWS's API model bounds
 * them (secretsmanager 2017-10-17: SecretIdType 2048, ClientRequestTokenType 32 to 64,
 * RotationTokenType 256), and a step name. Anything longer is refused before it is logged:
 * whoever may invoke the function controls the event, and every log line and message goes
 * through redaction
 */
const EVENT_FIELD_LIMITS = { Step: 32, SecretId: 2048, ClientRequestToken: 64, RotationToken: 256 } as const;

/** why the event cannot be from Secrets Manager (a field of the wrong type or length), or undefined */
function eventProblem(event: Record<string, unknown> | undefined): string | undefined {
  for (const [field, limit] of Object.entries(EVENT_FIELD_LIMITS)) {
    const value = event?.[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return `${field} is a ${typeof value}, not a string`;
    if (value.length > limit) {
      return `${field} is ${value.length} characters long; Secrets Manager sends ${field === 'SecretId' ? 'an ARN' : 'one'} of at most ${limit}`;
    }
  }
  return undefined;
}

/** a rotation step: load the secret's settings, run the step, report what it did */
async function rotationStep(event: RotationEvent, context: InvocationContext, metrics: RotationMetrics): Promise<void> {
  const started = Date.now();
  const problem = eventProblem(event as unknown as Record<string, unknown>);
  // nothing of a refused event is logged: its fields may be anything
  const step = problem ? 'refused event' : event?.Step;
  logger.appendKeys(problem ? { step } : { step, secretId: event?.SecretId, clientRequestToken: event?.ClientRequestToken });
  const outcome: StepOutcome = {};
  let config: RotationConfig | undefined;
  try {
    if (problem) throw new RefusedInvocationError(`${problem}: only Secrets Manager should invoke this function; nothing was read or written`);
    if (!event?.SecretId) throw new RotationError('the event has no SecretId; Secrets Manager sends one with every rotation step');
    const { store, configs } = aws();
    const callsBefore = store.calls;
    config = await configs.forSecret(event.SecretId);
    const jfrog = new JfrogClient(config.jfrogUrl, { remainingMs: () => context.getRemainingTimeInMillis(), ca: config.jfrogCaCertificate });
    await runStep(event, { config, store, jfrog, now: () => new Date(), functionArn: context.invokedFunctionArn }, outcome);
    // after the promotion, which stands whatever becomes of the event
    const rotatedEvent = outcome.promotion && eventBus ? await announce(config, outcome, metrics) : undefined;
    reportSuccess(config, outcome, metrics);
    logger.info(`${event.Step} succeeded`, {
      ...outcome, outcome: 'success', durationMs: Date.now() - started, jfrogCalls: jfrog.calls.length, secretsManagerCalls: store.calls - callsBefore, rotatedEvent,
    });
  } catch (e) {
    const err = asRotationError(e);
    // a credential that failed may have changed: read it afresh next time
    clearCredentialCache();
    if (config) {
      metrics.secret(config.metricSecretName).count(METRICS.rotationFailed);
      // a step can fail after a token it took back could not be revoked (one it minted and could not store)
      reportRevocationFailures(config, outcome, metrics);
    }
    // an invocation Secrets Manager did not start (or settings bound to another secret): a
    // probe or an attack, counted for the function so an alarm can watch it
    if (err instanceof RefusedInvocationError) metrics.fn(functionName).count(METRICS.refusedInvocations);
    logger.error(`${step} failed`, { ...outcome, outcome: 'failure', errorType: err.name, error: err.message, durationMs: Date.now() - started });
    throw err;
  }
}

/** the deployment hooks: the wait for first rotations, the teardown (deployment.ts) */
async function deployment(event: import('./deployment').DeploymentEvent, context: InvocationContext, metrics: RotationMetrics): Promise<DeploymentAnswer> {
  const { store, configs } = aws();
  try {
    return await deploymentHook(event, {
      store,
      configs,
      jfrogFor: (config) => new JfrogClient(config.jfrogUrl, {
        remainingMs: () => context.getRemainingTimeInMillis(), ca: config.jfrogCaCertificate,
      }),
      // each step as Secrets Manager would invoke it: logged, counted and checked like one
      runStep: async (step, secretId, versionId) => {
        logger.resetKeys();
        try {
          await rotationStep({ Step: step, SecretId: secretId, ClientRequestToken: versionId }, context, metrics);
        } finally {
          logger.resetKeys();
        }
      },
      now: () => Date.now(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      onRefused: () => metrics.fn(functionName).count(METRICS.refusedInvocations),
      onRevocationFailures: (config, failures) => {
        metrics.secret(config.metricSecretName).count(METRICS.revocationFailed, failures);
        metrics.fn(functionName).count(METRICS.revocationFailed, failures);
      },
    });
  } catch (e) {
    const err = asRotationError(e);
    if (err instanceof RefusedInvocationError) metrics.fn(functionName).count(METRICS.refusedInvocations);
    logger.error(`${String(event.ResourceType).slice(0, 64)} ${String(event.RequestType).slice(0, 16)} failed`, { outcome: 'failure', errorType: err.name, error: err.message });
    throw err;
  }
}

/** the metrics of a step that succeeded: a promotion, the new token's expiry, revocations that failed */
function reportSuccess(config: RotationConfig, outcome: StepOutcome, metrics: RotationMetrics): void {
  const secret = metrics.secret(config.metricSecretName);
  if (outcome.shortenedLifetime) {
    secret.count(METRICS.shortenedTokenLifetime);
    metrics.fn(functionName).count(METRICS.shortenedTokenLifetime);
  }
  if (outcome.result === 'promoted') {
    secret.count(METRICS.rotationSucceeded);
    if (outcome.expiresAt !== undefined) {
      const left = (Date.parse(outcome.expiresAt) - Date.now()) / 1000;
      secret.seconds(METRICS.secondsUntilExpiry, left);
      metrics.fn(functionName).lowestSeconds(METRICS.expiryHeadroom, left - config.expiryWarningSeconds);
    }
  }
  reportRevocationFailures(config, outcome, metrics);
}

/** tells consumers a new token is in AWSCURRENT; an event EventBridge did not take is counted, never thrown */
async function announce(config: RotationConfig, outcome: StepOutcome, metrics: RotationMetrics): Promise<'published' | 'failed'> {
  const promotion = outcome.promotion!;
  const result = await publishTokenRotated(aws().events, eventBus!, {
    ...promotion,
    tokenId: outcome.tokenId,
    expiresAt: outcome.expiresAt,
    username: config.username,
    jfrogUrl: normalizeJfrogUrl(config.jfrogUrl),
    result: 'promoted',
    revocation: outcome.revocation,
  });
  if (result === 'failed') {
    metrics.secret(config.metricSecretName).count(METRICS.eventPublishFailed);
    metrics.fn(functionName).count(METRICS.eventPublishFailed);
  }
  return result;
}

/**
 * tokens that could not be revoked and stay valid until they expire: per secret, and per function
 * for its alarm (one alarm for all its rotations; the warning logged names the secret and token)
 */
function reportRevocationFailures(config: RotationConfig, outcome: StepOutcome, metrics: RotationMetrics): void {
  const failures = outcome.revocationFailures ?? 0;
  if (failures === 0) return;
  metrics.secret(config.metricSecretName).count(METRICS.revocationFailed, failures);
  metrics.fn(functionName).count(METRICS.revocationFailed, failures);
}

/**
 * how long each token still lives and how long ago it rotated, how many tokens of each rotation
 * are alive, and whether the credentials that mint still work. rotation happens once per
 * interval, far too sparse for an alarm; this runs several times a day and feeds the expiry,
 * overdue, credential and excess-token alarms, one of each for all the function's rotations
 * (normalized to 0 = alarm). one bad rotation or credential never hides the others: each is
 * reported, then the invocation fails at the end (the errors alarm fires too)
 */
async function healthCheck(secretId: string | undefined, context: InvocationContext, metrics: RotationMetrics): Promise<void> {
  const started = Date.now();
  logger.appendKeys({ step: 'healthCheck' });
  const { store, configs } = aws();
  const callsBefore = store.calls;
  // the check proves the credentials as they are now, not as a rotation cached them
  clearCredentialCache();
  const targets: Array<RotationConfig | ConfigurationError> = secretId
    ? [await configs.forSecret(secretId).catch((e) => asRotationError(e))]
    : await configs.all();
  const failures: string[] = [];
  const now = new Date();
  // one client per JFrog: its calls are counted for the log
  const jfrogClients = new Map<string, JfrogClient>();
  const jfrogFor = (config: RotationConfig) => {
    // per JFrog and the CA it is trusted with (jfrogCaCertificate)
    const key = `${config.jfrogUrl.href} ${config.jfrogCaCertificate ?? ''}`;
    let client = jfrogClients.get(key);
    if (!client) {
      client = new JfrogClient(config.jfrogUrl, { remainingMs: () => context.getRemainingTimeInMillis(), ca: config.jfrogCaCertificate });
      jfrogClients.set(key, client);
    }
    return client;
  };
  const fn = metrics.fn(functionName);
  const rotations = targets.filter((t): t is RotationConfig => !(t instanceof Error));
  // each distinct credential once, however many rotations share it
  const credentials = await checkCredentials(rotations, { store, jfrogFor, now });
  let credentialProblems = 0;
  const credentialFailures: string[] = [];
  for (const credential of credentials.values()) {
    const { name, kind, secondsUntilExpiry, failure, warning } = credential;
    const recorder = metrics.credential(name);
    if (secondsUntilExpiry !== undefined) recorder.seconds(METRICS.credentialSecondsUntilExpiry, secondsUntilExpiry);
    recorder.count(METRICS.credentialProblems, failure || warning ? 1 : 0);
    if (failure || warning) credentialProblems++;
    if (failure) {
      credentialFailures.push(`${name}: ${failure}`);
      logger.error('credential check failed', { credential: name, kind, secondsUntilExpiry, outcome: 'failure', error: failure });
    } else if (warning) {
      logger.warn('credential expires soon', { credential: name, kind, secondsUntilExpiry, outcome: 'warning', warning });
    } else {
      logger.info('credential check succeeded', { credential: name, kind, secondsUntilExpiry, outcome: 'success' });
    }
  }
  await forEachLimited(targets, 4, async (target) => {
    if (target instanceof Error) {
      failures.push(target.message);
      return;
    }
    const key = credentialKey(target);
    const credential = key === undefined ? undefined : credentials.get(key);
    // an admin credential (or the IAM role's token) lists every user's tokens; basic credentials
    // and self-rotating tokens list with the current token. A credential that failed lists nothing
    const count: TokenCount | undefined = target.credentialsKind === 'ADMIN_TOKEN' || target.credentialsKind === 'AWS_IAM_ROLE'
      ? (credential?.auth ? { jfrog: jfrogFor(target), auth: credential.auth } : undefined)
      : { jfrog: jfrogFor(target) };
    try {
      const health = await checkHealth(target, store, now, count);
      const secret = metrics.secret(target.metricSecretName);
      secret.seconds(METRICS.secondsUntilExpiry, health.secondsUntilExpiry);
      secret.seconds(METRICS.secondsSinceLastRotation, health.secondsSinceLastRotation);
      // one value for all the function's rotations: the one closest to (or past) its threshold
      fn.lowestSeconds(METRICS.expiryHeadroom, health.secondsUntilExpiry - target.expiryWarningSeconds);
      fn.highestSeconds(METRICS.overdue, health.secondsSinceLastRotation - target.overdueAfterSeconds);
      if (health.liveTokens !== undefined) secret.count(METRICS.liveTokens, health.liveTokens);
      if (health.liveTokens !== undefined && health.allowedTokens !== undefined) {
        fn.highestCount(METRICS.excessTokens, health.liveTokens - health.allowedTokens);
        if (health.liveTokens > health.allowedTokens) {
          logger.warn('more tokens of this secret are alive than the rotation keeps', {
            secretId: health.secretArn,
            liveTokens: health.liveTokens,
            allowedTokens: health.allowedTokens,
            error: `${health.liveTokens} tokens minted for ${health.secretArn} are alive, more than the ${health.allowedTokens} the rotation keeps (current, previous and a pending one): revocations failed or a rotation was abandoned. The next finished rotation revokes the extra ones; see the RevocationFailed warnings in this log`,
          });
        }
      }
      // a self-rotating rotation mints with its current token: the listing proved it works
      if (target.credentialsKind === 'SELF_ROTATING' && health.liveTokens !== undefined) metrics.credential(credentialName(target)).count(METRICS.credentialProblems, 0);
      logger.info('healthCheck succeeded', { secretId: health.secretArn, ...health, outcome: 'success' });
    } catch (e) {
      const err = asRotationError(e);
      if (target.credentialsKind === 'SELF_ROTATING' && err instanceof JfrogError && err.status === 401) {
        metrics.credential(credentialName(target)).count(METRICS.credentialProblems, 1);
        credentialProblems++;
      }
      failures.push(`${target.secretArn}: ${err.message}`);
      logger.error('healthCheck failed', { secretId: target.secretArn, outcome: 'failure', errorType: err.name, error: err.message });
    }
  });
  // always a value (0 when all is well): what the credential alarm watches
  if (rotations.length > 0) fn.highestCount(METRICS.credentialProblems, credentialProblems);
  const jfrogCalls = [...jfrogClients.values()].reduce((sum, c) => sum + c.calls.length, 0);
  logger.info('healthCheck finished', {
    checked: targets.length,
    failed: failures.length,
    credentials: credentials.size,
    credentialsFailed: credentialFailures.length,
    durationMs: Date.now() - started,
    secretsManagerCalls: store.calls - callsBefore,
    jfrogCalls,
  });
  if (failures.length > 0 || credentialFailures.length > 0) {
    const parts = [
      ...(failures.length > 0 ? [`${failures.length} of ${targets.length} rotations`] : []),
      ...(credentialFailures.length > 0 ? [`${credentialFailures.length} of ${credentials.size} credentials`] : []),
    ];
    throw new RotationError(`the health check failed for ${parts.join(' and ')}: ${[...credentialFailures, ...failures].join('; ')}`);
  }
}

/** Secrets Manager gave up on a rotation: count it for the secret's alarm if it is one of ours */
async function rotationFailure(event: RotationFailureEvent, metrics: RotationMetrics): Promise<void> {
  logger.appendKeys({ step: 'rotationFailureEvent' });
  const eventName = event.detail?.eventName;
  const secretId = event.detail?.additionalEventData?.SecretId;
  if (!secretId || !ROTATION_FAILURE_EVENTS.includes(eventName) || eventProblem({ SecretId: secretId })) {
    logger.warn('ignored an event that is not a rotation failure', { eventName: ROTATION_FAILURE_EVENTS.includes(eventName) ? eventName : 'other' });
    return;
  }
  let config: RotationConfig;
  try {
    config = await aws().configs.forSecret(secretId);
    // the event's ARN is the secret's complete ARN; a secret imported by name is matched by the
    // name in it (a look-alike has a longer one)
    assertConfigFor(config, { arn: secretId, name: config.secretName === undefined ? undefined : secretNameOfArn(secretId)?.name });
  } catch (e) {
    // the rule sees every secret of the account; another function rotates this one
    logger.info('ignored a rotation failure of a secret this function does not rotate', { eventName, secretId });
    return;
  }
  metrics.secret(config.metricSecretName).count(METRICS.rotationFailureEvents);
  metrics.fn(functionName).count(METRICS.rotationFailureEvents);
  logger.error(`Secrets Manager reported ${eventName}`, { eventName, secretId, outcome: 'failure', error: `Secrets Manager reported ${eventName} for ${secretId}; AWSCURRENT is unchanged. The rotation step's error is in this log just before` });
}

/** any error as a RotationError (redacted), keeping its name: an AWS error stays e.g. AccessDeniedException in the log and in Lambda's errorType */
function asRotationError(e: unknown): RotationError {
  if (e instanceof RotationError) return e;
  const name = (e as Error)?.name ?? 'Error';
  const err = new RotationError(`${name}: ${(e as Error)?.message ?? String(e)}`);
  err.name = name;
  return err;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
