import { assertConfigFor, parseConfig, RotationConfig } from '../../src/handler/config';
import { RotationParameter } from '../../src/rotation-config';

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
