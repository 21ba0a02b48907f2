import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { JfrogCredentials, JfrogRotationSchedule, JfrogTokenRotation, JfrogTokenScope } from '../src';

/** a stack that uses every option, the way a security-minded team would */
function everyOption() {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  vpc.addFlowLog('FlowLog');
  const admin = new secretsmanager.Secret(stack, 'AdminToken', { encryptionKey: key });
  const existing = new secretsmanager.Secret(stack, 'CiToken', { encryptionKey: key });
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: key, enforceSSL: true });
  const rotation = new JfrogTokenRotation(stack, 'Token', {
    jfrogUrl: 'https://jfrog.internal.example.com',
    username: 'ci-bot',
    scope: JfrogTokenScope.groups('readers'),
    credentials: JfrogCredentials.adminToken(admin),
    secret: existing,
    interval: Duration.days(7),
    schedule: JfrogRotationSchedule.cron({ hour: '4', weekDay: 'MON' }),
    rotationWindow: Duration.hours(3),
    tokenLifetime: Duration.days(20),
    expiryWarning: Duration.days(3),
    alarmTopic: topic,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    vpcEndpoints: true,
  });
  // the stack's own resources, not the construct's: a JFrog admin credential is rotated in JFrog by its owner
  NagSuppressions.addResourceSuppressions(admin, [{ id: 'AwsSolutions-SMG4', reason: 'the JFrog admin token is issued and rotated by the JFrog administrators, outside AWS' }]);
  return { stack, rotation };
}

test('cdk-nag AwsSolutions: no unacknowledged finding with every option', () => {
  // GIVEN
  const { stack } = everyOption();
  // WHEN
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  // THEN
  const findings = [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
  expect(findings).toEqual([]);
});

test('the invoke permission names the account (SourceAccount) and is in place before the schedule', () => {
  const { stack } = everyOption();
  const t = Template.fromStack(stack);
  const permissions = t.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'secretsmanager.amazonaws.com' } });
  expect(Object.values(permissions)).toHaveLength(1);
  const [permissionId] = Object.keys(permissions);
  expect((permissions[permissionId] as any).Properties.SourceAccount).toBe('123456789012');
  const [schedule] = Object.values(t.findResources('AWS::SecretsManager::RotationSchedule')) as any[];
  expect(schedule.DependsOn).toEqual(expect.arrayContaining([permissionId]));
});

test('no Secrets Manager or KMS action on Resource "*"; KMS only through Secrets Manager', () => {
  const { stack } = everyOption();
  const t = Template.fromStack(stack);
  const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  for (const s of statements) {
    const actions = [s.Action].flat() as string[];
    if (actions.some((a) => a.startsWith('secretsmanager:') || a.startsWith('kms:'))) {
      expect({ actions, resource: s.Resource }).not.toEqual({ actions, resource: '*' });
    }
  }
  const keyStatements = (Object.values(t.findResources('AWS::KMS::Key'))[0] as any).Properties.KeyPolicy.Statement;
  const forFunction = keyStatements.filter((k: any) => JSON.stringify(k.Principal).includes('JfrogTokenRotationFunction'));
  // encrypt/decrypt for the rotated secret, decrypt for the credential: one key, granted once each
  expect(forFunction.length).toBeGreaterThan(0);
  for (const s of forFunction) {
    expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
  }
});

test('the secrets statement is narrowed to the function\'s own secrets, and acknowledged for cdk-nag with its reason', () => {
  const { stack } = everyOption();
  const t = Template.fromStack(stack);
  const [policy] = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('RotationPolicy') } })) as any[];
  expect(policy.Properties.PolicyDocument.Statement).toEqual([expect.objectContaining({
    Condition: { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': { 'Fn::GetAtt': [expect.stringMatching(/^JfrogTokenRotationFunction/), 'Arn'] } } },
  })]);
  expect(policy.Metadata.cdk_nag.rules_to_suppress).toEqual([expect.objectContaining({
    id: 'AwsSolutions-IAM5',
    reason: expect.stringMatching(/AllowRotationLambdaArn/),
  })]);
});

test('VPC placement: subnets, security group, Secrets Manager and SSM endpoints only the function reaches, connections exposed', () => {
  const { stack, rotation } = everyOption();
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('JfrogTokenRotationFunction.*SecurityGroup'), 'GroupId'] }] },
  });
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.secretsmanager', PrivateDnsEnabled: true, VpcEndpointType: 'Interface' });
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.ssm', PrivateDnsEnabled: true, VpcEndpointType: 'Interface' });
  t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('JfrogTokenRotationFunction.*SecurityGroup'), 'GroupId'] },
  });
  expect(rotation.connections.securityGroups).toHaveLength(1);
});

test('in a VPC the role gets the network-interface policy, acknowledged for cdk-nag with its reason', () => {
  const { stack } = everyOption();
  const t = Template.fromStack(stack);
  const [role] = Object.values(t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('cdk-jfrog-token-rotation') } })) as any[];
  expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
  expect(role.Metadata.cdk_nag.rules_to_suppress).toEqual([expect.objectContaining({
    id: 'AwsSolutions-IAM4',
    applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
    reason: expect.stringMatching(/take no resource ARN/),
  })]);
});

test('the function role carries no AWS managed policy outside a VPC', () => {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  new JfrogTokenRotation(stack, 'Token', {
    jfrogUrl: 'https://acme.jfrog.io', username: 'ci-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
  });
  // the rotation function's role (aws-cdk's provider framework, which runs the deployment hooks, has its own)
  const roles = (Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')) as any[])
    .filter((r) => String(r.Properties.Description ?? '').startsWith('Rotates JFrog access tokens'));
  expect(roles).toHaveLength(1);
  for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
});
