// longer than this project's usual 350 lines on purpose: the shared function is one unit of
// deployment (its role and least-privilege policies, invoke permission, rules, alarms, VPC
// endpoints, the pins in its environment), and its parts depend on one another's order.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Annotations, ArnFormat, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct, IDependable } from 'constructs';
import { CONFIG_PARAMETER_PREFIX, ENV, HEALTH_CHECK_FIELD, METRICS, PinnedSettings, ROTATION_FAILURE_EVENTS, settingsPin, TOKEN_ROTATED_EVENT } from '../contract/rotation-config';
import { DeploymentHooks } from './deployment-hooks';
import { RotationFunction } from './rotation-function';
import { JfrogRotationFunctionOptions } from './rotation-function-options';

/** where every alarm description points */
const RUNBOOK = 'https://github.com/cdk-jfrog-token-rotation/cdk-jfrog-token-rotation#monitoring';

/**
 * the memory of the rotation function. `npm run bench` measures the handler's peak RSS (with the
 * AWS SDK and Powertools bundled) at 80 MB through a rotation, 84 MB through the health check of
 * 100 rotations and 114 MB after 400 invocations in one warm process (BENCHMARKS.md): 128 MB
 * would leave almost nothing, so 256 MB, twice the worst. A rotation runs a few times a month;
 * the larger size costs next to nothing and also buys CPU for the cold start.
 */
export const ROTATION_FUNCTION_MEMORY_MB = 256;

/**
 * each distinct credential secret (and key outside the stack) adds a statement of about 180
 * characters to the role's inline policy, which IAM caps at 10,240: this many keeps it below
 * 9,000 with room for the fixed statements (test/scale.test.ts measures it)
 */
const MAX_CREDENTIAL_GRANTS = 40;

/**
 * Lambda's limit on a function's environment (names and values, all variables), and what the
 * synth-time estimate assumes for a value CloudFormation resolves at deployment
 */
const ENVIRONMENT_LIMIT_BYTES = 4096;
/** a secret's complete ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:secret:AdminToken0ABCD1234-aBcDeFgHiJkL-AbCdEf, with room */
const UNRESOLVED_ARN_BYTES = 100;
/** a generated secret name with its suffix, e.g. PipelineSecret0A1B2C3D4-aBcDeFgHiJkL-AbCdEf, with room */
const UNRESOLVED_KEY_BYTES = 72;

/**
 * the bundled handler: where the generated RotationFunction (in this folder) takes its code from.
 * the build bundles it (`npx projen bundle`) and the npm package ships it
 */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler', 'rotation.lambda');

/**
 * fails where aws-cdk would fail later with CannotFindAsset, which names no fix: a clone that was
 * compiled but not bundled, or a package packed without its handler
 */
function assertHandlerBundled(): void {
  const entry = path.join(HANDLER_ASSET_DIR, 'index.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`the rotation function's bundled handler is missing, got no ${entry}: in a clone of cdk-jfrog-token-rotation run 'npx projen bundle' (the build and the test task run it); an installed cdk-jfrog-token-rotation without it was packed without its assets/ folder: install it again, or report the version`);
  }
}

/** the settings that belong to a rotation function rather than to one rotation */
export type RotationFunctionGroupProps = JfrogRotationFunctionOptions;

/**
 * one rotation function with everything around it (role, log group, invoke permission, health
 * check, failure rule, alarms), shared by the rotations of a stack that agree on these settings.
 * found in the construct tree: one per stack and settings.
 */
export class RotationFunctionGroup extends Construct {
  /** the stack's shared group for these settings, made by the first rotation that needs it */
  public static of(scope: IConstruct, props: RotationFunctionGroupProps): RotationFunctionGroup {
    const stack = Stack.of(scope);
    const id = `JfrogTokenRotationFunction${settingsSuffix(props)}`;
    const existing = stack.node.tryFindChild(id);
    if (existing) {
      if (!(existing instanceof RotationFunctionGroup)) {
        throw new Error(`the construct id '${id}' at the stack's root is reserved for the shared JFrog token rotation function; rename your construct`);
      }
      return existing;
    }
    return new RotationFunctionGroup(stack, id, props);
  }

  public readonly function: lambda.Function;
  /** the SSM path of the rotations' settings, `/cdk-jfrog-token-rotation/<id>/` */
  public readonly configPath: string;
  /** the function puts TOKEN_ROTATED_EVENT on the default bus after each promotion */
  public readonly publishesEvents: boolean;
  public readonly healthCheckRule: events.Rule;
  public readonly rotationFailureRule: events.Rule;
  public readonly rotationErrorsAlarm?: cloudwatch.Alarm;
  public readonly rotationFailedAlarm?: cloudwatch.Alarm;
  public readonly expiryAlarm?: cloudwatch.Alarm;
  public readonly overdueAlarm?: cloudwatch.Alarm;
  public readonly revocationFailedAlarm?: cloudwatch.Alarm;
  public readonly credentialAlarm?: cloudwatch.Alarm;
  public readonly excessTokensAlarm?: cloudwatch.Alarm;
  /** what a rotation schedule needs in place before its first rotation */
  public readonly ready: IDependable[];

  /** the function's IAM role: what JfrogCredentials.awsIamRole() exchanges for a JFrog token */
  public readonly role: iam.Role;
  private readonly rotationPolicy: iam.Policy;
  private readonly granted = new Set<string>();
  private readonly parameterKeys = new Map<string, string>();
  private readonly jfrogUrls = new Set<string>();
  private readonly pins: string[] = [];
  private readonly credentialArns: string[] = [];
  private hooks?: DeploymentHooks;

  constructor(scope: Construct, id: string, props: RotationFunctionGroupProps) {
    super(scope, id);
    assertHandlerBundled();
    const stack = Stack.of(this);
    this.configPath = `${CONFIG_PARAMETER_PREFIX}/${this.node.addr}/`;
    this.publishesEvents = props.publishEvents ?? true;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // our own role: log permissions for this log group only, instead of the broad managed policy
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Rotates JFrog access tokens in Secrets Manager (cdk-jfrog-token-rotation ${this.node.path})`,
    });
    logGroup.grantWrite(this.role);
    if (props.vpc) {
      // the network-interface actions Lambda needs in a VPC; the function gets the managed
      // policy aws-cdk would attach to a role it made itself
      const vpcPolicy = 'service-role/AWSLambdaVPCAccessExecutionRole';
      this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(vpcPolicy));
      // read by cdk-nag (without depending on it): the one acknowledgement a user's run would ask for
      (this.role.node.defaultChild as iam.CfnRole).addMetadata('cdk_nag', {
        rules_to_suppress: [{
          id: 'AwsSolutions-IAM4',
          reason: 'Lambda needs ec2:CreateNetworkInterface and related actions, which take no resource ARN, to run in a VPC; AWSLambdaVPCAccessExecutionRole grants exactly those',
          applies_to: [`Policy::arn:<AWS::Partition>:iam::aws:policy/${vpcPolicy}`],
        }],
      });
    }

    this.function = new RotationFunction(this, 'Function', {
      description: 'Rotates JFrog access tokens in Secrets Manager (cdk-jfrog-token-rotation)',
      role: this.role,
      // a rotation step is a few HTTPS calls; the headroom is for JFrog's 429 back-off and for
      // the health check of many rotations
      timeout: Duration.minutes(2),
      memorySize: ROTATION_FUNCTION_MEMORY_MB,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : undefined,
      securityGroups: props.securityGroups,
      environment: {
        // where the rotations' settings are; nothing secret, nothing per rotation
        [ENV.configPath]: this.configPath,
        // the JFrog URLs of its rotations (usually one): whoever can write a settings parameter
        // still cannot send the credential anywhere else
        [ENV.allowedJfrogUrls]: Lazy.string({ produce: () => [...this.jfrogUrls].join(' ') }),
        // what decides each rotation's tokens (user, scope, lifetime, credential, ...): whoever
        // can write a settings parameter cannot change any of it without a deployment
        [ENV.pins]: Lazy.string({ produce: () => this.pins.join(' ') }),
        [ENV.credentials]: Lazy.string({ produce: () => this.credentialArns.join(' ') }),
        // the bus each promotion is announced on
        ...(this.publishesEvents ? { [ENV.eventBus]: 'default' } : {}),
      },
    });

    // the settings parameters of this function's rotations, and nothing else in SSM
    const parameterPath = this.configPath.slice(1, -1);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterPath }),
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${parameterPath}/*` }),
      ],
    }));
    if (this.publishesEvents) {
      // one kind of event, on the default bus: the function cannot pose as another source there
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
        conditions: { StringEquals: { 'events:source': TOKEN_ROTATED_EVENT.source, 'events:detail-type': TOKEN_ROTATED_EVENT.detailType } },
      }));
    }
    // the secrets whose rotation function this is, whatever their number: Secrets Manager's
    // own condition key, as AWS's rotation templates scope a shared function. a separate
    // policy, because it names the function, which depends on the role's default policy
    this.rotationPolicy = new iam.Policy(this, 'RotationPolicy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        conditions: { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': this.function.functionArn } },
      })],
    });
    addNagAcknowledgement(this.rotationPolicy.node.defaultChild as iam.CfnPolicy, 'AwsSolutions-IAM5',
      'A shared rotation function may act on exactly the secrets whose rotation function it is: the resource is every secret of the account and region, narrowed by the condition secretsmanager:resource/AllowRotationLambdaArn = this function (the scoping AWS\'s rotation templates use). A list of ARNs would grow with every rotation (aws-cdk spills such a list into overflow managed policies: 5 of a role\'s 10 at 100 rotations)',
      [{ regex: '/^Resource::arn:.*:secretsmanager:.*:secret:\\*$/' }]);
    addNagAcknowledgement(this.role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy, 'AwsSolutions-IAM5',
      'The function reads the settings parameters of its own rotations: every parameter under its own path /cdk-jfrog-token-rotation/<function id>/, whose names follow the secrets\' names',
      [{ regex: `/^Resource::arn:.*:ssm:.*:parameter\\/${parameterPath.replace(/\//g, '\\/')}\\/\\*$/` }]);

    const permission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
    });
    // Secrets Manager checks that it may invoke the function when a schedule is created, and
    // the first rotation starts right then: everything must be in place
    this.ready = [permission, this.function, this.rotationPolicy];

    if (props.vpc && props.vpcEndpoints) {
      const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
        ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
      ];
      if (this.publishesEvents) services.push(['Events', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE]);
      for (const [name, service] of services) {
        const endpoint = props.vpc.addInterfaceEndpoint(`${this.node.id}${name}`, {
          service,
          subnets: props.vpcSubnets,
          privateDnsEnabled: true,
          open: false,
        });
        endpoint.connections.allowDefaultPortFrom(this.function, `the JFrog token rotation function calls ${name === 'Events' ? 'EventBridge' : 'Secrets Manager and SSM'}`);
      }
    }

    this.healthCheckRule = new events.Rule(this, 'HealthCheck', {
      description: 'Checks the JFrog tokens of this rotation function: seconds until expiry and since the last rotation, live tokens per secret, and the credentials that mint',
      schedule: events.Schedule.rate(Duration.hours(6)),
      targets: [new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({ [HEALTH_CHECK_FIELD]: {} }),
        retryAttempts: 2,
      })],
    });
    // every rotation failure of the account goes to the function, which counts those of its
    // own secrets: a pattern listing a hundred ARNs would not fit EventBridge's pattern size
    this.rotationFailureRule = new events.Rule(this, 'RotationFailures', {
      description: 'Secrets Manager could not rotate a secret; the JFrog token rotation function counts those it rotates',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventName: ROTATION_FAILURE_EVENTS },
      },
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    if (props.alarms ?? true) {
      const action = props.alarmTopic ? new cloudwatchActions.SnsAction(props.alarmTopic) : undefined;
      const alarm = (alarmId: string, metric: cloudwatch.IMetric, options: Omit<cloudwatch.CreateAlarmOptions, 'evaluationPeriods'>) => {
        const created = new cloudwatch.Alarm(this, alarmId, { metric, evaluationPeriods: 1, ...options });
        if (action) created.addAlarmAction(action);
        return created;
      };
      const where = `The function's log names the secret: ${logGroup.logGroupName}; runbook: ${RUNBOOK}`;
      this.rotationErrorsAlarm = alarm('RotationErrors', this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // no invocation, no failure
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The JFrog token rotation function failed (a rotation step or the health check). The error in its log names the secret and the cause. ${where}`,
      });
      this.rotationFailedAlarm = alarm('RotationFailed', this.functionMetric(METRICS.rotationFailureEvents, 'Sum', Duration.hours(1)), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Secrets Manager reported RotationFailed, RotationAbandoned or TestRotationFailed for a JFrog token. AWSCURRENT is unchanged; fix the cause in the function's log, then rotate again. ${where}`,
      });
      this.expiryAlarm = alarm('Expiry', this.functionMetric(METRICS.expiryHeadroom, 'Minimum', Duration.days(1)), {
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // the health check reports four times a day: silence means nobody vouches for the tokens
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `A JFrog token in AWSCURRENT expires within its expiryWarning: its rotations are failing. Every pipeline that reads it breaks when it expires. ${where}`,
      });
      this.overdueAlarm = alarm('Overdue', this.functionMetric(METRICS.overdue, 'Maximum', Duration.days(1)), {
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `A JFrog token has not rotated within its interval plus its rotation window (or a day). ${where}`,
      });
      this.revocationFailedAlarm = alarm('RevocationFailed', this.functionMetric(METRICS.revocationFailed, 'Sum', Duration.hours(1)), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // counted only when a revocation fails: silence is success
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `A JFrog token the rotation meant to revoke could not be revoked: it stays valid until it expires. AWSCURRENT is unaffected. The warning in the log names the secret (and the token id, where known); fix the cause (JFrog unreachable, or a credential that may not revoke), then revoke the token in JFrog, or rotate again (with revokePrevious, the default, a finished rotation revokes every token minted for the secret except the current and the previous). ${where}`,
      });
      this.credentialAlarm = alarm('Credential', this.functionMetric(METRICS.credentialProblems, 'Maximum', Duration.hours(6)), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // the expiry alarm already says when the health check stops reporting
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `A credential the JFrog token rotations mint with is about to stop working: an admin token expires within its credentialExpiryWarning, or JFrog no longer accepts it (or the username and password, the IAM role exchange, a self-rotating token). Every rotation that mints with it will fail. The health check's log ('credential check failed' or 'credential expires soon') names the credential's secret; put a new credential into it. ${where}`,
      });
      this.excessTokensAlarm = alarm('ExcessTokens', this.functionMetric(METRICS.excessTokens, 'Maximum', Duration.hours(6)), {
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `More JFrog tokens minted for a secret are alive than its rotation keeps (current and previous, plus one pending): revocations failed or a rotation was abandoned. The health check's log names the secret; the next finished rotation revokes the extra tokens, or revoke them in JFrog (they carry the description 'cdk-jfrog-token-rotation: <secret ARN> version <id>'). ${where}`,
      });
    }
    if (props.alarmTopic) {
      this.allowPublishingToEncryptedTopic(props.alarmTopic);
    }
    this.node.addValidation({
      validate: () => {
        const grants = this.granted.size;
        return grants > MAX_CREDENTIAL_GRANTS
          ? [`the rotation function ${this.node.path} reads ${grants} distinct credential secrets and KMS keys, more than the ${MAX_CREDENTIAL_GRANTS} its role's policy holds within IAM's 10,240-character limit; share admin credentials between rotations, or give some rotations dedicatedFunction: true`]
          : [];
      },
    });
    this.node.addValidation({
      validate: () => {
        const bytes = this.environmentEstimate();
        return bytes > ENVIRONMENT_LIMIT_BYTES
          ? [`the rotation function ${this.node.path} needs about ${bytes} bytes of environment to pin its ${this.pins.length} rotations' settings and ${this.credentialArns.length} credential secrets, more than Lambda's ${ENVIRONMENT_LIMIT_BYTES}; give the secrets you pass in names known at synth (a pin then takes 17 bytes instead of about 90), share credential secrets, or give some rotations dedicatedFunction: true`]
          : [];
      },
    });
  }

  /**
   * register a rotation: its settings parameter's key must be unique in the function, and the
   * function may read the credential secret and use the secrets' keys (each granted once)
   */
  public addRotation(scope: Construct, parameterKey: string, secret: secretsmanager.ISecret, credentials?: secretsmanager.ISecret): void {
    if (!Token.isUnresolved(parameterKey)) {
      const other = this.parameterKeys.get(parameterKey);
      if (other) {
        throw new Error(`the secret of ${scope.node.path} is already rotated by ${other}: one secret, one JfrogTokenRotation`);
      }
      this.parameterKeys.set(parameterKey, scope.node.path);
    }
    const region = Stack.of(this).region;
    const viaSecretsManager = new kms.ViaServicePrincipal(`secretsmanager.${region}.amazonaws.com`, this.role);
    // a key is granted once for writing (a rotated secret's) and once for reading (a credential's):
    // reading first must not stop a later rotated secret under the same key from being written
    if (secret.encryptionKey && this.once(`key-write:${identity(secret.encryptionKey)}`)) {
      this.grantKey(secret.encryptionKey, viaSecretsManager, ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']);
    }
    if (credentials && this.once(`credentials:${identity(credentials)}`)) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [credentials.secretFullArn ?? `${credentials.secretArn}-??????`],
      }));
      if (credentials.encryptionKey && !this.granted.has(`key-write:${identity(credentials.encryptionKey)}`) && this.once(`key-read:${identity(credentials.encryptionKey)}`)) {
        this.grantKey(credentials.encryptionKey, viaSecretsManager, ['kms:Decrypt']);
      }
    }
  }

  /**
   * a key of this app gets the grant in its key policy; an imported key (another account's, a
   * central security account's) has a key policy this app cannot change: the role's own policy
   * gets the same actions on it, through Secrets Manager only. The key's owner still allows the
   * role in the key policy (README: across accounts)
   */
  private grantKey(key: kms.IKey, viaSecretsManager: kms.ViaServicePrincipal, actions: string[]): void {
    if (key.node.defaultChild !== undefined) {
      key.grant(viaSecretsManager, ...actions);
      return;
    }
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }

  /**
   * pin what decides a rotation's tokens in the function's environment. `key` is the settings
   * parameter's key; when it is unknown at synth, it is pinned beside the digest
   */
  public pinRotation(key: string, settings: Omit<PinnedSettings, 'key' | 'credentialsIndex'>, credentialsArn: string | undefined): void {
    for (const [name, value] of Object.entries(settings)) {
      if (typeof value === 'string' && Token.isUnresolved(value)) {
        throw new Error(`${name} must be known at synth: the rotation function pins each rotation's ${name} in its environment so that editing the settings parameter cannot change it, got an unresolved token`);
      }
    }
    let credentialsIndex = -1;
    if (credentialsArn !== undefined) {
      credentialsIndex = this.credentialArns.indexOf(credentialsArn);
      if (credentialsIndex < 0) credentialsIndex = this.credentialArns.push(credentialsArn) - 1;
    }
    const keyKnown = !Token.isUnresolved(key);
    const pin = settingsPin({ ...settings, key: keyKnown ? key : undefined, credentialsIndex });
    this.pins.push(keyKnown ? pin : `${pin}@${key}`);
  }

  /** the function's environment in bytes, with an estimate for each value resolved at deployment */
  private environmentEstimate(): number {
    const size = (value: string) => (Token.isUnresolved(value) ? UNRESOLVED_ARN_BYTES : Buffer.byteLength(value));
    const pins = this.pins.reduce((sum, pin) => sum + 1 + (pin.includes('@') ? 17 + UNRESOLVED_KEY_BYTES : pin.length), 0);
    const credentials = this.credentialArns.reduce((sum, arn) => sum + 1 + size(arn), 0);
    const urls = [...this.jfrogUrls].reduce((sum, url) => sum + 1 + size(url), 0);
    const fixed = Object.values(ENV).reduce((sum, name) => sum + name.length, 0) + this.configPath.length + 'AWS_NODEJS_CONNECTION_REUSE_ENABLED1'.length + 20;
    return pins + credentials + urls + fixed;
  }

  /**
   * the function's deployment hooks (the wait for first rotations, the teardown): one provider
   * and two custom resources for all its rotations, made when the first rotation needs them
   */
  public deploymentHooks(): DeploymentHooks {
    this.hooks ??= new DeploymentHooks(this, 'Deployment', this.function, [...this.ready, this.role]);
    return this.hooks;
  }

  /** the JFrog a rotation may send credentials to: the function refuses settings that name any other */
  public allowJfrogUrl(jfrogUrl: string): void {
    this.jfrogUrls.add(jfrogUrl);
  }

  private functionMetric(metricName: string, statistic: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName,
      dimensionsMap: { service: METRICS.service, [METRICS.functionDimension]: this.function.functionName },
      statistic,
      period,
    });
  }

  private once(key: string): boolean {
    if (this.granted.has(key)) return false;
    this.granted.add(key);
    return true;
  }

  private allowPublishingToEncryptedTopic(topic: sns.ITopic): void {
    // ITopic declares masterKey only from aws-cdk-lib 2.182; Topic had it long before
    const key = (topic as { readonly masterKey?: kms.IKey }).masterKey;
    if (!key) return;
    const added = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchToPublishJfrogRotationAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }), true);
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2('cdk-jfrog-token-rotation:topicKey',
        'alarmTopic is encrypted with a key this app cannot change: allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* in its key policy, or alarms will not be delivered');
    }
  }
}

/** a stable name for a construct or a value: its ARN when known at synth, else its place in the tree */
function identity(resource: secretsmanager.ISecret | kms.IKey): string {
  const arn = 'secretArn' in resource ? resource.secretArn : resource.keyArn;
  return Token.isUnresolved(arn) ? resource.node.addr : arn;
}

/** '' for the default settings, else a short hash that tells groups with other settings apart */
function settingsSuffix(props: RotationFunctionGroupProps): string {
  const settings = {
    vpc: props.vpc?.node.addr,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.securityGroups?.map((g) => g.node.addr),
    vpcEndpoints: props.vpcEndpoints || undefined,
    logRetention: props.logRetention === logs.RetentionDays.ONE_YEAR ? undefined : props.logRetention,
    alarms: props.alarms === false ? false : undefined,
    alarmTopic: props.alarmTopic?.node.addr,
    publishEvents: props.publishEvents === false ? false : undefined,
  };
  const json = JSON.stringify(settings, (_key, value) => (isConstruct(value) ? value.node.addr : value));
  if (json === '{}') return '';
  return createHash('sha256').update(json).digest('hex').slice(0, 8).toUpperCase();
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value && typeof (value as IConstruct).node?.addr === 'string';
}

function addNagAcknowledgement(resource: iam.CfnPolicy, id: string, reason: string, appliesTo: Array<{ regex: string }>): void {
  // the metadata cdk-nag reads (NagSuppressions writes the same), without depending on cdk-nag
  const existing = resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined;
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [...(existing?.rules_to_suppress ?? []), { id, reason, applies_to: appliesTo }],
  });
}
