import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../src';

// IAM's limits (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
// a role's inline policies together at most 10,240 characters, whitespace not counted
const ROLE_INLINE_POLICY_LIMIT = 10_240;
const CLOUDFORMATION_RESOURCE_LIMIT = 500;

/** a platform team's stack: n rotations, one per pipeline, minted by `credentials` admin tokens */
function stackWith(n: number, options: { credentials?: number; keys?: number } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
  const keys = Array.from({ length: options.keys ?? 0 }, (_, i) => new kms.Key(stack, `Key${i}`));
  const admins = Array.from({ length: options.credentials ?? 1 }, (_, i) => new secretsmanager.Secret(stack, `AdminToken${i}`));
  for (let i = 0; i < n; i++) {
    new JfrogTokenRotation(stack, `Pipeline${i}`, {
      jfrogUrl: 'https://acme.jfrog.io',
      username: `ci-pipeline-${i}`,
      scope: JfrogTokenScope.groups(`team-${i % 7}`),
      credentials: JfrogCredentials.adminToken(admins[i % admins.length]),
      secret: keys.length ? new secretsmanager.Secret(stack, `Secret${i}`, { secretName: `ci/pipeline-${i}`, encryptionKey: keys[i % keys.length] }) : undefined,
    });
  }
  return { stack, template: Template.fromStack(stack) };
}

/**
 * a policy document as IAM counts it: the JSON without whitespace, with each CloudFormation
 * reference replaced by a value as long as a real one would be
 */
function policyCharacters(document: unknown): number {
  const realistic = (value: any): any => {
    if (Array.isArray(value)) return value.map(realistic);
    if (value && typeof value === 'object') {
      if ('Ref' in value || 'Fn::GetAtt' in value) return 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:PlatformPipeline99SecretA1B2C3D4-AbCdEfGhIjKl-AbCdEf';
      if ('Fn::Join' in value) return value['Fn::Join'][1].map(realistic).join(value['Fn::Join'][0]);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, realistic(v)]));
    }
    return value;
  };
  return JSON.stringify(realistic(document)).length;
}

/** the rotation functions' roles (not those of aws-cdk's provider framework, which the deployment hooks use) */
function rotationRoles(template: Template): Set<string> {
  return new Set(Object.entries<any>(template.findResources('AWS::IAM::Role'))
    .filter(([, r]) => String(r.Properties.Description ?? '').startsWith('Rotates JFrog access tokens')).map(([id]) => id));
}

/** the rotation functions (not the provider framework's): they have a settings path */
function rotationFunctions(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.JFROG_ROTATION_CONFIG_PATH);
}

function rolePolicyCharacters(template: Template): Map<string, number> {
  const perRole = new Map<string, number>();
  const roles = rotationRoles(template);
  for (const policy of Object.values<any>(template.findResources('AWS::IAM::Policy'))) {
    for (const role of policy.Properties.Roles.filter((r: any) => roles.has(r.Ref))) {
      perRole.set(role.Ref, (perRole.get(role.Ref) ?? 0) + policyCharacters(policy.Properties.PolicyDocument));
    }
  }
  return perRole;
}

describe('a hundred rotations in one stack', () => {
  test('share one function and add at most 3 resources each (secret, settings, schedule)', () => {
    const one = Object.keys(stackWith(1).template.toJSON().Resources).length;
    const { template } = stackWith(100);
    const resources = template.toJSON().Resources;
    const count = Object.keys(resources).length;

    // the rotation function, and the three of aws-cdk's provider framework (onEvent, isComplete,
    // onTimeout) that run the deployment hooks: a fixed set per function
    expect(rotationFunctions(template)).toHaveLength(1);
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('Custom::JfrogTokenFirstRotation', 1);
    template.resourceCountIs('Custom::JfrogTokenTeardown', 1);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 100);
    template.resourceCountIs('AWS::SSM::Parameter', 100);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    expect((count - one) / 99).toBeLessThanOrEqual(3);
    expect(count).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT * 0.7);
  });

  test('the deployment hooks\' custom resources carry 100 rotations within the provider framework\'s limits', () => {
    const { template } = stackWith(100, { credentials: 3 });
    // as CloudFormation sends them: each reference as long as a real ARN. The provider framework
    // passes the event (an update: old and new properties) through Step Functions, whose state
    // input is at most 262,144 bytes (StateEnteredEventDetails.input in its API reference);
    // Lambda's Invoke takes 6 MB synchronously, 1 MB asynchronously
    const realistic = (value: any): any => {
      if (Array.isArray(value)) return value.map(realistic);
      if (value && typeof value === 'object') {
        if ('Ref' in value || 'Fn::GetAtt' in value) return 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:PlatformPipeline99SecretA1B2C3D4-AbCdEfGhIjKl-AbCdEf';
        if ('Fn::Join' in value) return value['Fn::Join'][1].map(realistic).join(value['Fn::Join'][0]);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, realistic(v)]));
      }
      return value;
    };
    const [teardown] = Object.values<any>(template.findResources('Custom::JfrogTokenTeardown'));
    const [wait] = Object.values<any>(template.findResources('Custom::JfrogTokenFirstRotation'));
    expect(teardown.Properties.Rotations).toHaveLength(100);
    expect(wait.Properties.Secrets).toHaveLength(100);
    const bytes = JSON.stringify(realistic(teardown.Properties)).length + JSON.stringify(realistic(wait.Properties)).length;
    expect(bytes * 2).toBeLessThan(262_144 * 0.9);
    expect(bytes).toBeGreaterThan(50_000);
  });

  test('every schedule names the one function and waits for its permissions', () => {
    const { template } = stackWith(100);
    const [fnId] = Object.keys(template.findResources('AWS::Lambda::Function'));
    for (const schedule of Object.values<any>(template.findResources('AWS::SecretsManager::RotationSchedule'))) {
      expect(schedule.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      expect(schedule.DependsOn).toEqual(expect.arrayContaining([fnId, expect.stringMatching(/RotationPolicy/), expect.stringMatching(/SecretsManagerInvoke/)]));
    }
  });

  test.each<[string, { credentials: number; keys?: number }]>([
    ['one admin credential', { credentials: 1 }],
    ['ten admin credentials', { credentials: 10 }],
    ['ten admin credentials and ten customer-managed keys', { credentials: 10, keys: 10 }],
  ])('the role\'s policies stay within IAM\'s size limit: %s', (_name, options) => {
    const { template } = stackWith(100, options);
    const sizes = rolePolicyCharacters(template);
    expect(sizes.size).toBe(1);
    const [size] = [...sizes.values()];
    expect(size).toBeLessThan(ROLE_INLINE_POLICY_LIMIT);
    // the policy does not grow with the rotations: the same with 1 as with 100
    const [single] = [...rolePolicyCharacters(stackWith(1, { credentials: 1, keys: options.keys ? 1 : 0 }).template).values()];
    expect(size - single).toBeLessThan(((options.credentials - 1) + (options.keys ?? 0)) * 400 + 1);
  });

  test('the function\'s environment pins 100 rotations\' settings within Lambda\'s 4 KB', () => {
    const { template } = stackWith(100, { credentials: 3 });
    const [fn] = rotationFunctions(template);
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect((variables.JFROG_ROTATION_PINS as string).split(' ')).toHaveLength(100);
    // as Lambda counts it: names and values, a CloudFormation reference as long as a real ARN
    const realistic = (value: any): string => (typeof value === 'string' ? value
      : value?.['Fn::Join'] ? value['Fn::Join'][1].map(realistic).join(value['Fn::Join'][0])
        : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AdminToken0ABCD1234-aBcDeFgHiJkL-AbCdEf');
    const bytes = Object.entries(variables).reduce((sum, [name, value]) => sum + name.length + realistic(value).length, 0);
    expect(bytes).toBeLessThan(2_400);
    expect(bytes).toBeGreaterThan(1_700);
  });

  test('too many secrets without a name known at synth for one function\'s environment fail at synth with what to change', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    const admin = new secretsmanager.Secret(stack, 'Admin');
    for (let i = 0; i < 45; i++) {
      new JfrogTokenRotation(stack, `Pipeline${i}`, {
        jfrogUrl: 'https://acme.jfrog.io',
        username: `ci-${i}`,
        scope: JfrogTokenScope.user(),
        credentials: JfrogCredentials.adminToken(admin),
        secret: new secretsmanager.Secret(stack, `Unnamed${i}`),
      });
    }
    expect(() => Template.fromStack(stack)).toThrow(/needs about \d+ bytes of environment to pin its 45 rotations' settings and 1 credential secrets, more than Lambda's 4096; give the secrets you pass in names known at synth/);
  });

  test('more distinct credential secrets than the role\'s policy can hold fail at synth with what to change', () => {
    expect(() => stackWith(41, { credentials: 41 })).toThrow(/reads 41 distinct credential secrets and KMS keys, more than the 40.*share admin credentials between rotations, or give some rotations dedicatedFunction: true/);
  });

  test('rotations with other function settings get a function of their own; dedicatedFunction opts out', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    const common = { jfrogUrl: 'https://acme.jfrog.io', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating() };
    const a = new JfrogTokenRotation(stack, 'A', { ...common, username: 'a' });
    const b = new JfrogTokenRotation(stack, 'B', { ...common, username: 'b' });
    const quiet = new JfrogTokenRotation(stack, 'Quiet', { ...common, username: 'q', alarms: false });
    const own = new JfrogTokenRotation(stack, 'Own', { ...common, username: 'o', dedicatedFunction: true });
    expect(b.rotationFunction).toBe(a.rotationFunction);
    expect(quiet.rotationFunction).not.toBe(a.rotationFunction);
    expect(own.rotationFunction).not.toBe(a.rotationFunction);
    expect(own.rotationFunction.node.path).toBe('Platform/Own/Function/Function');
    expect(rotationFunctions(Template.fromStack(stack))).toHaveLength(3);
    // each function has its own deployment hooks
    Template.fromStack(stack).resourceCountIs('Custom::JfrogTokenFirstRotation', 3);
    // each function reads only its own rotations' settings
    const paths = rotationFunctions(Template.fromStack(stack))
      .map((f) => f.Properties.Environment.Variables.JFROG_ROTATION_CONFIG_PATH);
    expect(new Set(paths).size).toBe(3);
  });
});
