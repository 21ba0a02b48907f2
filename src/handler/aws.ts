import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

// the handler's AWS clients: the AWS SDK v3, configured as any SDK client is (region,
// credentials, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_ENDPOINT_URL_SECRETS_MANAGER,
// AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_EVENTBRIDGE for a VPC endpoint without private DNS,
// AWS_RETRY_MODE), with bounds on how long a call may take. only the deadline below is ours.

/** what the tests pass (an emulator's endpoint and credentials); Lambda needs none of it */
export interface AwsClientOverrides {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

const CLIENT_DEFAULTS = {
  // the SDK's standard retry mode (throttling and 5xx, with back-off): three attempts at most
  maxAttempts: 3,
  // one attempt may not hang a step: a call to a regional endpoint answers in well under a second
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
} as const;

export function secretsManagerClient(overrides: AwsClientOverrides = {}): SecretsManagerClient {
  return new SecretsManagerClient({ ...CLIENT_DEFAULTS, ...overrides });
}

export function ssmClient(overrides: AwsClientOverrides = {}): SSMClient {
  return new SSMClient({ ...CLIENT_DEFAULTS, ...overrides });
}

export function eventBridgeClient(overrides: AwsClientOverrides = {}): EventBridgeClient {
  return new EventBridgeClient({ ...CLIENT_DEFAULTS, ...overrides });
}

/** the invocation's time left (the Lambda context's clock): no AWS call or retry outlives it */
let remainingMs: () => number = () => Number.POSITIVE_INFINITY;
export function setInvocationDeadline(remaining: () => number): void {
  remainingMs = remaining;
}
/** time kept back for the handler to log and answer after the last call */
const DEADLINE_MARGIN_MS = 1_000;

/**
 * the options for one SDK call: it, and every retry the SDK makes of it, is aborted when the
 * invocation has only the margin left, so the step fails with its own error instead of being
 * killed by Lambda mid-write
 */
export function withinDeadline(): { abortSignal?: AbortSignal } {
  const left = remainingMs();
  if (!Number.isFinite(left)) return {};
  return { abortSignal: AbortSignal.timeout(Math.max(1, left - DEADLINE_MARGIN_MS)) };
}
