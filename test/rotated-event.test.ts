import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../src';
import { rotationStack } from './support/stack';

// GIVEN rotations in a stack; THEN their function may put the `JFrog Token Rotated` event on the
// default bus and nothing else there (publishEvents, on by default), is told to, and
// onTokenRotated() gives a rule for one secret's events. what the handler puts:
// test/handler/rotated-event.e2e.test.ts

const PUT_EVENTS = {
  Effect: 'Allow',
  Action: 'events:PutEvents',
  Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:event-bus/default']] },
  Condition: { StringEquals: { 'events:source': 'cdk-jfrog-token-rotation', 'events:detail-type': 'JFrog Token Rotated' } },
};

function putEventsStatements(template: Template): unknown[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('events:')));
}

describe('publishEvents (default true)', () => {
  test('the function may put only the rotated event, on the default bus only, and is told the bus', () => {
    const { rotation, template } = rotationStack();
    const t = template();
    expect(putEventsStatements(t)).toEqual([PUT_EVENTS]);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JFROG_ROTATION_EVENT_BUS: 'default' }) },
    });
    // nothing per rotation unless asked for: no rule, no bus
    t.resourceCountIs('AWS::Events::EventBus', 0);
    t.resourceCountIs('AWS::Events::Rule', 2);
    expect([JfrogTokenRotation.EVENT_SOURCE, JfrogTokenRotation.TOKEN_ROTATED_DETAIL_TYPE]).toEqual(['cdk-jfrog-token-rotation', 'JFrog Token Rotated']);
    expect(rotation.metricEventPublishFailed().metricName).toBe('EventPublishFailed');
    expect(rotation.metricEventPublishFailed().statistic).toBe('Sum');
  });

  test('a hundred rotations share one statement (per function, not per rotation)', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
    const admin = new secretsmanager.Secret(stack, 'Admin');
    for (let i = 0; i < 100; i++) {
      new JfrogTokenRotation(stack, `Pipeline${i}`, {
        jfrogUrl: 'https://acme.jfrog.io', username: `ci-${i}`, scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(admin),
      });
    }
    expect(putEventsStatements(Template.fromStack(stack))).toEqual([PUT_EVENTS]);
  });

  test('false: no event, no permission, a function apart from the rotations that publish', () => {
    const { stack, rotation, template } = rotationStack({ publishEvents: false });
    const t = template();
    expect(putEventsStatements(t)).toEqual([]);
    const [fn] = Object.values<any>(t.findResources('AWS::Lambda::Function'));
    expect(fn.Properties.Environment.Variables.JFROG_ROTATION_EVENT_BUS).toBeUndefined();
    const publishing = new JfrogTokenRotation(stack, 'Publishing', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'other', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
    });
    expect(publishing.rotationFunction).not.toBe(rotation.rotationFunction);
    expect(() => rotation.onTokenRotated('Rotated')).toThrow(/onTokenRotated\(\) needs the rotation function to publish events, got publishEvents: false for Stack\/Token/);
  });

  test('in a VPC with vpcEndpoints, an EventBridge endpoint beside Secrets Manager\'s and SSM\'s; none without publishEvents', () => {
    const endpoints = (publishEvents: boolean) => rotationStack((stack) => ({
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] }),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      vpcEndpoints: true,
      publishEvents,
    })).template().findResources('AWS::EC2::VPCEndpoint');
    const services = (found: Record<string, any>) => Object.values<any>(found).map((e) => JSON.stringify(e.Properties.ServiceName).match(/\.(\w+)"/)?.[1]).sort();
    expect(services(endpoints(true))).toEqual(['events', 'secretsmanager', 'ssm']);
    expect(services(endpoints(false))).toEqual(['secretsmanager', 'ssm']);
  });
});

describe('onTokenRotated()', () => {
  test('a rule on the default bus for this secret\'s events, with the target given', () => {
    const { stack, rotation, template } = rotationStack();
    const topic = new sns.Topic(stack, 'Topic');
    const rule = rotation.onTokenRotated('Rotated', { target: new targets.SnsTopic(topic) });
    expect(rule.node.path).toBe('Stack/Token/Rotated');
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['cdk-jfrog-token-rotation'],
        'detail-type': ['JFrog Token Rotated'],
        // the construct's own secret, by its complete ARN
        'detail': { secretArn: [{ Ref: Match.stringLikeRegexp('^TokenSecret') }] },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Topic') } })],
      EventBusName: Match.absent(),
    });
  });

  test('a secret passed in by name is matched by that name (the function checks it against Secrets Manager\'s); by complete ARN, by ARN', () => {
    const byName = rotationStack((stack) => ({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'ci/jfrog-token') }));
    byName.rotation.onTokenRotated('Rotated');
    byName.template().hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { secretName: ['ci/jfrog-token'] } }) });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-token-AbCdEf';
    const byArn = rotationStack((stack) => ({ secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', arn) }));
    byArn.rotation.onTokenRotated('Rotated');
    byArn.template().hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { secretArn: [arn] } }) });
  });

  test('options add to the pattern and name the rule', () => {
    const { rotation, template } = rotationStack();
    rotation.onTokenRotated('Rotated', { ruleName: 'jfrog-rotated', description: 'mine', eventPattern: { detail: { revocation: ['failed'] } } });
    template().hasResourceProperties('AWS::Events::Rule', {
      Name: 'jfrog-rotated',
      Description: 'mine',
      EventPattern: Match.objectLike({ detail: { revocation: ['failed'], secretArn: Match.anyValue() } }),
    });
  });

  test('the README\'s example synthesizes: one secret to a Lambda function, every rotation to an SNS topic', () => {
    // GIVEN the README's code, line for line
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const line of [
      "rotation.onTokenRotated('ReloadJfrogToken', {",
      '  target: new targets.LambdaFunction(reloader),',
      "new events.Rule(this, 'AnyJfrogTokenRotated', {",
      '    source: [JfrogTokenRotation.EVENT_SOURCE],',
      '    detailType: [JfrogTokenRotation.TOKEN_ROTATED_DETAIL_TYPE],',
      '  targets: [new targets.SnsTopic(topic, {',
      "      `New JFrog token for ${events.EventField.fromPath('$.detail.secretName')}, expires ${events.EventField.fromPath('$.detail.expiresAt')}`),",
    ]) {
      expect(readme).toContain(line);
    }
    const { stack, rotation, template } = rotationStack({ interval: Duration.days(30) });
    const reloader = new lambda.Function(stack, 'Reloader', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    const topic = new sns.Topic(stack, 'Topic');
    // WHEN (the README's `this` is the stack)
    rotation.grantRead(reloader);
    rotation.onTokenRotated('ReloadJfrogToken', {
      target: new targets.LambdaFunction(reloader),
    });
    new events.Rule(stack, 'AnyJfrogTokenRotated', {
      eventPattern: {
        source: [JfrogTokenRotation.EVENT_SOURCE],
        detailType: [JfrogTokenRotation.TOKEN_ROTATED_DETAIL_TYPE],
      },
      targets: [new targets.SnsTopic(topic, {
        message: events.RuleTargetInput.fromText(
          `New JFrog token for ${events.EventField.fromPath('$.detail.secretName')}, expires ${events.EventField.fromPath('$.detail.expiresAt')}`),
      })],
    });
    // THEN
    const t = template();
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['cdk-jfrog-token-rotation'], 'detail-type': ['JFrog Token Rotated'] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Topic') }, InputTransformer: Match.objectLike({ InputPathsMap: { 'detail-secretName': '$.detail.secretName', 'detail-expiresAt': '$.detail.expiresAt' } }) })],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Reloader'), 'Arn'] } });
  });
});
