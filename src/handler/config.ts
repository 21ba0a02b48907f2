import { ENV } from '../rotation-config';
import { ConfigurationError } from './errors';

export type CredentialsKind = 'ADMIN_TOKEN' | 'USERNAME_PASSWORD' | 'SELF_ROTATING';

export interface RotationConfig {
  readonly jfrogUrl: URL;
  readonly username: string;
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly tokenField: string;
  readonly revokePrevious: boolean;
  readonly credentialsKind: CredentialsKind;
  readonly credentialsSecretArn?: string;
  readonly credentialsField: string;
  /** the SecretName dimension of the metrics, as the construct's metricXxx() helpers use it */
  readonly metricSecretName?: string;
}

const KINDS: CredentialsKind[] = ['ADMIN_TOKEN', 'USERNAME_PASSWORD', 'SELF_ROTATING'];

/** read and check the configuration once, at cold start */
export function readConfig(env: NodeJS.ProcessEnv): RotationConfig {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new ConfigurationError(`environment variable ${name} is missing; redeploy the JfrogTokenRotation construct`);
    }
    return value;
  };
  let jfrogUrl: URL;
  try {
    jfrogUrl = new URL(need(ENV.jfrogUrl));
  } catch (e) {
    if (e instanceof ConfigurationError) throw e;
    throw new ConfigurationError(`${ENV.jfrogUrl} is not a URL: '${env[ENV.jfrogUrl]}'; set jfrogUrl to e.g. https://acme.jfrog.io`);
  }
  if (jfrogUrl.protocol !== 'https:') {
    throw new ConfigurationError(`${ENV.jfrogUrl} must be https, got '${jfrogUrl.href}'`);
  }
  const lifetimeSeconds = Number(need(ENV.lifetimeSeconds));
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new ConfigurationError(`${ENV.lifetimeSeconds} must be a positive whole number of seconds, got '${env[ENV.lifetimeSeconds]}'`);
  }
  const credentialsKind = need(ENV.credentialsKind) as CredentialsKind;
  if (!KINDS.includes(credentialsKind)) {
    throw new ConfigurationError(`${ENV.credentialsKind} must be one of ${KINDS.join(', ')}, got '${credentialsKind}'`);
  }
  const credentialsSecretArn = env[ENV.credentialsSecretArn] || undefined;
  if (credentialsKind !== 'SELF_ROTATING' && !credentialsSecretArn) {
    throw new ConfigurationError(`${ENV.credentialsSecretArn} is missing for ${credentialsKind} credentials; redeploy the construct`);
  }
  return {
    jfrogUrl,
    username: need(ENV.username),
    scope: need(ENV.scope),
    lifetimeSeconds,
    tokenField: env[ENV.tokenField] || 'token',
    revokePrevious: (env[ENV.revokePrevious] ?? 'true') !== 'false',
    credentialsKind,
    credentialsSecretArn,
    credentialsField: env[ENV.credentialsField] || 'token',
    metricSecretName: env[ENV.metricSecretName] || undefined,
  };
}
