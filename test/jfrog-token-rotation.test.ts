import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenRotationProps, JfrogTokenScope } from '../src';
import { rotationStack } from './support/stack';

const setup = (props: Partial<JfrogTokenRotationProps> = {}) => rotationStack(props, 'ArtifactoryToken');

describe('JfrogTokenRotation', () => {
  test('creates a secret with no token in it and rotates it on the interval, immediately on deploy', () => {
    // WHEN
    const { template } = setup();
    // THEN
    const t = template();
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: '{"username":"ci-bot"}',
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('ArtifactoryTokenFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('passes configuration, never credentials, to the function', () => {
    const { template } = setup({ tokenLifetime: Duration.days(90), tokenField: 'api_key', revokePrevious: false });
    const fn = template().findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const [props] = Object.values(fn).map((r: any) => r.Properties);
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/LogGroup/) } });
    expect(props.Environment.Variables).toEqual({
      JFROG_URL: 'https://acme.jfrog.io',
      JFROG_USERNAME: 'ci-bot',
      JFROG_SCOPE: 'applied-permissions/groups:readers',
      TOKEN_LIFETIME_SECONDS: String(90 * 86400),
      TOKEN_FIELD: 'api_key',
      REVOKE_PREVIOUS: 'false',
      CREDENTIALS_KIND: 'ADMIN_TOKEN',
      CREDENTIALS_SECRET_ARN: { Ref: expect.stringMatching(/AdminToken/) },
      CREDENTIALS_FIELD: 'token',
      SECRET_METRIC_NAME: expect.anything(),
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    });
  });

  test('default token lifetime is twice the interval plus a day', () => {
    const { rotation, template } = setup({ interval: Duration.days(7) });
    expect(rotation.tokenLifetime.toDays()).toBe(15);
    template().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOKEN_LIFETIME_SECONDS: String(15 * 86400) }) },
    });
  });

  test('the function may stage only its own secret and read only the credential secret', () => {
    const { template } = setup();
    const policies = template().findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const sm = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    const writers = sm.filter((s: any) => [s.Action].flat().some((a: string) => /Put|Update/.test(a)));
    expect(writers).toHaveLength(1);
    expect(writers[0].Resource).toEqual({ Ref: expect.stringMatching(/^ArtifactoryTokenSecret/) });
    const readers = sm.filter((s: any) => s !== writers[0] && [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(readers.map((s: any) => s.Resource)).toEqual([{ Ref: expect.stringMatching(/^AdminToken/) }]);
    expect([readers[0].Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  });

  test('the invoke permission for Secrets Manager comes before the schedule', () => {
    const { template } = setup();
    const t = template();
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
    });
    const schedules = t.findResources('AWS::SecretsManager::RotationSchedule');
    const [schedule] = Object.values(schedules) as any[];
    expect(schedule.DependsOn.some((d: string) => /Invoke|Permission/i.test(d) || /Function/.test(d))).toBe(true);
  });

  test('a customer-managed key on the secret is granted through Secrets Manager only', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    const secret = new secretsmanager.Secret(stack, 'Existing', { encryptionKey: key });
    new JfrogTokenRotation(stack, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.user(),
      credentials: JfrogCredentials.selfRotating(),
      secret,
    });
    const keyPolicy = Template.fromStack(stack).findResources('AWS::KMS::Key');
    const statements = (Object.values(keyPolicy)[0] as any).Properties.KeyPolicy.Statement;
    const forFunction = statements.filter((s: any) => JSON.stringify(s.Principal).includes('RotationServiceRole'));
    expect(forFunction.length).toBeGreaterThan(0);
    for (const s of forFunction) {
      expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
    }
  });

  test('a credential secret under a customer-managed key can be decrypted by the function', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'CredentialKey');
    const admin = new secretsmanager.Secret(stack, 'Admin', { encryptionKey: key });
    new JfrogTokenRotation(stack, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(admin),
    });
    const statements = (Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0] as any).Properties.KeyPolicy.Statement;
    const decrypt = statements.find((s: any) => JSON.stringify(s.Principal).includes('RotationServiceRole') && [s.Action].flat().includes('kms:Decrypt'));
    expect(decrypt).toBeDefined();
    expect(decrypt.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
  });

  test('an existing secret with a custom token field is rotated in place', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf');
    const rotation = new JfrogTokenRotation(stack, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.user(),
      credentials: JfrogCredentials.selfRotating(),
      secret,
      tokenField: 'api_key',
    });
    expect(rotation.secret).toBe(secret);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:PutSecretValue']), Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf' })]) },
    });
  });

  test('a secret from another stack synthesizes without a dependency cycle', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const secrets = new Stack(app, 'Secrets', { env });
    const secret = new secretsmanager.Secret(secrets, 'CiToken');
    const rotations = new Stack(app, 'Rotations', { env });
    new JfrogTokenRotation(rotations, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(), secret,
    });
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(rotations).resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  test('grantRead gives a consumer read access to the token', () => {
    const { stack, rotation, template } = setup();
    const role = new iam.Role(stack, 'CiRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    rotation.grantRead(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('CiRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: Match.stringLikeRegexp('ArtifactoryTokenSecret') } })] },
    });
  });

  test('no credential value reaches the template', () => {
    const { template } = setup();
    const json = JSON.stringify(template().toJSON());
    expect(json).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
    const secretStrings = Object.values(template().findResources('AWS::SecretsManager::Secret'))
      .map((r: any) => r.Properties.SecretString).filter((v) => v !== undefined);
    expect(secretStrings).toEqual(['{"username":"ci-bot"}']);
  });

  test('scopes render as JFrog expects', () => {
    expect(JfrogTokenScope.user().value).toBe('applied-permissions/user');
    expect(JfrogTokenScope.admin().value).toBe('applied-permissions/admin');
    expect(JfrogTokenScope.groups('readers', 'ci team').value).toBe('applied-permissions/groups:readers,"ci team"');
    expect(JfrogTokenScope.of(' applied-permissions/roles:proj:Developer ').value).toBe('applied-permissions/roles:proj:Developer');
    expect(() => JfrogTokenScope.groups()).toThrow(/at least one group/);
    expect(() => JfrogTokenScope.of(' ')).toThrow(/empty string/);
  });

  test('a lifetime shorter than the safe default warns', () => {
    const { stack } = setup({ interval: Duration.days(30), tokenLifetime: Duration.days(40) });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('shorter than twice the interval plus a day'));
  });
});

describe('validation at synth', () => {
  test.each<[string, Partial<JfrogTokenRotationProps>, RegExp]>([
    ['http URL', { jfrogUrl: 'http://acme.jfrog.io' }, /jfrogUrl must use https.*got 'http:\/\/acme.jfrog.io'/],
    ['malformed URL', { jfrogUrl: 'acme.jfrog.io' }, /jfrogUrl must be an absolute https URL.*got 'acme.jfrog.io'/],
    ['URL with credentials', { jfrogUrl: 'https://admin:pw@acme.jfrog.io' }, /must not contain credentials/],
    ['URL with a query', { jfrogUrl: 'https://acme.jfrog.io/?a=b' }, /without query or fragment/],
    ['interval under 4 hours', { interval: Duration.hours(3) }, /interval must be between 4 hours and 1000 days.*got 3 hours/],
    ['interval over 1000 days', { interval: Duration.days(1001) }, /got 1001 days/],
    ['lifetime under the interval', { tokenLifetime: Duration.days(10) }, /tokenLifetime must be at least interval \(30 days\).*got 10 days/],
    ['empty username', { username: ' ' }, /username must name the JFrog user/],
    ['self-rotating with a group scope', { credentials: JfrogCredentials.selfRotating() }, /selfRotating\(\) needs scope JfrogTokenScope.user\(\).*got scope 'applied-permissions\/groups:readers'/],
    ['reserved token field', { tokenField: 'tokenId' }, /tokenField cannot be 'tokenId'/],
  ])('%s', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  test('unresolved tokens are not validated', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const url = new CfnParameter(stack, 'Url').valueAsString;
    expect(() => new JfrogTokenRotation(stack, 'R', {
      jfrogUrl: url, username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
    })).not.toThrow();
  });

  test('a trailing slash is dropped from the URL', () => {
    const { template } = setup({ jfrogUrl: 'https://jfrog.example.com/' });
    template().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JFROG_URL: 'https://jfrog.example.com' }) },
    });
  });
});
