import { CfnDeletionPolicy, CfnResource, CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct, IDependable } from 'constructs';
import { DEPLOYMENT_RESOURCE_TYPES } from '../contract/rotation-config';

/**
 * how long a deployment waits for first rotations: Secrets Manager's own attempt takes seconds;
 * after a minute the function reruns the staged rotation's steps itself (src/handler/deployment.ts)
 */
const WAIT_TIMEOUT = Duration.minutes(20);
const WAIT_INTERVAL = Duration.seconds(20);

/**
 * the deployment hooks of one rotation function: one provider (aws-cdk's custom resource provider
 * framework, the function itself as onEvent and isComplete) and two custom resources for all of
 * the function's rotations, whatever their number: the wait for first rotations, which depends on
 * the schedules, and the teardown, on which the settings parameters depend (so CloudFormation
 * deletes them first, and the teardown revokes only rotations whose parameter is gone)
 */
export class DeploymentHooks extends Construct {
  private provider?: cr.Provider;
  private wait?: CustomResource;
  private teardownResource?: CustomResource;
  private readonly waited: string[] = [];
  private readonly tornDown: Array<{ readonly key: string; readonly settings: string; readonly secret: secretsmanager.ISecret }> = [];

  constructor(scope: Construct, id: string, private readonly fn: lambda.Function, private readonly ready: IDependable[]) {
    super(scope, id);
  }

  /** the deployment waits until the secret's first rotation has put a token in AWSCURRENT */
  public waitFor(secretArn: string, schedule: IConstruct): void {
    this.wait ??= new CustomResource(this, 'FirstRotation', {
      serviceToken: this.serviceToken(),
      resourceType: DEPLOYMENT_RESOURCE_TYPES.firstRotation,
      properties: { Secrets: Lazy.list({ produce: () => this.waited }) },
    });
    this.waited.push(secretArn);
    this.wait.node.addDependency(schedule);
  }

  /**
   * the secret's tokens are revoked when CloudFormation deletes it (and with it the settings
   * parameter, which depends on the teardown); a retained or imported secret is left out
   */
  public revokeOnDelete(key: string, settings: string, secret: secretsmanager.ISecret, settingsParameter: IConstruct): void {
    if (!this.teardownResource) {
      this.teardownResource = new CustomResource(this, 'Teardown', {
        serviceToken: this.serviceToken(),
        resourceType: DEPLOYMENT_RESOURCE_TYPES.teardown,
        properties: {
          Rotations: Lazy.any({
            produce: () => this.tornDown
              .filter((r) => destroyedWithStack(r.secret, this))
              .map(({ key: k, settings: s }) => ({ key: k, settings: s })),
          }),
        },
      });
      // the function, its permissions and its role's policies outlive the teardown
      this.teardownResource.node.addDependency(...this.ready);
    }
    this.tornDown.push({ key, settings, secret });
    settingsParameter.node.addDependency(this.teardownResource);
  }

  private serviceToken(): string {
    this.provider ??= new cr.Provider(this, 'Provider', {
      onEventHandler: this.fn,
      isCompleteHandler: this.fn,
      queryInterval: WAIT_INTERVAL,
      totalTimeout: WAIT_TIMEOUT,
    });
    acknowledgeProviderFindings(this.provider);
    return this.provider.serviceToken;
  }
}

/** CloudFormation deletes this secret with the stack: it is this stack's, and not retained */
function destroyedWithStack(secret: secretsmanager.ISecret, scope: IConstruct): boolean {
  const resource = secret.node.defaultChild;
  if (!(resource instanceof CfnResource) || Stack.of(resource) !== Stack.of(scope)) return false;
  const policy = resource.cfnOptions.deletionPolicy;
  return policy === undefined || policy === CfnDeletionPolicy.DELETE;
}

/**
 * what cdk-nag asks of aws-cdk's provider framework, which this library does not write, each on
 * the kind of resource it is about: read by cdk-nag (without depending on it) as NagSuppressions
 * writes it
 */
function acknowledgeProviderFindings(provider: cr.Provider): void {
  for (const child of provider.node.findAll()) {
    if (!(child instanceof CfnResource) || child.getMetadata('cdk_nag')) continue;
    const findings = PROVIDER_FINDINGS.filter((f) => f.on.includes(child.cfnResourceType));
    if (findings.length > 0) {
      child.addMetadata('cdk_nag', { rules_to_suppress: findings.map((f) => ({ id: f.id, reason: f.reason })) });
    }
  }
}

const PROVIDER_FINDINGS = [
  {
    id: 'AwsSolutions-IAM4',
    on: ['AWS::IAM::Role'],
    reason: 'aws-cdk\'s custom resource provider framework gives its own functions AWSLambdaBasicExecutionRole (logs only)',
  },
  {
    id: 'AwsSolutions-IAM5',
    on: ['AWS::IAM::Policy'],
    reason: 'aws-cdk\'s provider framework may invoke the rotation function and its versions (<function ARN>:*), and run its waiter state machine',
  },
  { id: 'AwsSolutions-L1', on: ['AWS::Lambda::Function'], reason: 'aws-cdk chooses the runtime of its provider framework functions' },
  {
    id: 'AwsSolutions-SF1',
    on: ['AWS::StepFunctions::StateMachine'],
    reason: 'the provider framework\'s waiter state machine only polls the rotation function, which logs every check',
  },
  { id: 'AwsSolutions-SF2', on: ['AWS::StepFunctions::StateMachine'], reason: 'the provider framework\'s waiter state machine only polls the rotation function' },
];
