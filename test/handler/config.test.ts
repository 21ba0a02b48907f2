import { randomUUID } from 'crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ssmClient } from '../../src/handler/aws';
import { assertConfigFor, ConfigStore, configPathFrom, deploymentFrom, parseConfig, RotationConfig } from '../../src/handler/config';
import { ConfigurationError, RefusedInvocationError } from '../../src/handler/errors';
import { CONFIG_PARAMETER_PREFIX, ENV, settingsPin } from '../../src/contract/rotation-config';
import type { RotationParameter } from '../../src/contract/settings';
import { Harness, RotationSettings } from '../support/harness';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-token-AbCdEf';
const PARTIAL = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog';

function settings(overrides: Partial<RotationParameter> = {}): string {
  return JSON.stringify({
    v: 1,
    secretArn: ARN,
    jfrogUrl: 'https://acme.jfrog.io',
    username: 'ci-bot',
    scope: 'applied-permissions/user',
    lifetimeSeconds: 86400 * 61,
    tokenField: 'token',
    revokePrevious: true,
    credentialsKind: 'SELF_ROTATING',
    metricSecretName: 'jfrog-token',
    expiryWarningSeconds: 86400,
    overdueAfterSeconds: 86400 * 31,
    ...overrides,
  });
}

describe('assertConfigFor: settings bind exactly one secret', () => {
  const complete: RotationConfig = parseConfig(settings(), '/p/complete');
  const byName: RotationConfig = parseConfig(settings({ secretArn: PARTIAL, secretName: 'ci/jfrog' }), '/p/by-name');

  test('the complete ARN matches itself only', () => {
    expect(() => assertConfigFor(complete, { arn: ARN, name: 'jfrog-token' })).not.toThrow();
    // the look-alike: a secret named "<generated name>-<suffix>" has the victim's ARN as a prefix
    expect(() => assertConfigFor(complete, { arn: `${ARN}-XyZ123`, name: 'jfrog-token-AbCdEf' }))
      .toThrow(new RegExp(`belong to ${ARN}, not to ${ARN}-XyZ123`));
    expect(() => assertConfigFor(complete, { arn: ARN.replace('AbCdEf', 'AbCdEg') })).toThrow(/RefusedInvocationError|belong to/);
  });

  test('a secret imported by name matches by the exact name Secrets Manager reports', () => {
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}-Qw12Er`, name: 'ci/jfrog' })).not.toThrow();
    // a secret named "ci/jfrog-Qw12Er" has ARN "...ci/jfrog-Qw12Er-Zx98Cv" and another name
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}-Qw12Er-Zx98Cv`, name: 'ci/jfrog-Qw12Er' })).toThrow(/belong to the secret named 'ci\/jfrog'/);
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}-Qw12Er`, name: undefined })).toThrow(/belong to/);
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}x-Qw12Er`, name: 'ci/jfrog' })).toThrow(/belong to/);
  });

  test('a secret of the same name in another region or account is refused', () => {
    for (const arn of [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/jfrog-Qw12Er',
      'arn:aws:secretsmanager:eu-west-1:210987654321:secret:ci/jfrog-Qw12Er',
    ]) {
      expect(() => assertConfigFor(byName, { arn, name: 'ci/jfrog' }))
        .toThrow(`belong to the secret named 'ci/jfrog' (${PARTIAL}-??????), not to ${arn}`);
    }
  });

  test('the name does not stand in for the ARN: the ARN must be the partial ARN and one suffix, whatever name comes with it', () => {
    // the callers take the name from DescribeSecret or from the ARN itself; the check does not rely on that
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}-Qw12Er-Zx98Cv`, name: 'ci/jfrog' })).toThrow(/belong to the secret named 'ci\/jfrog'/);
    expect(() => assertConfigFor(byName, { arn: `${PARTIAL}-Qw12E`, name: 'ci/jfrog' })).toThrow(/belong to/);
  });
});

describe('parseConfig', () => {
  test.each([
    ['https://acme.jfrog.io//evil.example', /"jfrogUrl" is refused: its path has an empty/],
    ['https://acme.jfrog.io\\\\evil.example', /"jfrogUrl" is refused: it contains a backslash/],
    ['https://acme.jfrog.io/.//evil.example', /"jfrogUrl" is refused: its path has an empty, `.` or `..` segment/],
    ['https://ci:pw@acme.jfrog.io', /"jfrogUrl" is refused: it contains user info/],
    ['http://acme.jfrog.io', /"jfrogUrl" is refused: it does not use https/],
  ])('refuses a jfrogUrl that could send the credential elsewhere: %s', (jfrogUrl, message) => {
    expect(() => parseConfig(settings({ jfrogUrl }), '/p/x')).toThrow(message);
  });

  test.each(['tokenId', 'expiresAt', 'previousTokenId', 'previousVersionId'])('refuses the reserved token field %s', (tokenField) => {
    expect(() => parseConfig(settings({ tokenField }), '/p/x')).toThrow(new RegExp(`"tokenField" cannot be '${tokenField}'`));
  });

  test('keeps a base path and the name of a secret imported by name', () => {
    const config = parseConfig(settings({ jfrogUrl: 'https://jfrog.example.com/base/', secretArn: PARTIAL, secretName: 'ci/jfrog' }), '/p/x');
    expect(config.jfrogUrl.pathname).toBe('/base/');
    expect(config.secretName).toBe('ci/jfrog');
  });
});

describe('the function\'s environment: what only a deployment can change', () => {
  test('its lists are split on any whitespace, and a JFrog URL is compared without its trailing slash', () => {
    const deployment = deploymentFrom({
      [ENV.allowedJfrogUrls]: ' https://acme.jfrog.io/  https://jfrog.example.com/base\n',
      [ENV.pins]: 'pinA\tpinB@key ',
      [ENV.credentials]: '\narn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin-XyZabc',
    });
    expect(deployment).toEqual({
      allowedJfrogUrls: ['https://acme.jfrog.io', 'https://jfrog.example.com/base'],
      pins: new Set(['pinA', 'pinB@key']),
      credentials: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin-XyZabc'],
    });
  });

  test('a missing variable is an empty list: nothing is allowed', () => {
    expect(deploymentFrom({})).toEqual({ allowedJfrogUrls: [], pins: new Set(), credentials: [] });
  });

  test.each([
    [undefined, "got ''"],
    ['', "got ''"],
    ['cdk-jfrog-token-rotation/abc/', "got 'cdk-jfrog-token-rotation/abc/'"],
    ['/other-prefix/abc/', "got '/other-prefix/abc/'"],
    [`${CONFIG_PARAMETER_PREFIX}/abc`, `got '${CONFIG_PARAMETER_PREFIX}/abc'`],
  ])('the configuration path %p is refused, naming the variable, the form it must have and what it holds', (path, got) => {
    const env = path === undefined ? {} : { [ENV.configPath]: path };
    expect(() => configPathFrom(env)).toThrow(ConfigurationError);
    expect(() => configPathFrom(env)).toThrow(
      `environment variable ${ENV.configPath} must be the function's parameter path (${CONFIG_PARAMETER_PREFIX}/<id>/), ${got}; redeploy the JfrogTokenRotation construct`);
  });

  test('the path of a deployed function is accepted as it is', () => {
    expect(configPathFrom({ [ENV.configPath]: `${CONFIG_PARAMETER_PREFIX}/abc/` })).toBe(`${CONFIG_PARAMETER_PREFIX}/abc/`);
  });
});

describe('ConfigStore: each rotation\'s settings, read from SSM (moto) and checked against the deployment', () => {
  const DAY = 86_400;
  const ROTATION: RotationSettings = { username: 'ci-bot', scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'SELF_ROTATING' };
  let h: Harness;
  const clients: SSMClient[] = [];

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await h.stop();
  });

  /** a function of its own for each test: its parameters are all there is under its path */
  const newFunction = () => {
    const functionId = `config-${randomUUID().slice(0, 8)}`;
    return { functionId, path: `${CONFIG_PARAMETER_PREFIX}/${functionId}/` };
  };
  /** a secret's ARN as Secrets Manager makes it (only the settings are read: the secret need not exist) */
  const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
  /** the store as the handler makes it from its environment, with the handler's own SSM client */
  function storeFor(env: Record<string, string>): ConfigStore {
    const ssm = ssmClient({ endpoint: h.moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    clients.push(ssm);
    return new ConfigStore(ssm, configPathFrom(env), deploymentFrom(env));
  }

  describe('forSecret', () => {
    test('finds a secret\'s settings by its name, by its generated name with the suffix, and for a secret given by name', async () => {
      const { functionId, path } = newFunction();
      const named = arnOf('team/jfrog');
      const generated = arnOf('StackJfrogTokenSecret');
      await h.configure(named, { ...ROTATION, functionId });
      await h.configure(generated, { ...ROTATION, functionId, keyedBy: 'generatedName' });
      const store = storeFor(h.functionEnv(functionId));

      expect(await store.forSecret(named)).toMatchObject({ secretArn: named, parameterName: `${path}team_2fjfrog`, username: 'ci-bot' });
      expect(await store.forSecret(generated)).toMatchObject({ secretArn: generated, parameterName: `${path}${generated.split(':secret:')[1]}` });
      // the health check's secretId may be a name
      expect(await store.forSecret('team/jfrog')).toMatchObject({ secretArn: named, parameterName: `${path}team_2fjfrog` });
    });

    test('a secret without settings: the error names it and every parameter it was looked for at', async () => {
      const { functionId, path } = newFunction();
      const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:unknown-AbCdEf';
      const lookup = storeFor(h.functionEnv(functionId)).forSecret(secretArn);
      await expect(lookup).rejects.toThrow(ConfigurationError);
      await expect(lookup).rejects.toThrow(
        `no rotation settings for ${secretArn} at ${path}unknown or ${path}unknown-AbCdEf: this function rotates only the secrets of the JfrogTokenRotation constructs that use it`);
    });

    test('settings that name a JFrog the function was not deployed for are refused even though their pin matches, naming both', async () => {
      const { functionId, path } = newFunction();
      const secretArn = arnOf('elsewhere');
      // pinned as if deployed, but the function's list of JFrog URLs does not have it
      await h.configure(secretArn, { ...ROTATION, functionId, jfrogUrl: 'https://other.jfrog.io' });
      const refusal = (deployedFor: string) => `the rotation settings in ${path}elsewhere name JFrog at 'https://other.jfrog.io', which this function was not deployed for (${deployedFor}); credentials only go to the JFrog URLs of its constructs`;

      const lookup = storeFor(h.functionEnv(functionId)).forSecret(secretArn);
      await expect(lookup).rejects.toThrow(ConfigurationError);
      await expect(lookup).rejects.toThrow(refusal(h.jfrog.url));
      await expect(storeFor(h.functionEnv(functionId, { [ENV.allowedJfrogUrls]: 'https://a.jfrog.io https://b.jfrog.io' })).forSecret(secretArn))
        .rejects.toThrow(refusal('https://a.jfrog.io, https://b.jfrog.io'));
      const { [ENV.allowedJfrogUrls]: _urls, ...withoutUrls } = h.functionEnv(functionId);
      await expect(storeFor(withoutUrls).forSecret(secretArn)).rejects.toThrow(refusal('none'));

      // deployed for it (the construct may list it with a trailing slash), the same settings pass
      await expect(storeFor(h.functionEnv(functionId, { [ENV.allowedJfrogUrls]: 'https://other.jfrog.io/' })).forSecret(secretArn))
        .resolves.toMatchObject({ secretArn, jfrogUrl: new URL('https://other.jfrog.io') });
    });

    test('a pin made where the key was unknown at synth (`<digest>@<key>`) admits the settings under that key, and no other', async () => {
      const { functionId } = newFunction();
      const [first, second] = [arnOf('first'), arnOf('second')];
      // the same settings for two secrets whose names were generated at deployment (keyed by
      // name and suffix); the function pins them for the first one's key only
      await h.configure(first, { ...ROTATION, functionId, keyedBy: 'generatedName' });
      await h.configure(second, { ...ROTATION, functionId, keyedBy: 'generatedName' });
      const { username, scope, lifetimeSeconds, credentialsKind } = ROTATION;
      const digest = settingsPin({ jfrogUrl: h.jfrog.url, username, scope, lifetimeSeconds, tokenField: 'token', revokePrevious: true, credentialsKind, credentialsIndex: -1 });
      const firstKey = first.split(':secret:')[1];
      const store = storeFor(h.functionEnv(functionId, { [ENV.pins]: `${digest}@${firstKey}` }));

      await expect(store.forSecret(first)).resolves.toMatchObject({ secretArn: first });
      const refused = store.forSecret(second);
      await expect(refused).rejects.toThrow(RefusedInvocationError);
      await expect(refused).rejects.toThrow(/the rotation settings in \S+second-\S+ are not the ones deployed for this secret/);
    });

    test.each([
      ['generated name', 'generatedName' as const, (arn: string) => arn.replace(/-[A-Za-z0-9]{6}$/, '-Zz9Zz9')],
      ['name known at synth', 'name' as const, (arn: string) => arn.replace(/first-/, 'firsty-')],
    ])('pinned settings (%s) whose secretArn was edited to another secret are refused: the key and the secret it names must agree', async (_name, keyedBy, edit) => {
      const { functionId } = newFunction();
      const first = arnOf('first');
      await h.configure(first, { ...ROTATION, functionId, keyedBy, boundSecretArn: edit(first) });

      await expect(storeFor(h.functionEnv(functionId)).forSecret(first))
        .rejects.toThrow(/are bound to arn:\S+, which is not the secret its name \('first(-[A-Za-z0-9]{6})?'\) stands for: a parameter's name and the secret it names must agree/);
    });
  });

  describe('the cache: one read serves the steps of a rotation; a redeployment reaches a warm function within a minute', () => {
    let clock: number;
    beforeEach(() => {
      clock = Date.now();
      jest.spyOn(Date, 'now').mockImplementation(() => clock);
    });

    test('settings are read again once they are a minute old, not before', async () => {
      const { functionId } = newFunction();
      const secretArn = arnOf('cached');
      // expiryWarningSeconds is not pinned: a redeployment may change it without a new pin
      await h.configure(secretArn, { ...ROTATION, functionId, expiryWarningSeconds: 15 * DAY });
      const store = storeFor(h.functionEnv(functionId));
      expect((await store.forSecret(secretArn)).expiryWarningSeconds).toBe(15 * DAY);

      await h.configure(secretArn, { ...ROTATION, functionId, expiryWarningSeconds: 20 * DAY });
      clock += 59_999;
      expect((await store.forSecret(secretArn)).expiryWarningSeconds).toBe(15 * DAY);
      clock += 1;
      expect((await store.forSecret(secretArn)).expiryWarningSeconds).toBe(20 * DAY);
    });

    test('a function shared by several rotations keeps each one\'s settings for its own minute', async () => {
      const { functionId } = newFunction();
      const [first, second] = [arnOf('first'), arnOf('second')];
      await h.configure(first, { ...ROTATION, functionId, expiryWarningSeconds: 15 * DAY });
      await h.configure(second, { ...ROTATION, functionId, expiryWarningSeconds: 15 * DAY });
      const store = storeFor(h.functionEnv(functionId));
      await store.forSecret(first);
      clock += 30_000;
      await store.forSecret(second);

      await h.configure(first, { ...ROTATION, functionId, expiryWarningSeconds: 20 * DAY });
      clock += 29_999;
      expect((await store.forSecret(first)).expiryWarningSeconds).toBe(15 * DAY);
      clock += 1;
      expect((await store.forSecret(first)).expiryWarningSeconds).toBe(20 * DAY);
    });
  });

  describe('all: the health check\'s list of the function\'s rotations', () => {
    test('every parameter directly under the function\'s path, over several pages, each refused one as its error', async () => {
      const { functionId, path } = newFunction();
      // more than one page of GetParametersByPath (at most 10 each)
      const secrets = Array.from({ length: 11 }, (_, i) => arnOf(`rotation-${i}`));
      for (const secretArn of secrets) await h.configure(secretArn, { ...ROTATION, functionId });
      await h.configure(arnOf('elsewhere'), { ...ROTATION, functionId, jfrogUrl: 'https://other.jfrog.io' });
      await h.putSettings(`${path}broken`, '{"v": 1, "secretArn": ');
      // not a rotation of this function: a level below its path
      await h.configure(arnOf('deeper'), { ...ROTATION, functionId: `${functionId}/nested` });

      const all = await storeFor(h.functionEnv(functionId)).all();
      const configs = all.filter((c): c is RotationConfig => !(c instanceof Error));
      const errors = all.filter((c): c is ConfigurationError => c instanceof Error);
      expect(configs.map((c) => c.secretArn).sort()).toEqual([...secrets].sort());
      expect(errors.map((e) => e.message).sort()).toEqual([
        expect.stringContaining(`the rotation settings in ${path}broken are invalid`),
        expect.stringContaining(`the rotation settings in ${path}elsewhere name JFrog at 'https://other.jfrog.io'`),
      ]);
      expect(errors.every((e) => e instanceof ConfigurationError)).toBe(true);
    });
  });
});
