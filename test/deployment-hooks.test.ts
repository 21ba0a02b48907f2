import { RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../src';
import { rotationStack } from './support/stack';

// the deployment hooks in the template: one provider and two custom resources per function, the
// rotation function as the provider's onEvent and isComplete, the order CloudFormation needs

const ids = (resources: Record<string, unknown>) => Object.keys(resources);

describe('waitForFirstRotation', () => {
  test('by default the deployment waits: the wait names the secret and comes after its schedule, through the rotation function', () => {
    const t = rotationStack().template();
    const waits = t.findResources('Custom::JfrogTokenFirstRotation');
    expect(ids(waits)).toHaveLength(1);
    const [wait] = Object.values<any>(waits);
    const [secretId] = ids(t.findResources('AWS::SecretsManager::Secret', { Properties: { Description: Match.stringLikeRegexp('rotated by cdk-jfrog-token-rotation') } }));
    const [scheduleId] = ids(t.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(wait.Properties.Secrets).toEqual([{ Ref: secretId }]);
    expect(wait.DependsOn).toContain(scheduleId);
    // the provider framework runs the rotation function for onEvent and isComplete
    const rotationFunctionId = ids(t.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { JFROG_ROTATION_CONFIG_PATH: Match.anyValue() } } } }))[0];
    const framework = Object.values<any>(t.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Handler === 'framework.onEvent');
    expect(framework).toHaveLength(1);
    expect(framework[0].Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [rotationFunctionId, 'Arn'] });
    expect(framework[0].Properties.Environment.Variables.USER_IS_COMPLETE_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [rotationFunctionId, 'Arn'] });
  });

  test('waitForFirstRotation: false leaves the wait out', () => {
    const t = rotationStack({ waitForFirstRotation: false }).template();
    t.resourceCountIs('Custom::JfrogTokenFirstRotation', 0);
  });

  test('awsIamRole(): no wait by default, and a warning that gives the order: deploy, map, deploy again with the wait', () => {
    const { stack, template } = rotationStack({ credentials: JfrogCredentials.awsIamRole() });
    template().resourceCountIs('Custom::JfrogTokenFirstRotation', 0);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('the first rotation fails until a JFrog admin maps the function\'s role.*Deploy, map the role, then deploy again with waitForFirstRotation: true'));
  });

  test('awsIamRole() with waitForFirstRotation: true waits, without the warning', () => {
    const { stack, template } = rotationStack({ credentials: JfrogCredentials.awsIamRole(), waitForFirstRotation: true });
    template().resourceCountIs('Custom::JfrogTokenFirstRotation', 1);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('the first rotation fails until'))).toEqual([]);
  });

  test('rotateImmediatelyOnUpdate: false has nothing to wait for: no wait by default, refused when asked for', () => {
    rotationStack({ rotateImmediatelyOnUpdate: false }).template().resourceCountIs('Custom::JfrogTokenFirstRotation', 0);
    expect(() => rotationStack({ rotateImmediatelyOnUpdate: false, waitForFirstRotation: true }))
      .toThrow(/waitForFirstRotation needs rotateImmediatelyOnUpdate: the first rotation it waits for starts when the schedule is created, got rotateImmediatelyOnUpdate: false for Stack\/Token/);
  });

  test('two rotations share one wait, one teardown and one provider', () => {
    const { stack, template } = rotationStack();
    new JfrogTokenRotation(stack, 'Second', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'ci-2', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
    });
    const t = template();
    t.resourceCountIs('Custom::JfrogTokenFirstRotation', 1);
    t.resourceCountIs('Custom::JfrogTokenTeardown', 1);
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(Object.values<any>(t.findResources('Custom::JfrogTokenFirstRotation'))[0].Properties.Secrets).toHaveLength(2);
  });
});

describe('revokeOnDelete', () => {
  test('by default the settings parameter depends on the teardown (deleted before it), which carries the deployed settings and depends on the function\'s permissions', () => {
    const t = rotationStack().template();
    const [teardownId] = ids(t.findResources('Custom::JfrogTokenTeardown'));
    const [teardown] = Object.values<any>(t.findResources('Custom::JfrogTokenTeardown'));
    const [parameter] = Object.values<any>(t.findResources('AWS::SSM::Parameter'));
    expect(parameter.DependsOn).toContain(teardownId);
    expect(teardown.Properties.Rotations).toEqual([{ key: expect.any(String), settings: parameter.Properties.Value }]);
    expect(teardown.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/RotationPolicy/), expect.stringMatching(/SecretsManagerInvoke/), expect.stringMatching(/ServiceRoleDefaultPolicy/)]));
  });

  test('revokeOnDelete: false leaves the teardown out', () => {
    rotationStack({ revokeOnDelete: false }).template().resourceCountIs('Custom::JfrogTokenTeardown', 0);
  });

  test('a retained secret keeps its tokens: it is left out of the teardown, also when retained after the construct was made', () => {
    const { rotation, template } = rotationStack();
    rotation.secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const [teardown] = Object.values<any>(template().findResources('Custom::JfrogTokenTeardown'));
    expect(teardown.Properties.Rotations).toEqual([]);
  });

  test('an imported secret is not deleted with the stack: left out of the teardown', () => {
    const { template } = rotationStack((stack) => ({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', 'ci/token') }));
    const [teardown] = Object.values<any>(template().findResources('Custom::JfrogTokenTeardown'));
    expect(teardown.Properties.Rotations).toEqual([]);
  });

  test('neither hook: no provider at all', () => {
    const t = rotationStack({ revokeOnDelete: false, waitForFirstRotation: false }).template();
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(Object.values<any>(t.findResources('AWS::Lambda::Function'))).toHaveLength(1);
  });

  test('no token, password or secret value in the hooks\' properties', () => {
    const t = rotationStack().template().toJSON();
    const hooks = Object.values<any>(t.Resources).filter((r) => String(r.Type).startsWith('Custom::JfrogToken'));
    expect(JSON.stringify(hooks)).not.toMatch(/"token"\s*:|password|SecretString|eyJ/i);
  });
});

describe('least privilege', () => {
  test('the hooks add no permission to the rotation function\'s role, and the provider framework may invoke only the rotation function', () => {
    const without = rotationStack({ waitForFirstRotation: false, revokeOnDelete: false }).template();
    const t = rotationStack().template();
    const rotationRoleActions = (template: typeof t) => {
      const roles = new Set(Object.entries<any>(template.findResources('AWS::IAM::Role'))
        .filter(([, r]) => String(r.Properties.Description ?? '').startsWith('Rotates JFrog access tokens')).map(([id]) => id));
      return Object.values<any>(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: any) => roles.has(r.Ref)))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .map((s: any) => JSON.stringify([s.Action, s.Resource, s.Condition]))
        .sort();
    };
    expect(rotationRoleActions(t)).toEqual(rotationRoleActions(without));
    // the framework's invoke grants name the rotation function (and the framework's own functions), nothing else
    const rotationFunctionId = ids(t.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { JFROG_ROTATION_CONFIG_PATH: Match.anyValue() } } } }))[0];
    const invokes = Object.values<any>(t.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invokes.length).toBeGreaterThan(0);
    for (const s of invokes) {
      for (const resource of [s.Resource].flat()) {
        expect(JSON.stringify(resource)).toMatch(new RegExp(`"(${rotationFunctionId}|JfrogTokenRotationFunctionDeploymentProviderframework\\w+)"`));
      }
    }
  });
});
