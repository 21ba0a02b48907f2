import { GetParametersByPathCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CONFIG_PARAMETER_PREFIX, ENV, normalizeJfrogUrl, parameterKey, secretNameOfArn, settingsPin } from '../contract/rotation-config';
import { parseSettings, RotationSettings } from '../contract/settings';
import { withinDeadline } from './aws';
import { ConfigurationError, RefusedInvocationError } from './errors';


export interface RotationConfig {
  /** the SSM parameter this configuration came from */
  readonly parameterName: string;
  /** the secret it belongs to: complete ARN, or partial (no suffix) for a secret imported by name */
  readonly secretArn: string;
  /** a secret imported by name: its exact name (then secretArn is partial) */
  readonly secretName?: string;
  readonly jfrogUrl: URL;
  readonly username: string;
  readonly scope: string;
  readonly lifetimeSeconds: number;
  readonly tokenField: string;
  /** the field for the reference token; undefined: none is minted */
  readonly referenceTokenField?: string;
  readonly audience?: string;
  readonly projectKey?: string;
  readonly revokePrevious: boolean;
  /** mint refreshable tokens and rotate with their refresh token (undefined: no) */
  readonly refreshable?: boolean;
  /** the user's own part of each minted token's description */
  readonly tokenDescription?: string;
  /** the private CA (PEM) trusted for this JFrog, beside Node's public CAs */
  readonly jfrogCaCertificate?: string;
  readonly credentialsKind: RotationSettings['credentialsKind'];
  readonly credentialsSecretArn?: string;
  readonly credentialsField: string;
  readonly metricSecretName: string;
  readonly expiryWarningSeconds: number;
  readonly overdueAfterSeconds: number;
  /** the rotation interval; undefined in settings written before it existed */
  readonly intervalSeconds?: number;
  /** how long before the minting credential expires the health check reports it */
  readonly credentialExpiryWarningSeconds?: number;
}

/** a redeployment reaches warm functions within this time; the steps of one rotation share one read */
const CACHE_MS = 60_000;

/**
 * what only a deployment can change, from the function's environment: the JFrog URLs its
 * rotations may send a credential to, the pins of their settings, the credential secrets they
 * may mint with. a missing variable refuses everything
 */
export interface Deployment {
  readonly allowedJfrogUrls: readonly string[];
  readonly pins: ReadonlySet<string>;
  readonly credentials: readonly string[];
}

export function deploymentFrom(env: NodeJS.ProcessEnv): Deployment {
  // Stryker disable next-line Regex: splitting on each whitespace character leaves empty strings between a run of them, which filter(Boolean) drops: the same list
  const list = (name: string) => (env[name] ?? '').split(/\s+/).filter(Boolean);
  return {
    allowedJfrogUrls: list(ENV.allowedJfrogUrls).map((u) => u.replace(/\/$/, '')),
    pins: new Set(list(ENV.pins)),
    credentials: list(ENV.credentials),
  };
}

/** the function's configuration path, from its environment (checked once, at cold start) */
export function configPathFrom(env: NodeJS.ProcessEnv): string {
  const path = env[ENV.configPath];
  if (!path || !path.startsWith(`${CONFIG_PARAMETER_PREFIX}/`) || !path.endsWith('/')) {
    throw new ConfigurationError(`environment variable ${ENV.configPath} must be the function's parameter path (${CONFIG_PARAMETER_PREFIX}/<id>/), got '${path ?? ''}'; redeploy the JfrogTokenRotation construct`);
  }
  return path;
}

/**
 * the rotations' settings, one SSM parameter each, under the function's path. a secret's
 * parameter is found by its name (escaped by parameterKey) or, for a secret whose name was
 * generated at deployment, by its name with Secrets Manager's suffix.
 */
export class ConfigStore {
  private readonly cache = new Map<string, { readonly config: RotationConfig; readonly at: number }>();

  /**
   * @param deployment what the function was deployed with (its environment): settings that name
   *   another JFrog, or differ from their pin, are refused
   */
  constructor(private readonly ssm: SSMClient, private readonly path: string, private readonly deployment: Deployment) {}

  /** the configuration of one secret, by its ARN (or name) */
  public async forSecret(secretId: string): Promise<RotationConfig> {
    const names = this.candidateNames(secretId);
    const cached = names.map((n) => this.cache.get(n)).find((c) => c && Date.now() - c.at < CACHE_MS);
    if (cached) return cached.config;
    const out = await this.ssm.send(new GetParametersCommand({ Names: names }), withinDeadline());
    // Stryker disable next-line StringLiteral: SSM returns every parameter it found with its Value; the default only satisfies the SDK's optional type
    const found = new Map((out.Parameters ?? []).map((p) => [p.Name, p.Value ?? '']));
    const name = names.find((n) => found.has(n));
    if (!name) {
      throw new ConfigurationError(`no rotation settings for ${secretId} at ${names.join(' or ')}: this function rotates only the secrets of the JfrogTokenRotation constructs that use it. Rotate the secret with its own construct's function, or redeploy the stack that made it`);
    }
    const config = this.checked(parseConfig(found.get(name)!, name));
    // a warm shared function meets many secrets: keep only what is fresh
    // Stryker disable next-line BlockStatement: evicting only frees memory (at most one entry per parameter under the path); the freshness check above never serves a stale entry
    for (const [key, entry] of this.cache) {
      if (Date.now() - entry.at >= CACHE_MS) this.cache.delete(key);
    }
    this.cache.set(name, { config, at: Date.now() });
    return config;
  }

  /** every rotation of this function (the health check) */
  public async all(): Promise<Array<RotationConfig | ConfigurationError>> {
    const configs: Array<RotationConfig | ConfigurationError> = [];
    let nextToken: string | undefined;
    do {
      const out = await this.ssm.send(new GetParametersByPathCommand({
        Path: this.path.replace(/\/$/, ''),
        Recursive: false,
        MaxResults: 10,
        NextToken: nextToken,
      }), withinDeadline());
      for (const p of out.Parameters ?? []) {
        try {
          // Stryker disable next-line StringLiteral: SSM lists every parameter with its Name and Value; the defaults only satisfy the SDK's optional types
          configs.push(this.checked(parseConfig(p.Value ?? '', p.Name ?? '')));
        } catch (e) {
          configs.push(e as ConfigurationError);
        }
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return configs;
  }

  /**
   * settings a deployment hook carries for a rotation whose parameter may be gone (the teardown):
   * the same checks as a parameter read from SSM (schema, JFrog URL, pin, key and secret agree),
   * under this function's path
   */
  public deployedSettings(key: string, raw: string): RotationConfig {
    if (typeof key !== 'string' || !/^[A-Za-z0-9._-]{1,1011}$/.test(key)) {
      throw new RefusedInvocationError('a deployment hook named a settings key that is not one; nothing was read, written or revoked');
    }
    return this.checked(parseConfig(raw, `${this.path}${key}`));
  }

  /** whether the settings parameter of this key exists under the function's path */
  public async parameterExists(key: string): Promise<boolean> {
    const name = `${this.path}${key}`;
    const out = await this.ssm.send(new GetParametersCommand({ Names: [name] }), withinDeadline());
    return (out.Parameters ?? []).some((p) => p.Name === name);
  }

  private checked(config: RotationConfig): RotationConfig {
    const url = normalizeJfrogUrl(config.jfrogUrl);
    const { allowedJfrogUrls, pins, credentials } = this.deployment;
    if (!allowedJfrogUrls.includes(url)) {
      throw new ConfigurationError(`the rotation settings in ${config.parameterName} name JFrog at '${url}', which this function was not deployed for (${allowedJfrogUrls.join(', ') || 'none'}); credentials only go to the JFrog URLs of its constructs. Redeploy the JfrogTokenRotation construct instead of editing its settings`);
    }
    // the user, scope, lifetime, token field and credential must be the ones deployed for this
    // very secret (the key binds the pin to it): copied, widened or swapped settings are refused
    const key = config.parameterName.slice(config.parameterName.lastIndexOf('/') + 1);
    const credentialsIndex = config.credentialsSecretArn === undefined ? -1 : credentials.indexOf(config.credentialsSecretArn);
    const pinned = {
      jfrogUrl: url,
      username: config.username,
      scope: config.scope,
      lifetimeSeconds: config.lifetimeSeconds,
      tokenField: config.tokenField,
      revokePrevious: config.revokePrevious,
      credentialsKind: config.credentialsKind,
      credentialsIndex,
      credentialsField: config.credentialsField,
      referenceTokenField: config.referenceTokenField,
      audience: config.audience,
      projectKey: config.projectKey,
      refreshable: config.refreshable,
      tokenDescription: config.tokenDescription,
      jfrogCaCertificate: config.jfrogCaCertificate,
    };
    // a key known at synth is inside the digest; a key generated at deployment sits beside it
    const keyedBy = pins.has(settingsPin({ ...pinned, key })) ? 'name' : pins.has(`${settingsPin(pinned)}@${key}`) ? 'generatedName' : undefined;
    if ((config.credentialsSecretArn !== undefined && credentialsIndex < 0) || keyedBy === undefined) {
      throw new RefusedInvocationError(`the rotation settings in ${config.parameterName} are not the ones deployed for this secret: its user, scope, lifetime, token field, credential or JFrog URL (or its token description or CA certificate) differ from what the function's environment pins (${ENV.pins}); nothing was read, written or minted. Redeploy the JfrogTokenRotation construct instead of editing its settings`);
    }
    // the pin covers the key, so the secret the settings bind must be the one the key stands for:
    // the settings' own secretArn is as writable as the rest of the parameter
    if (keyOf(config, keyedBy) !== key) {
      throw new RefusedInvocationError(`the rotation settings in ${config.parameterName} are bound to ${config.secretArn}, which is not the secret its name ('${key}') stands for: a parameter's name and the secret it names must agree, and the name is pinned by the deployment; nothing was read, written or minted. Redeploy the JfrogTokenRotation construct instead of editing its settings`);
    }
    return config;
  }

  private candidateNames(secretId: string): string[] {
    const parsed = secretNameOfArn(secretId);
    // the name with its suffix serves generated names only, which SSM accepts as they are; a
    // name SSM would reject must not fail the whole GetParameters call
    const withSuffix = parsed?.nameWithSuffix && /^[A-Za-z0-9._-]+$/.test(parsed.nameWithSuffix) ? parsed.nameWithSuffix : undefined;
    const keys = parsed ? [parameterKey(parsed.name), withSuffix] : [parameterKey(secretId)];
    return [...new Set(keys.filter((k): k is string => !!k))].map((k) => `${this.path}${k}`);
  }
}

/**
 * the parameter key the settings' secret has: its escaped name (a name known at synth, or the
 * exact name of a secret imported by name), or the ARN's resource part, name and suffix (a name
 * generated at deployment). undefined when the ARN does not fit
 */
function keyOf(config: RotationConfig, keyedBy: 'name' | 'generatedName'): string | undefined {
  if (config.secretName !== undefined) {
    return keyedBy === 'name' && config.secretArn.endsWith(`:secret:${config.secretName}`) ? parameterKey(config.secretName) : undefined;
  }
  const parsed = secretNameOfArn(config.secretArn);
  if (!parsed?.nameWithSuffix) return undefined;
  return keyedBy === 'name' ? parameterKey(parsed.name) : parsed.nameWithSuffix;
}

/**
 * refuse settings written for another secret: a parameter binds exactly one secret, by its
 * complete ARN, or (a secret imported by name) by the exact name Secrets Manager reports. A
 * prefix is never enough: `<name>-AbCdEf-XyZ123` would pass for `<name>-AbCdEf`.
 */
export function assertConfigFor(config: RotationConfig, secret: { readonly arn: string; readonly name?: string }): void {
  const matches = config.secretName === undefined
    ? secret.arn === config.secretArn
    : secret.name === config.secretName && secret.arn.startsWith(`${config.secretArn}-`) && secret.arn.length === config.secretArn.length + 7;
  if (!matches) {
    throw new RefusedInvocationError(`the rotation settings in ${config.parameterName} belong to ${config.secretName ? `the secret named '${config.secretName}' (${config.secretArn}-??????)` : config.secretArn}, not to ${secret.arn}; nothing was read from or written to either secret, and JFrog was not called. A secret whose name merely resembles a rotated one is refused. Rotate ${secret.arn} with its own JfrogTokenRotation construct`);
  }
}

/** parse and check one parameter's JSON (the schema in settings.ts) */
export function parseConfig(raw: string, parameterName: string): RotationConfig {
  const { settings, problem } = parseSettings(raw);
  if (!settings) {
    throw new ConfigurationError(`the rotation settings in ${parameterName} are invalid: ${problem}; redeploy the JfrogTokenRotation construct`);
  }
  const { v: _version, jfrogUrl, ...rest } = settings;
  return { ...rest, parameterName, jfrogUrl: new URL(jfrogUrl) };
}
