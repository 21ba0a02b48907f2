import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenRotationProps, JfrogTokenScope } from '../src';
import { defaultPinned, rotationStack, settingsNameOf, settingsOf } from './support/stack';
import { settingsPin } from '../src/contract/rotation-config';

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
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JfrogTokenRotationFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('the settings go to an SSM parameter bound to the secret; the function\'s environment only says where', () => {
    const { template } = setup({ tokenLifetime: Duration.days(90), tokenField: 'api_key', revokePrevious: false });
    const t = template();
    expect(settingsOf(t)).toEqual({
      v: 1,
      secretArn: expect.stringMatching(/^<Ref:ArtifactoryTokenSecret[0-9A-F]{8}>$/),
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: 'applied-permissions/groups:readers',
      lifetimeSeconds: 90 * 86400,
      tokenField: 'api_key',
      revokePrevious: false,
      credentialsKind: 'ADMIN_TOKEN',
      credentialsSecretArn: expect.stringMatching(/^<Ref:AdminToken/),
      credentialsField: 'token',
      metricSecretName: expect.stringContaining('<token>'),
      expiryWarningSeconds: 30 * 86400,
      overdueAfterSeconds: 31 * 86400,
      intervalSeconds: 30 * 86400,
      credentialExpiryWarningSeconds: 14 * 86400,
    });
    // the construct names its secret at synth, so the function can pin the settings by that name
    expect(settingsNameOf(t)).toMatch(/^\/cdk-jfrog-token-rotation\/c8[0-9a-f]{40}\/Stack-ArtifactoryToken-[0-9A-F]{8}$/);
    const fn = t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const [props] = Object.values(fn).map((r: any) => r.Properties);
    expect(props.Runtime).toBe('nodejs24.x');
    // twice the peak RSS the bench measures (ROTATION_FUNCTION_MEMORY_MB)
    expect(props.MemorySize).toBe(256);
    expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/LogGroup/) } });
    const key = settingsNameOf(t).split('/').pop()!;
    expect(props.Environment.Variables).toEqual({
      JFROG_ROTATION_CONFIG_PATH: settingsNameOf(t).slice(0, -key.length),
      // the JFrog its rotations may send the credential to; settings naming another are refused
      JFROG_ROTATION_ALLOWED_URLS: 'https://acme.jfrog.io',
      // the settings pinned where only a deployment changes them: editing the parameter changes nothing
      JFROG_ROTATION_PINS: settingsPin({
        key,
        jfrogUrl: 'https://acme.jfrog.io',
        username: 'ci-bot',
        scope: 'applied-permissions/groups:readers',
        lifetimeSeconds: 90 * 86400,
        tokenField: 'api_key',
        revokePrevious: false,
        credentialsKind: 'ADMIN_TOKEN',
        credentialsIndex: 0,
        credentialsField: 'token',
      }),
      JFROG_ROTATION_CREDENTIALS: { Ref: expect.stringMatching(/^AdminToken/) },
      // publishEvents: where each promotion is announced
      JFROG_ROTATION_EVENT_BUS: 'default',
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    });
  });

  test('audience, project key and reference token field go to the settings and into the pin', () => {
    const { template } = setup({ audience: 'jfrt@*', projectKey: 'ci', referenceTokenField: 'reference' });
    const t = template();
    expect(settingsOf(t)).toMatchObject({ audience: 'jfrt@*', projectKey: 'ci', referenceTokenField: 'reference' });
    const key = settingsNameOf(t).split('/').pop()!;
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).map((r: any) => r.Properties);
    const pin = (extra: object) => settingsPin({ ...defaultPinned(key), ...extra });
    expect(fn.Environment.Variables.JFROG_ROTATION_PINS).toBe(pin({ audience: 'jfrt@*', projectKey: 'ci', referenceTokenField: 'reference' }));
    // a settings writer who drops the project key gets another pin: refused
    expect(pin({ audience: 'jfrt@*', referenceTokenField: 'reference' })).not.toBe(fn.Environment.Variables.JFROG_ROTATION_PINS);
  });

  test('refreshable goes to the settings and into the pin; left out, the pin is the one before the prop existed', () => {
    const t = setup({ refreshable: true }).template();
    expect(settingsOf(t)).toMatchObject({ refreshable: true });
    const key = settingsNameOf(t).split('/').pop()!;
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).map((r: any) => r.Properties);
    const pinned = defaultPinned(key);
    expect(fn.Environment.Variables.JFROG_ROTATION_PINS).toBe(settingsPin({ ...pinned, refreshable: true }));
    // a settings writer who turns refreshing off gets another pin: refused
    expect(settingsPin({ ...pinned, refreshable: false })).not.toBe(fn.Environment.Variables.JFROG_ROTATION_PINS);
    expect(settingsPin({ ...pinned, refreshable: false })).toBe(settingsPin(pinned));
    expect(settingsOf(setup().template()).refreshable).toBeUndefined();
  });

  test('awsIamRole({ mappedUser }): the user who is not an admin rotates its own token, and the output names it in the mapping call', () => {
    expect(() => JfrogCredentials.awsIamRole({ mappedUser: ' ' })).toThrow(/mappedUser must be the JFrog user the role is mapped to, known at synth, got ' '/);
    const t = setup({ credentials: JfrogCredentials.awsIamRole({ mappedUser: 'CI-Bot' }), scope: JfrogTokenScope.user() }).template();
    expect(settingsOf(t)).toMatchObject({ credentialsKind: 'AWS_IAM_ROLE', username: 'ci-bot', scope: 'applied-permissions/user' });
    const [output] = Object.values(t.findOutputs('*')).filter((o: any) => /iam_role/.test(o.Description));
    expect(output.Description).toBe('Map this role to the JFrog user CI-Bot once (an admin does; JFrog maps one role per user): PUT /access/api/v1/aws/iam_role {"username": "CI-Bot", "iam_role": "<this ARN>"}');
  });

  test('awsIamRole(): no credential secret anywhere; the role to map is a property and a stack output', () => {
    const { template, rotation } = setup({ credentials: JfrogCredentials.awsIamRole() });
    const t = template();
    expect(settingsOf(t)).toMatchObject({ credentialsKind: 'AWS_IAM_ROLE' });
    expect(settingsOf(t).credentialsSecretArn).toBeUndefined();
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).map((r: any) => r.Properties);
    expect(fn.Environment.Variables.JFROG_ROTATION_CREDENTIALS).toBe('');
    const outputs = Object.values<any>(t.findOutputs('*'));
    expect(outputs).toContainEqual(expect.objectContaining({ Value: { 'Fn::GetAtt': [expect.stringMatching(/ServiceRole/), 'Arn'] }, Description: expect.stringMatching(/PUT \/access\/api\/v1\/aws\/iam_role/) }));
    expect(Stack.of(rotation).resolve(rotation.rotationFunctionRoleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/ServiceRole/), 'Arn'] });
    // the function's role needs no permission for the exchange: GetCallerIdentity is allowed to anyone
    const actions = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((st) => [st.Action].flat());
    expect(actions.filter((a) => a.startsWith('sts:'))).toEqual([]);
  });

  test('a secret with a name known at synth: its settings parameter is named after it, escaped for SSM', () => {
    const { template } = rotationStack((stack) => ({ secret: new secretsmanager.Secret(stack, 'Named', { secretName: 'ci/jfrog+token@team' }) }));
    expect(settingsNameOf(template())).toMatch(/^\/cdk-jfrog-token-rotation\/c8[0-9a-f]{40}\/ci_2fjfrog_2btoken_40team$/);
  });

  test('default token lifetime is twice the interval plus a day', () => {
    const { rotation, template } = setup({ interval: Duration.days(7) });
    expect(rotation.tokenLifetime.toDays()).toBe(15);
    expect(settingsOf(template()).lifetimeSeconds).toBe(15 * 86400);
  });

  test('the function may act only on the secrets that name it as their rotation function, and read the credential secret', () => {
    const { template } = setup();
    const policies = template().findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const sm = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    const writers = sm.filter((s: any) => [s.Action].flat().some((a: string) => /Put|Update/.test(a)));
    expect(writers).toHaveLength(1);
    expect(writers[0].Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:*']] });
    expect(writers[0].Condition).toEqual({
      StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': { 'Fn::GetAtt': [expect.stringMatching(/^JfrogTokenRotationFunction/), 'Arn'] } },
    });
    const readers = sm.filter((s: any) => s !== writers[0]);
    expect(readers).toEqual([expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: expect.stringMatching(/^AdminToken/) } })]);
    const ssm = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect(JSON.stringify(ssm[0].Resource)).toMatch(/parameter\/cdk-jfrog-token-rotation\/c8[0-9a-f]{40}\/\*"/);
  });

  test('the invoke permission for Secrets Manager comes before the schedule', () => {
    const { template } = setup();
    const t = template();
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
    });
    const [permissionId] = Object.keys(t.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'secretsmanager.amazonaws.com' } }));
    const [schedule] = Object.values(t.findResources('AWS::SecretsManager::RotationSchedule')) as any[];
    // the exact permission resource, not any dependency whose name looks like one
    expect(schedule.DependsOn).toContain(permissionId);
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
    const forFunction = statements.filter((s: any) => JSON.stringify(s.Principal).includes('FunctionServiceRole'));
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
    const decrypt = statements.find((s: any) => JSON.stringify(s.Principal).includes('FunctionServiceRole') && [s.Action].flat().includes('kms:Decrypt'));
    expect(decrypt).toBeDefined();
    expect(decrypt.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
  });

  test('an admin credential in a central security account (its own key): the role may read it and decrypt through Secrets Manager only', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const centralKey = kms.Key.fromKeyArn(stack, 'CentralKey', 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const central = secretsmanager.Secret.fromSecretAttributes(stack, 'Central', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:jfrog-admin-AbCdEf', encryptionKey: centralKey,
    });
    new JfrogTokenRotation(stack, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(central),
    });
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:jfrog-admin-AbCdEf' });
    // the other account's key policy is not this app's to change: the role's policy carries the grant
    expect(statements).toContainEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    });
    // and nothing else of that key
    expect(statements.filter((st) => JSON.stringify(st.Resource).includes(':key/'))).toHaveLength(1);
  });

  describe('a credential secret in another account that the function could not read', () => {
    const centralArn = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:jfrog-admin';
    const keyArn = 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const warningsFor = (imported: (stack: Stack) => secretsmanager.ISecret, env = { account: '123456789012', region: 'eu-west-1' }) => {
      const stack = new Stack(new App(), 'Stack', { env });
      new JfrogTokenRotation(stack, 'Rotation', {
        jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(imported(stack)),
      });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('credential secret')).map((w) => String(w.entry.data));
    };

    test('by partial ARN, without its key: warned twice, naming the complete ARN and the key to pass', () => {
      const warnings = warningsFor((stack) => secretsmanager.Secret.fromSecretPartialArn(stack, 'Central', centralArn));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/is in account 999999999999, not this stack's \(123456789012\), and was imported by partial ARN: .*complete one .*secretCompleteArn/);
      expect(warnings[1]).toMatch(/imported without its KMS key: under the AWS managed key aws\/secretsmanager it cannot be read from another account at all .*encryptionKey: kms\.Key\.fromKeyArn/);
    });

    test('by complete ARN, without its key: warned about the key only', () => {
      const warnings = warningsFor((stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, 'Central', `${centralArn}-AbCdEf`));
      expect(warnings).toEqual([expect.stringMatching(/without its KMS key/)]);
    });

    test('by complete ARN with its key: no warning', () => {
      expect(warningsFor((stack) => secretsmanager.Secret.fromSecretAttributes(stack, 'Central', {
        secretCompleteArn: `${centralArn}-AbCdEf`, encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
      }))).toEqual([]);
    });

    test('in the stack\'s own account, by partial ARN and without a key: no warning (the AWS managed key works there)', () => {
      expect(warningsFor((stack) => secretsmanager.Secret.fromSecretPartialArn(stack, 'Local', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin'))).toEqual([]);
    });

    test('in a stack whose account is known only at deployment: no guess, no warning', () => {
      const stack = new Stack(new App(), 'Stack');
      new JfrogTokenRotation(stack, 'Rotation', {
        jfrogUrl: 'https://acme.jfrog.io',
        username: 'ci-bot',
        scope: JfrogTokenScope.user(),
        credentials: JfrogCredentials.adminToken(secretsmanager.Secret.fromSecretPartialArn(stack, 'Central', centralArn)),
      });
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('credential secret'))).toEqual([]);
    });
  });

  test('a secret replicated to other regions is rotated in its primary region, its replicas untouched by the template', () => {
    const { template } = rotationStack((stack) => ({ secret: new secretsmanager.Secret(stack, 'Replicated', { replicaRegions: [{ region: 'us-east-1' }, { region: 'ap-southeast-2' }] }) }), 'ArtifactoryToken');
    const t = template();
    t.hasResourceProperties('AWS::SecretsManager::Secret', { ReplicaRegions: [{ Region: 'us-east-1' }, { Region: 'ap-southeast-2' }] });
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: { Ref: Match.stringLikeRegexp('^Replicated') } });
  });

  test('a key that encrypts a credential and, later, a rotated secret is granted for writing too', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'SharedKey');
    const admin = new secretsmanager.Secret(stack, 'Admin', { encryptionKey: key });
    const common = { jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(admin) };
    new JfrogTokenRotation(stack, 'First', common);
    new JfrogTokenRotation(stack, 'Second', { ...common, secret: new secretsmanager.Secret(stack, 'Encrypted', { encryptionKey: key }) });
    const statements = (Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0] as any).Properties.KeyPolicy.Statement;
    const forFunction = statements.filter((st: any) => JSON.stringify(st.Principal).includes('FunctionServiceRole')).flatMap((st: any) => [st.Action].flat());
    expect(forFunction).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']));
  });

  test('every JFrog URL of a function\'s rotations is allowed, and only those', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const common = { username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating() };
    new JfrogTokenRotation(stack, 'Saas', { ...common, jfrogUrl: 'https://acme.jfrog.io/' });
    new JfrogTokenRotation(stack, 'SaasAgain', { ...common, jfrogUrl: 'https://acme.jfrog.io' });
    new JfrogTokenRotation(stack, 'OnPrem', { ...common, jfrogUrl: 'https://jfrog.internal.example.com/base' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JFROG_ROTATION_ALLOWED_URLS: 'https://acme.jfrog.io https://jfrog.internal.example.com/base' }) },
    });
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
    expect(settingsOf(t)).toMatchObject({ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf', tokenField: 'api_key' });
    expect(settingsNameOf(t)).toMatch(/\/ci_2fjfrog$/);
  });

  test('a secret imported by name: the settings know its partial ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    new JfrogTokenRotation(stack, 'Rotation', {
      jfrogUrl: 'https://acme.jfrog.io',
      username: 'ci-bot',
      scope: JfrogTokenScope.user(),
      credentials: JfrogCredentials.selfRotating(),
      secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'ci/jfrog'),
    });
    const t = Template.fromStack(stack);
    expect(settingsOf(t).secretArn).toBe('arn:<Ref:AWS::Partition>:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog');
    // a partial ARN is matched by the exact name Secrets Manager reports, never as a prefix
    expect(settingsOf(t).secretName).toBe('ci/jfrog');
    expect(settingsNameOf(t)).toMatch(/\/ci_2fjfrog$/);
  });

  test('one secret rotated twice in a function fails at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'ci/jfrog');
    const props = { jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(), secret };
    new JfrogTokenRotation(stack, 'First', props);
    expect(() => new JfrogTokenRotation(stack, 'Second', props)).toThrow(/the secret of Stack\/Second is already rotated by Stack\/First/);
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
    // JFrog refuses scopes over 500 characters: fail at synth, not at the first rotation
    const many = Array.from({ length: 60 }, (_, i) => `team-number-${i}`);
    expect(() => JfrogTokenScope.groups(...many)).toThrow(/a JFrog token scope must be at most 500 characters, got \d+/);
  });

  test('a lifetime shorter than the safe default warns', () => {
    const { stack } = setup({ interval: Duration.days(30), tokenLifetime: Duration.days(40) });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('shorter than twice the interval plus a day'));
  });
});

describe('validation at synth', () => {
  test.each<[string, Partial<JfrogTokenRotationProps>, RegExp]>([
    ['http URL', { jfrogUrl: 'http://acme.jfrog.io' }, /jfrogUrl must be the JFrog Platform URL: an https origin.*; it does not use https.*got 'http:\/\/acme.jfrog.io'/],
    ['malformed URL', { jfrogUrl: 'acme.jfrog.io' }, /jfrogUrl must be the JFrog Platform URL: an https origin.*it is not an absolute URL, got 'acme.jfrog.io'/],
    ['URL with credentials', { jfrogUrl: 'https://admin:pw@acme.jfrog.io' }, /it contains user info/],
    ['URL with a query', { jfrogUrl: 'https://acme.jfrog.io/?a=b' }, /it has a query or fragment/],
    ['URL with a fragment', { jfrogUrl: 'https://acme.jfrog.io/#a' }, /it has a query or fragment/],
    // a path that starts with // names another host when joined naively with an API path
    ['URL with an empty path segment', { jfrogUrl: 'https://acme.jfrog.io//evil.example' }, /its path has an empty, `.` or `..` segment, got 'https:\/\/acme.jfrog.io\/\/evil.example'/],
    ['URL with a dot segment', { jfrogUrl: 'https://acme.jfrog.io/.//evil.example' }, /its path has an empty, `.` or `..` segment/],
    ['URL with backslashes', { jfrogUrl: 'https://acme.jfrog.io\\\\evil.example' }, /it contains a backslash/],
    ['URL with an encoded slash', { jfrogUrl: 'https://acme.jfrog.io/a%2F%2Fevil.example' }, /encoded slash/],
    ['interval under 4 hours', { interval: Duration.hours(3) }, /interval must be between 4 hours and 1000 days.*got 3 hours/],
    ['interval over 1000 days', { interval: Duration.days(1001) }, /got 1001 days/],
    ['lifetime under the interval', { tokenLifetime: Duration.days(10) }, /tokenLifetime must be at least interval \(30 days\).*got 10 days/],
    ['empty username', { username: ' ' }, /username must name the JFrog user/],
    ['self-rotating with a group scope', { credentials: JfrogCredentials.selfRotating() }, /selfRotating\(\) needs scope JfrogTokenScope.user\(\) \(or .admin\(\), to rotate an admin's own token\).*got scope 'applied-permissions\/groups:readers'/],
    ['reserved token field', { tokenField: 'tokenId' }, /tokenField cannot be 'tokenId'/],
    ['reserved token field (the version a token was minted from)', { tokenField: 'previousVersionId' }, /tokenField cannot be 'previousVersionId'/],
    ['reserved reference token field', { referenceTokenField: 'expiresAt' }, /referenceTokenField cannot be 'expiresAt'/],
    ['awsIamRole mapped to a user who is not an admin, for another user', { credentials: JfrogCredentials.awsIamRole({ mappedUser: 'deployer' }) },
      /awsIamRole\(\{ mappedUser: 'deployer' \}\) can mint only deployer's own tokens, not ci-bot's: set username to 'deployer', or map the role to an admin user/],
    ['awsIamRole mapped to a user who is not an admin, with another scope', { credentials: JfrogCredentials.awsIamRole({ mappedUser: 'CI-Bot' }) },
      /can mint only tokens with scope JfrogTokenScope\.user\(\) .* got 'applied-permissions\/groups:readers'/],
    ['the refresh token\'s field as the token field', { tokenField: 'refreshToken' }, /tokenField cannot be 'refreshToken': the rotation writes .*refreshToken itself/],
    ['lifetime above the server\'s max expiry', { jfrogMaxExpiry: Duration.days(30), tokenLifetime: Duration.days(45) }, /tokenLifetime 45 days is longer than the server's token.max-expiry \(jfrogMaxExpiry, 30 days\): JFrog would refuse every mint with HTTP 403/],
    ['max expiry shorter than the interval', { jfrogMaxExpiry: Duration.days(20) }, /jfrogMaxExpiry \(20 days\) caps the default tokenLifetime below interval \(30 days\).*interval at most 20 days/],
    ['reference token field equal to the token field', { tokenField: 'jf', referenceTokenField: 'jf' }, /referenceTokenField must differ from tokenField \('jf'\)/],
    ['audience with a double space', { audience: 'jfrt@*  jfac@*' }, /audience must be JFrog service ids known at synth, separated by single spaces \(such as 'jfrt@\* jfac@\*'\), got 'jfrt@\*  jfac@\*'/],
    ['empty project key', { projectKey: '' }, /projectKey must be a plain string without spaces, known at synth, got ''/],
  ])('%s', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  test('jfrogMaxExpiry caps the default lifetime (and warns that it is below the safe default)', () => {
    const { template, rotation } = setup({ jfrogMaxExpiry: Duration.days(45) });
    expect(settingsOf(template()).lifetimeSeconds).toBe(45 * 86400);
    expect(rotation.tokenLifetime.toDays()).toBe(45);
  });

  test('an admin token rotates itself with the admin scope (the credential other rotations mint with)', () => {
    const { template } = setup({ username: 'admin', scope: JfrogTokenScope.admin(), credentials: JfrogCredentials.selfRotating() });
    expect(settingsOf(template())).toMatchObject({ credentialsKind: 'SELF_ROTATING', scope: 'applied-permissions/admin' });
  });

  test('settings the function pins must be known at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const url = new CfnParameter(stack, 'Url').valueAsString;
    expect(() => new JfrogTokenRotation(stack, 'R', {
      jfrogUrl: url, username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
    })).toThrow(/jfrogUrl must be known at synth: the rotation function pins each rotation's jfrogUrl in its environment/);
  });

  test('a missing handler bundle fails at synth naming the fix, not with aws-cdk\'s CannotFindAsset', () => {
    // GIVEN a clone that was compiled but not bundled: no assets/handler/rotation.lambda/ (where the
    // generated RotationFunction takes its code from, as the npm package ships it)
    const bundled = path.join(__dirname, '..', 'assets', 'handler', 'rotation.lambda');
    const existsSync = fs.existsSync;
    // the fs module itself: `import * as` gives this file a read-only copy of its functions
    const spy = jest.spyOn(jest.requireActual<typeof fs>('fs'), 'existsSync').mockImplementation((p) => !String(p).startsWith(bundled) && existsSync(p));
    try {
      // WHEN / THEN
      expect(() => setup()).toThrow(`the rotation function's bundled handler is missing, got no ${path.join(bundled, 'index.js')}: in a clone of cdk-jfrog-token-rotation run 'npx projen bundle'`);
    } finally {
      spy.mockRestore();
    }
    // and with the bundle in place the same stack synthesizes
    expect(() => setup()).not.toThrow();
  });

  test('a trailing slash is dropped from the URL', () => {
    const { template } = setup({ jfrogUrl: 'https://jfrog.example.com/' });
    expect(settingsOf(template()).jfrogUrl).toBe('https://jfrog.example.com');
  });
});

describe('synth warnings for what would fail at JFrog', () => {
  const warnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));

  test.each([
    ['jfrt@*', true],
    ['jfrt@* jfac@*', false],
    ['*@*', false],
    ['jfac@01abc', false],
  ])('audience %s: a warning that it leaves out JFrog Access: %s', (audience, warned) => {
    const { stack } = setup({ audience });
    const found = warnings(stack).filter((w) => w.includes('leaves out JFrog Access'));
    expect(found).toEqual(warned ? [expect.stringMatching(new RegExp(`audience '${audience.replace(/[*]/g, '\\*')}' leaves out JFrog Access \\(jfac@\\*\\).*Add jfac@\\* to the audience`))] : []);
  });

  test('a space-separated audience goes to the settings as JFrog takes it', () => {
    const { template } = setup({ audience: 'jfrt@* jfac@*' });
    expect(settingsOf(template())).toMatchObject({ audience: 'jfrt@* jfac@*' });
  });

  test('two function roles mapped to the same JFrog user (two stacks of one app) are warned about; one shared function is not', () => {
    const app = new App();
    const stacks = ['One', 'Two'].map((id) => new Stack(app, id, { env: { account: '123456789012', region: 'eu-west-1' } }));
    const props = { jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), interval: Duration.days(30) };
    new JfrogTokenRotation(stacks[0], 'A', { ...props, credentials: JfrogCredentials.awsIamRole({ mappedUser: 'ci-bot' }) });
    new JfrogTokenRotation(stacks[0], 'B', { ...props, credentials: JfrogCredentials.awsIamRole({ mappedUser: 'ci-bot' }) });
    expect(warnings(stacks[0]).filter((w) => w.includes('one IAM role per user'))).toEqual([]);

    new JfrogTokenRotation(stacks[1], 'C', { ...props, credentials: JfrogCredentials.awsIamRole({ mappedUser: 'CI-Bot' }) });

    expect(warnings(stacks[1]).filter((w) => !w.includes('the first rotation fails until'))).toEqual([expect.stringMatching(/^2 rotation functions in this app map their roles to the JFrog user 'CI-Bot', but JFrog maps one IAM role per user: .*Give each function role a JFrog user of its own/)]);
  });

  test('two dedicated functions mapped to an admin without mappedUser are warned about', () => {
    const { stack } = rotationStack({ credentials: JfrogCredentials.awsIamRole(), scope: JfrogTokenScope.user(), dedicatedFunction: true }, 'A');
    new JfrogTokenRotation(stack, 'B', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), interval: Duration.days(30), credentials: JfrogCredentials.awsIamRole(), dedicatedFunction: true,
    });
    expect(warnings(stack).filter((w) => w.includes('one IAM role per user'))).toEqual([expect.stringContaining('map their roles to an admin user (awsIamRole() without mappedUser)')]);
  });
});

describe('mistakes users make, caught at synth with the fix in the message (issue 21)', () => {
  test.each<[string, Partial<JfrogTokenRotationProps>, RegExp]>([
    ['the Artifactory URL', { jfrogUrl: 'https://acme.jfrog.io/artifactory' }, /jfrogUrl must be the JFrog Platform URL, not a path under it \('\/artifactory'.*use 'https:\/\/acme\.jfrog\.io', got/],
    ['a UI URL', { jfrogUrl: 'https://acme.jfrog.io/ui/admin/artifactory' }, /not a path under it \('\/ui\/admin\/artifactory'.*use 'https:\/\/acme\.jfrog\.io'/],
    ['an API URL under a base path', { jfrogUrl: 'https://tools.example.com/jfrog/access/api/v1' }, /use 'https:\/\/tools\.example\.com\/jfrog'/],
    ['an explicit :443', { jfrogUrl: 'https://acme.jfrog.io:443' }, /jfrogUrl must not name the default port: drop ':443'/],
    ['the username field as the token field', { tokenField: 'username' }, /tokenField cannot be 'username': the secret keeps the JFrog user there.*use 'password'/],
    ['the username field as the reference token field', { referenceTokenField: 'username' }, /referenceTokenField cannot be 'username'/],
  ])('%s is refused', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  test.each([
    ['applied-permissions/group:readers', /is not a scope JFrog documents \(JfrogTokenScope\.groups\(\) writes it/],
    ['applied-permission/groups:readers', /is not a scope JFrog documents \(applied-permissions, plural\)/],
    ['applied-permissions/amdin', /is not a scope JFrog documents \(a misspelt admin or user\?\)/],
    ['applied-permissions/user applied-permissions/roles:proj', /'applied-permissions\/roles:proj' is not a scope JFrog documents/],
  ])('JfrogTokenScope.of(%s) is refused, naming the forms', (scope, message) => {
    expect(() => JfrogTokenScope.of(scope)).toThrow(message);
  });

  test.each(['applied-permissions/user', 'applied-permissions/groups:readers,"release managers"', 'applied-permissions/roles:proj:Developer', 'system:metrics:r', 'member-of-groups:readers api:*'])(
    'JfrogTokenScope.of(%s) is accepted', (scope) => {
      expect(JfrogTokenScope.of(scope).value).toBe(scope);
    });

  test.each([' readers', 'readers ', 'read\ters'])('JfrogTokenScope.groups(%j) is refused: JFrog would look for that exact name', (group) => {
    expect(() => JfrogTokenScope.groups(group)).toThrow(/group names cannot start or end with whitespace, nor hold tabs or line breaks/);
  });

  test('a group name with an inner space is quoted, as JFrog documents', () => {
    expect(JfrogTokenScope.groups('release managers').value).toBe('applied-permissions/groups:"release managers"');
  });

  test('adminToken() naming the rotated secret itself is refused', () => {
    expect(() => rotationStack((stack) => {
      const secret = new secretsmanager.Secret(stack, 'Own');
      return { secret, credentials: JfrogCredentials.adminToken(secret) };
    })).toThrow(/credentials name the rotated secret itself \(ADMIN_TOKEN\): the credential would be replaced by the token it minted/);
  });

  test('selfRotating() on the construct\'s new secret warns, with the seeding command', () => {
    const { stack } = setup({ credentials: JfrogCredentials.selfRotating(), scope: JfrogTokenScope.user() });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('selfRotating\\(\\) mints each token with the one before it.*aws secretsmanager put-secret-value --secret-id .*"username":"ci-bot","token":"<a token of ci-bot>".*rotate-secret'))).toHaveLength(1);
  });

  test('selfRotating() on a secret passed in (seeded by its owner) does not warn', () => {
    const { stack } = rotationStack((s) => ({ secret: new secretsmanager.Secret(s, 'Seeded'), credentials: JfrogCredentials.selfRotating(), scope: JfrogTokenScope.user() }));
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('selfRotating'))).toHaveLength(0);
  });

  // what a JavaScript (or Python, Java) user meets without TypeScript's checks
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['no credentials', { credentials: undefined }, /credentials must come from a JfrogCredentials factory: JfrogCredentials\.adminToken\(secret\).*got undefined/],
    ['a secret name as credentials', { credentials: 'jfrog/admin-token' }, /credentials must come from a JfrogCredentials factory.*got the string 'jfrog\/admin-token'/],
    ['a scope string', { scope: 'applied-permissions/user' }, /scope must come from a JfrogTokenScope factory: JfrogTokenScope\.user\(\).*got the string/],
    ['a secret name as secret', { secret: 'ci/jfrog' }, /secret must be a Secrets Manager secret \(ISecret\).*Secret\.fromSecretNameV2.*got the string 'ci\/jfrog'/],
  ])('%s: a message naming the factory', (_name, props, message) => {
    expect(() => setup(props as Partial<JfrogTokenRotationProps>)).toThrow(message);
  });
});

describe('secretName (issue 21.4)', () => {
  test('names the secret the construct creates, and keys its settings by that name', () => {
    const { template } = setup({ secretName: 'ci/jfrog/pipeline-bot' });
    template().hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'ci/jfrog/pipeline-bot' });
    expect(settingsNameOf(template())).toMatch(/\/ci_2fjfrog_2fpipeline-bot$/);
  });

  test('without it, the name comes from the construct path: another id gives another secret', () => {
    const names = ['ArtifactoryToken', 'Moved'].map((id) => JSON.stringify(rotationStack({}, id).template().findResources('AWS::SecretsManager::Secret')));
    expect(names[0]).not.toEqual(names[1]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['with secret', { secretName: 'x', secret: 'own' }, /secretName names the secret the construct creates; with secret, the secret passed in keeps its own name/],
    ['a character Secrets Manager refuses', { secretName: 'ci jfrog' }, /secretName must be 1 to 512 of the characters Secrets Manager allows/],
    ['a suffix-like ending', { secretName: 'ci/jfrog-AbC123' }, /secretName must not end with a hyphen and six characters/],
  ])('%s is refused', (_name, props, message) => {
    expect(() => rotationStack((stack) => ({
      ...props, secret: props.secret ? new secretsmanager.Secret(stack, 'Own') : undefined,
    } as Partial<JfrogTokenRotationProps>), 'ArtifactoryToken')).toThrow(message);
  });
});

describe('outputName: stack outputs with fixed names (issue 21.4)', () => {
  test('the secret\'s ARN under <outputName>SecretArn, exported as <stack>-<key>; no role output without awsIamRole', () => {
    const t = setup({ outputName: 'CiToken' }).template();
    t.hasOutput('CiTokenSecretArn', { Value: { Ref: Match.stringLikeRegexp('^ArtifactoryTokenSecret') }, Export: { Name: 'Stack-CiTokenSecretArn' } });
    expect(Object.keys(t.findOutputs('CiTokenRoleArn'))).toEqual([]);
  });

  test('with awsIamRole(), the role to map under <outputName>RoleArn too', () => {
    const t = setup({ outputName: 'CiToken', credentials: JfrogCredentials.awsIamRole(), scope: JfrogTokenScope.user() }).template();
    t.hasOutput('CiTokenRoleArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('Role'), 'Arn'] }, Export: { Name: 'Stack-CiTokenRoleArn' } });
  });

  test('without it, no output carries a fixed name', () => {
    expect(Object.keys(setup().template().findOutputs('*')).filter((k) => k.endsWith('SecretArn'))).toEqual([]);
  });

  test.each(['ci-token', '1Token', ''])('outputName %j is refused, naming the form', (outputName) => {
    expect(() => setup({ outputName })).toThrow(/outputName must be letters and digits, starting with a letter/);
  });
});
