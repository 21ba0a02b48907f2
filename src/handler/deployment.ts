import { createHash } from 'crypto';
import { ConfigStore, RotationConfig } from './config';
import { revokingAuth } from './credentials';
import { RefusedInvocationError, RotationError } from './errors';
import { JfrogClient } from './jfrog-client';
import { logger } from './log';
import { sweep } from './revocation';
import { CURRENT, PENDING, SecretStore } from './secret-store';
import { parseTokenSecret, TokenSecret } from './secret-value';
import { StepContext, StepOutcome } from './step-context';
import { Step, STEPS } from './steps';
import { DEPLOYMENT_RESOURCE_TYPES } from '../contract/rotation-config';

// the two deployment hooks of a rotation function, run by aws-cdk's custom resource provider
// framework (onEvent and isComplete are both this function): the wait for the first rotation of
// new secrets, and the teardown that revokes a deleted secret's tokens. whoever may invoke the
// function can send these events too, so neither trusts the event: the wait only reads, and
// drives a rotation Secrets Manager staged; the teardown revokes only for rotations whose settings
// parameter is gone (deleted with the stack) and whose settings match the function's pins

/** what the provider framework sends (CloudFormation's request, plus the onEvent answer for isComplete) */
export interface DeploymentEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  /** set by our onEvent answer: the event is isComplete's */
  readonly [WAIT_STARTED_FIELD]?: number;
}

/** what onEvent and isComplete answer */
export interface DeploymentAnswer {
  readonly PhysicalResourceId: string;
  readonly IsComplete: boolean;
  readonly [WAIT_STARTED_FIELD]?: number;
}

export const WAIT_STARTED_FIELD = 'JfrogWaitStartedAt';

/**
 * how long the wait leaves the first rotation to Secrets Manager before it runs the staged
 * rotation's steps itself (idempotent, as every retry is): a rotation takes seconds, so a version
 * still pending after this has failed, and running its steps again gives the failed step's own error
 */
export const GRACE_MS = 60_000;

/** at most this many stalled rotations are driven per invocation (each takes a few seconds) */
const DRIVEN_PER_INVOCATION = 5;
/** the time a rotation needs to be driven within the invocation (its steps, JFrog's back-off included) */
const MIN_MS_TO_DRIVE = 45_000;

export interface DeploymentDeps {
  readonly store: SecretStore;
  readonly configs: ConfigStore;
  readonly jfrogFor: (config: RotationConfig) => JfrogClient;
  /** one rotation step, as Secrets Manager would invoke it (logged and counted like one) */
  readonly runStep: (step: Step, secretId: string, versionId: string) => Promise<void>;
  readonly now: () => number;
  /** the invocation's time left */
  readonly remainingMs: () => number;
  /** tokens a teardown could not revoke: counted as RevocationFailed */
  readonly onRevocationFailures: (config: RotationConfig, failures: number) => void;
  /** an entry refused (settings not the deployed ones): counted as RefusedInvocations */
  readonly onRefused: () => void;
}

export function isDeploymentEvent(event: unknown): event is DeploymentEvent {
  const e = event as DeploymentEvent | undefined;
  return typeof e?.RequestType === 'string' && typeof e?.ResourceType === 'string';
}

export async function deploymentHook(event: DeploymentEvent, deps: DeploymentDeps): Promise<DeploymentAnswer> {
  if (!['Create', 'Update', 'Delete'].includes(event.RequestType)) {
    throw new RefusedInvocationError('a deployment hook event needs RequestType Create, Update or Delete; nothing was read or written');
  }
  if (event.ResourceType === DEPLOYMENT_RESOURCE_TYPES.firstRotation) return firstRotationWait(event, deps);
  if (event.ResourceType === DEPLOYMENT_RESOURCE_TYPES.teardown) return teardown(event, deps);
  throw new RefusedInvocationError(`a deployment hook event must be for ${Object.values(DEPLOYMENT_RESOURCE_TYPES).join(' or ')}; nothing was read or written`);
}

/** the secret ARNs a wait's properties list */
function waitedSecrets(properties: Record<string, unknown> | undefined): string[] {
  const secrets = properties?.Secrets;
  if (secrets === undefined) return [];
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string' || s.length > 2048)) {
    throw new RefusedInvocationError('the first-rotation wait\'s Secrets must be a list of secret ARNs; nothing was read or written');
  }
  return secrets as string[];
}

/**
 * Create, or Update: the secrets new to the list must have had their first rotation (AWSCURRENT
 * holds a token a rotation put there). never answers with a token or a secret value: only
 * whether it is done, or the failed step's (redacted) error
 */
async function firstRotationWait(event: DeploymentEvent, deps: DeploymentDeps): Promise<DeploymentAnswer> {
  const physicalId = event.PhysicalResourceId ?? 'jfrog-token-first-rotation';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId, IsComplete: true };
  logger.appendKeys({ step: 'firstRotationWait' });
  const old = new Set(event.RequestType === 'Update' ? waitedSecrets(event.OldResourceProperties) : []);
  const waited = waitedSecrets(event.ResourceProperties).filter((s) => !old.has(s));
  const startedAt = typeof event[WAIT_STARTED_FIELD] === 'number' ? event[WAIT_STARTED_FIELD] : undefined;
  const pending: Array<{ secretId: string; versionId?: string }> = [];
  for (const secretId of waited) {
    const config = await deps.configs.forSecret(secretId);
    const meta = await deps.store.describe(secretId);
    if (await rotated(deps.store, meta.arn, config)) continue;
    const versionId = Object.entries(meta.versions).find(([, stages]) => stages.includes(PENDING) && !stages.includes(CURRENT))?.[0];
    pending.push({ secretId: meta.arn, versionId });
  }
  logger.info('firstRotationWait checked', { waited: waited.length, notRotated: pending.length, outcome: 'success' });
  if (pending.length === 0) return { PhysicalResourceId: physicalId, IsComplete: true };
  // onEvent, or within the grace: Secrets Manager's own first rotation may still be running
  if (startedAt === undefined || deps.now() - startedAt < GRACE_MS) {
    return { PhysicalResourceId: physicalId, IsComplete: false, [WAIT_STARTED_FIELD]: startedAt ?? deps.now() };
  }
  let driven = 0;
  for (const { secretId, versionId } of pending) {
    // the rest at the next poll: an invocation that ran out of time would fail the deployment
    if (driven >= DRIVEN_PER_INVOCATION || deps.remainingMs() < MIN_MS_TO_DRIVE) break;
    driven++;
    if (versionId === undefined) {
      throw new RotationError(`the first rotation of ${secretId} has not put a token in AWSCURRENT, and no rotation is in progress (no AWSPENDING version): start one with 'aws secretsmanager rotate-secret --secret-id ${secretId}' and deploy again, or set waitForFirstRotation: false`);
    }
    for (const step of STEPS) {
      try {
        await deps.runStep(step, secretId, versionId);
      } catch (e) {
        throw new RotationError(`the first rotation of ${secretId} failed at ${step}: ${(e as Error).message} (AWSCURRENT holds no token yet; fix the cause and deploy again, or set waitForFirstRotation: false to deploy without waiting)`);
      }
    }
  }
  return { PhysicalResourceId: physicalId, IsComplete: driven === pending.length, [WAIT_STARTED_FIELD]: startedAt };
}

/** AWSCURRENT holds a token a rotation minted (the initial value holds none, or an unrotated seed) */
async function rotated(store: SecretStore, arn: string, config: RotationConfig): Promise<boolean> {
  try {
    const current = parseTokenSecret(await store.getValue(arn, { stage: CURRENT }), config.tokenField, `AWSCURRENT of ${arn}`);
    return !!current.token && current.tokenId !== undefined;
  } catch {
    return false;
  }
}

interface TeardownEntry {
  readonly key: string;
  readonly settings: string;
}

function teardownEntries(properties: Record<string, unknown> | undefined): TeardownEntry[] {
  const rotations = properties?.Rotations;
  if (rotations === undefined) return [];
  if (!Array.isArray(rotations) || rotations.some((r) => typeof r?.key !== 'string' || typeof r?.settings !== 'string')) {
    throw new RefusedInvocationError('the teardown\'s Rotations must be a list of {key, settings}; nothing was read or revoked');
  }
  return rotations as TeardownEntry[];
}

/**
 * Delete: revoke every token minted for each listed rotation whose settings parameter is gone
 * (the stack deleted it just before: the parameters depend on this resource). a rotation whose
 * parameter still exists is in use and is left alone, whatever the event says. never fails: a
 * failed teardown would block the stack's deletion; what could not be revoked expires, and is
 * counted (RevocationFailed) and logged
 */
async function teardown(event: DeploymentEvent, deps: DeploymentDeps): Promise<DeploymentAnswer> {
  const entries = teardownEntries(event.ResourceProperties);
  // a new id whenever the list changes: CloudFormation then deletes the old one in its cleanup,
  // after a rotation removed from the stack lost its parameter
  const physicalId = `jfrog-token-teardown-${hash(entries.map((e) => e.key).sort().join(' '))}`;
  if (event.RequestType !== 'Delete') return { PhysicalResourceId: physicalId, IsComplete: true };
  logger.appendKeys({ step: 'teardown' });
  const configs: RotationConfig[] = [];
  for (const entry of entries) {
    try {
      configs.push(deps.configs.deployedSettings(entry.key, entry.settings));
    } catch (e) {
      logger.error('teardown refused a rotation whose settings are not the deployed ones', { key: String(entry.key).slice(0, 200), outcome: 'failure', error: (e as Error).message });
      // a probe or a forged event: counted for the function, as a refused rotation step is
      if (e instanceof RefusedInvocationError) deps.onRefused();
    }
  }
  // a secret that is another rotation's credential (a self-rotating admin token) goes last: its
  // tokens revoked first would leave the others nothing to revoke with
  const credentials = new Set(configs.map((c) => c.credentialsSecretArn).filter(Boolean));
  configs.sort((a, b) => Number(credentials.has(a.secretArn)) - Number(credentials.has(b.secretArn)));
  for (const config of configs) {
    const key = config.parameterName.slice(config.parameterName.lastIndexOf('/') + 1);
    let failures: number;
    try {
      if (await deps.configs.parameterExists(key)) {
        logger.info('teardown left a rotation alone: its settings parameter exists, so its secret is in use', { secretId: config.secretArn, outcome: 'kept' });
        continue;
      }
      failures = await revokeAll(config, deps);
    } catch (e) {
      // the stack's deletion must go on: what was not revoked expires, counted and logged
      logger.warn('teardown could not revoke the tokens of a deleted secret; they stay valid until they expire', { secretId: config.secretArn, error: (e as Error).message });
      failures = 1;
    }
    if (failures > 0) deps.onRevocationFailures(config, failures);
  }
  return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId, IsComplete: true };
}

/** every live token minted for the secret, revoked; the credential's own token last */
async function revokeAll(config: RotationConfig, deps: DeploymentDeps): Promise<number> {
  const outcome: StepOutcome = {};
  const arn = config.secretArn;
  // what sweep() reads of a step: the settings, JFrog, the secret's ARN, where to write its outcome
  const ctx = {
    config,
    store: deps.store,
    jfrog: deps.jfrogFor(config),
    now: () => new Date(deps.now()),
    functionArn: undefined,
    event: { Step: 'teardown', SecretId: arn, ClientRequestToken: 'teardown' },
    meta: { arn, rotationEnabled: false, versions: {} },
    arn,
    token: 'teardown',
    outcome,
  } as StepContext;
  // a username and password cannot revoke, and a self-rotating secret has no other credential:
  // the secret's current token does, if it can still be read; it goes last
  let current: TokenSecret | undefined;
  if (config.credentialsKind === 'USERNAME_PASSWORD' || config.credentialsKind === 'SELF_ROTATING') {
    try {
      current = parseTokenSecret(await deps.store.getValue(arn, { stage: CURRENT }), config.tokenField, `AWSCURRENT of ${arn}`);
    } catch (e) {
      logger.warn('teardown could not read the secret\'s current token, which its credential kind revokes with; its tokens stay valid until they expire', { secretId: arn, error: (e as Error).message });
      return 1;
    }
  }
  const auth = () => revokingAuth(ctx, current ?? {} as TokenSecret);
  await sweep(ctx, auth, current ? [current] : []);
  if (current?.token && current.tokenId && outcome.revocation !== 'failed') {
    try {
      await ctx.jfrog.revoke(await auth(), current.tokenId);
    } catch (e) {
      outcome.revocationFailures = (outcome.revocationFailures ?? 0) + 1;
      logger.warn('teardown could not revoke the secret\'s current token; it stays valid until it expires', { secretId: arn, tokenId: current.tokenId, error: (e as Error).message });
    }
  }
  logger.info('teardown revoked the tokens of a deleted secret', {
    secretId: arn, revokedTokenIds: outcome.revokedTokenIds ?? [], revocationFailures: outcome.revocationFailures ?? 0, outcome: (outcome.revocationFailures ?? 0) > 0 ? 'failure' : 'success',
  });
  return outcome.revocationFailures ?? 0;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
