import { Logger } from '@aws-lambda-powertools/logger';
import { METRICS } from '../contract/rotation-config';
import { redact } from './redact';

/**
 * Powertools' JSON logger; every string it writes passes through redact(), so no field can
 * carry a token, a password or an Authorization header out of the function.
 */
export const logger = new Logger({
  serviceName: METRICS.service,
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
});
