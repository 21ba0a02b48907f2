import { parseSettings, RotationParameter } from '../src/contract/settings';

// the one definition of a rotation's settings: what the construct writes, what the handler accepts

const valid: RotationParameter = {
  v: 1,
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf',
  jfrogUrl: 'https://acme.jfrog.io',
  username: 'ci-bot',
  scope: 'applied-permissions/user',
  lifetimeSeconds: 86_400,
  credentialsKind: 'ADMIN_TOKEN',
  credentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-XyZabc',
  metricSecretName: 'ci/jfrog',
  expiryWarningSeconds: 3_600,
  overdueAfterSeconds: 7_200,
};
const parse = (overrides: Record<string, unknown>) => parseSettings(JSON.stringify({ ...valid, ...overrides }));

test('fields left out take their defaults', () => {
  expect(parse({}).settings).toMatchObject({ tokenField: 'token', revokePrevious: true, credentialsField: 'token' });
  expect(parse({ tokenField: 'jfrogToken', revokePrevious: false, credentialsField: 'adminToken' }).settings)
    .toMatchObject({ tokenField: 'jfrogToken', revokePrevious: false, credentialsField: 'adminToken' });
});

test.each([
  [{ v: 2 }, /unknown format version '2'/],
  [{ username: '  ' }, /"username" must be a non-empty string/],
  [{ scope: undefined }, /"scope" must be a string/],
  [{ lifetimeSeconds: 1.5 }, /"lifetimeSeconds" must be a positive whole number of seconds/],
  [{ expiryWarningSeconds: -1 }, /"expiryWarningSeconds" must be a positive whole number of seconds/],
  [{ credentialsKind: 'API_KEY' }, /"credentialsKind" must be one of ADMIN_TOKEN, USERNAME_PASSWORD, SELF_ROTATING/],
  [{ credentialsSecretArn: '' }, /"credentialsSecretArn" is missing for ADMIN_TOKEN credentials/],
  [{ tokenField: 'expiresAt' }, /"tokenField" cannot be 'expiresAt'/],
  [{ jfrogUrl: 'https://acme.jfrog.io?x=1' }, /"jfrogUrl" is refused: it has a query or fragment/],
])('a wrong field is named with what is wrong: %j', (overrides, message) => {
  const { settings, problem } = parse(overrides);
  expect(settings).toBeUndefined();
  expect(problem).toMatch(message);
});

test('a self-rotating token needs no credential secret; text that is not JSON is refused as such', () => {
  expect(parse({ credentialsKind: 'SELF_ROTATING', credentialsSecretArn: undefined }).settings?.credentialsSecretArn).toBeUndefined();
  expect(parseSettings('{').problem).toBe('not JSON');
  expect(parseSettings('null').problem).toBe('not a JSON object');
});
