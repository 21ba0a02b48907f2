import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenRotationProps, JfrogTokenScope } from '../../src';

type Overrides = Partial<JfrogTokenRotationProps> | ((stack: Stack) => Partial<JfrogTokenRotationProps>);

/** a stack with one rotation of the README's shape; props (or a function of the stack) override it */
export function rotationStack(overrides: Overrides = {}, id = 'Token') {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const adminSecret = new secretsmanager.Secret(stack, 'AdminToken');
  const rotation = new JfrogTokenRotation(stack, id, {
    jfrogUrl: 'https://acme.jfrog.io',
    username: 'ci-bot',
    scope: JfrogTokenScope.groups('readers'),
    interval: Duration.days(30),
    credentials: JfrogCredentials.adminToken(adminSecret),
    ...(typeof overrides === 'function' ? overrides(stack) : overrides),
  });
  return { app, stack, rotation, adminSecret, template: () => Template.fromStack(stack) };
}

/**
 * a rotation's settings as the function will read them: the SSM parameter's JSON, with each
 * CloudFormation reference shown as `<Ref:LogicalId>` (anything else as `<token>`)
 */
export function settingsOf(template: Template, index = 0): Record<string, any> {
  const parameters = Object.values<any>(template.findResources('AWS::SSM::Parameter'));
  return JSON.parse(render(parameters[index].Properties.Value));
}

/** the name of a rotation's settings parameter, rendered like settingsOf */
export function settingsNameOf(template: Template, index = 0): string {
  return render(Object.values<any>(template.findResources('AWS::SSM::Parameter'))[index].Properties.Name);
}

function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  if (value?.Ref) return `<Ref:${value.Ref}>`;
  return '<token>';
}

/** what the function pins for the test stack's rotation with its default props (see settingsPin) */
export function defaultPinned(key: string) {
  return {
    key,
    jfrogUrl: 'https://acme.jfrog.io',
    username: 'ci-bot',
    scope: 'applied-permissions/groups:readers',
    lifetimeSeconds: 61 * 86400,
    tokenField: 'token',
    revokePrevious: true,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsIndex: 0,
    credentialsField: 'token',
  } as const;
}
