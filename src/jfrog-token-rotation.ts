import { Annotations, Duration, RemovalPolicy, SecretValue, Stack, Token } from 'aws-cdk-lib';
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
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogCredentialsKind } from './credentials';
import { ENV, EXPIRES_AT_FIELD, HEALTH_CHECK_FIELD, METRICS, TOKEN_ID_FIELD } from './rotation-config';
import { RotationFunction } from './rotation-function';
import { JfrogRotationSchedule } from './schedule';
import { JfrogTokenScope } from './scope';

/** where every alarm description points */
const RUNBOOK = 'https://github.com/cdk-jfrog-token-rotation/cdk-jfrog-token-rotation#monitoring';

/** Properties of a `JfrogTokenRotation`. */
export interface JfrogTokenRotationProps {
  /**
   * The base URL of the JFrog Platform, e.g. `https://acme.jfrog.io` (https only).
   *
   * The Access API is called at `<jfrogUrl>/access/api/v1/tokens`.
   */
  readonly jfrogUrl: string;

  /** The JFrog user the tokens are minted for (for example the CI bot's user). */
  readonly username: string;

  /** The scope of the minted tokens. */
  readonly scope: JfrogTokenScope;

  /** The credential that mints and revokes tokens. */
  readonly credentials: JfrogCredentials;

  /**
   * How often Secrets Manager rotates the token (4 hours to 1000 days).
   *
   * @default Duration.days(30)
   */
  readonly interval?: Duration;

  /**
   * The lifetime of each minted token (`expires_in`), at least `interval`.
   *
   * The default outlives a fully failed rotation window: with it, a token minted at one
   * rotation still works when the next rotation fails and the one after that is due.
   *
   * @default - twice `interval` plus one day
   */
  readonly tokenLifetime?: Duration;

  /**
   * Revoke the token that falls two generations behind after each rotation, so exactly the
   * current and the previous token stay valid.
   *
   * @default true
   */
  readonly revokePrevious?: boolean;

  /**
   * The JSON field of the secret that holds the token. Other fields are kept as they are.
   *
   * @default 'token'
   */
  readonly tokenField?: string;

  /**
   * An existing secret to keep the token in, e.g. one that already holds
   * `{"username": "ci-bot", "api_key": "..."}` (with `tokenField: 'api_key'`).
   *
   * @default - a new secret, filled by the first rotation at deployment
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * Rotate as soon as the rotation schedule is created or changed. With a new secret this
   * is what fills it with its first token.
   *
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * A cron schedule instead of the fixed `interval` (Secrets Manager's `ScheduleExpression`).
   * `interval` then states the longest gap between two rotations of the cron.
   *
   * @default - every `interval`
   */
  readonly schedule?: JfrogRotationSchedule;

  /**
   * The rotation window: how long Secrets Manager may take to start a due rotation
   * (whole hours, 1 to 24, shorter than the interval).
   *
   * @default - Secrets Manager's default (the whole day, or the cron's period)
   */
  readonly rotationWindow?: Duration;

  /**
   * How long the rotation function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Create the alarms: rotation errors, rotation failed or abandoned (Secrets Manager's own
   * events), token expiring soon, rotation overdue.
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Every alarm and the rotation-failure rule notify this topic. A topic encrypted with a
   * customer-managed key created in the same app gets the key policy CloudWatch and EventBridge
   * need to publish; for an imported key, add it yourself (see the README).
   *
   * @default - no notification; the alarms are still created
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Alarm when the token in AWSCURRENT expires within this time. Must be shorter than
   * `tokenLifetime` minus `interval`, or it would fire between healthy rotations.
   *
   * @default - half of (`tokenLifetime` minus `interval`)
   */
  readonly expiryWarning?: Duration;

  /**
   * Put the rotation function in this VPC, for a self-hosted JFrog that is reachable only
   * there. The function then needs a route to Secrets Manager: a NAT gateway or
   * `secretsManagerEndpoint`.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` the function runs.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the function in `vpc`.
   *
   * @default - a new security group with all outbound traffic allowed
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Create a Secrets Manager interface endpoint in `vpc`, reachable from the function only.
   *
   * @default false
   */
  readonly secretsManagerEndpoint?: boolean;
}

/**
 * A JFrog access token in AWS Secrets Manager that rotates itself through Secrets Manager's
 * native rotation protocol (createSecret, setSecret, testSecret, finishSecret).
 *
 * A new token is minted with JFrog's Access API, proven against JFrog, and only then becomes
 * AWSCURRENT; the token that falls two generations behind is revoked.
 */
export class JfrogTokenRotation extends Construct implements ec2.IConnectable {
  /** The secret that holds the token; CI systems read its AWSCURRENT version. */
  public readonly secret: secretsmanager.ISecret;

  /** The Lambda function that performs the rotation steps. */
  public readonly rotationFunction: lambda.IFunction;

  /** The rotation schedule of the secret. */
  public readonly rotationSchedule: secretsmanager.RotationSchedule;

  /** How often the token rotates. */
  public readonly interval: Duration;

  /** The lifetime of each minted token. */
  public readonly tokenLifetime: Duration;

  /** The JSON field of the secret that holds the token. */
  public readonly tokenField: string;

  /** Alarm: the rotation function failed (any step, or the health check). */
  public readonly rotationErrorsAlarm?: cloudwatch.Alarm;

  /** Alarm: Secrets Manager reported the rotation failed or abandoned. */
  public readonly rotationFailedAlarm?: cloudwatch.Alarm;

  /** Alarm: the token in AWSCURRENT expires within `expiryWarning`. */
  public readonly expiryAlarm?: cloudwatch.Alarm;

  /** Alarm: no successful rotation within the interval plus a margin. */
  public readonly overdueAlarm?: cloudwatch.Alarm;

  /**
   * The EventBridge rule that matches Secrets Manager's RotationFailed, RotationAbandoned and
   * TestRotationFailed events for this secret.
   */
  public readonly rotationFailureRule: events.Rule;

  /** The EventBridge rule that runs the health check behind the expiry and overdue metrics. */
  public readonly healthCheckRule: events.Rule;

  /** The alarm threshold for the token's remaining life. */
  public readonly expiryWarning: Duration;

  private readonly fn: lambda.Function;
  private readonly metricSecretName: string;

  constructor(scope: Construct, id: string, props: JfrogTokenRotationProps) {
    super(scope, id);

    const jfrogUrl = validateJfrogUrl(props.jfrogUrl);
    validateUsername(props.username);
    this.interval = props.interval ?? Duration.days(30);
    validateInterval(this.interval);
    this.tokenLifetime = props.tokenLifetime ?? Duration.seconds(this.interval.toSeconds() * 2 + Duration.days(1).toSeconds());
    validateLifetime(this, this.tokenLifetime, this.interval);
    this.tokenField = props.tokenField ?? 'token';
    validateTokenField(this.tokenField);
    if (props.credentials.kind === JfrogCredentialsKind.SELF_ROTATING && !props.scope.isUserScope) {
      throw new Error(`JfrogCredentials.selfRotating() needs scope JfrogTokenScope.user(): a token can only mint its successor for its own user, got scope '${props.scope.value}'`);
    }

    if (props.expiryWarning) {
      validateExpiryWarning(props.expiryWarning, this.tokenLifetime, this.interval);
    }
    // a lifetime barely above the interval (already warned about) still gets an hour's warning
    const slack = this.tokenLifetime.toSeconds() - this.interval.toSeconds();
    this.expiryWarning = props.expiryWarning ?? Duration.seconds(Math.max(3600, Math.floor(slack / 2)));
    validateRotationWindow(props.rotationWindow, this.interval);
    if (props.secretsManagerEndpoint && !props.vpc) {
      throw new Error('secretsManagerEndpoint needs vpc: the endpoint is created in the function\'s VPC, got no vpc');
    }
    if ((props.vpcSubnets || props.securityGroups) && !props.vpc) {
      throw new Error('vpcSubnets and securityGroups need vpc, got no vpc');
    }

    this.secret = props.secret ?? new secretsmanager.Secret(this, 'Secret', {
      description: `JFrog access token for ${props.username} at ${jfrogUrl}, rotated by cdk-jfrog-token-rotation`,
      // no token here: the first rotation (at deployment) mints it
      secretObjectValue: { username: SecretValue.unsafePlainText(props.username) },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.metricSecretName = this.secret.secretName;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // our own role: log permissions for this log group only, instead of the broad managed policy
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Rotates the JFrog token in one secret (cdk-jfrog-token-rotation ${this.node.path})`,
    });
    logGroup.grantWrite(role);
    if (props.vpc) {
      // the network-interface actions Lambda needs in a VPC; the function gets the managed
      // policy aws-cdk would attach to a role it made itself
      const vpcPolicy = 'service-role/AWSLambdaVPCAccessExecutionRole';
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(vpcPolicy));
      // read by cdk-nag (without depending on it): the one acknowledgement a user's run would ask for
      (role.node.defaultChild as iam.CfnRole).addMetadata('cdk_nag', {
        rules_to_suppress: [{
          id: 'AwsSolutions-IAM4',
          reason: 'Lambda needs ec2:CreateNetworkInterface and related actions, which take no resource ARN, to run in a VPC; AWSLambdaVPCAccessExecutionRole grants exactly those',
          applies_to: [`Policy::arn:<AWS::Partition>:iam::aws:policy/${vpcPolicy}`],
        }],
      });
    }

    const fn = new RotationFunction(this, 'Function', {
      description: `Rotates the JFrog access token of ${props.username} (cdk-jfrog-token-rotation)`,
      role,
      // a rotation step is a few HTTPS calls; the headroom is for JFrog's 429 back-off
      timeout: Duration.minutes(2),
      memorySize: 256,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } : undefined,
      securityGroups: props.securityGroups,
      environment: {
        // configuration only: credentials stay in Secrets Manager, referenced by ARN
        [ENV.jfrogUrl]: jfrogUrl,
        [ENV.username]: props.username,
        [ENV.scope]: props.scope.value,
        [ENV.lifetimeSeconds]: String(this.tokenLifetime.toSeconds()),
        [ENV.tokenField]: this.tokenField,
        [ENV.revokePrevious]: String(props.revokePrevious ?? true),
        [ENV.credentialsKind]: props.credentials.kind,
        [ENV.metricSecretName]: this.metricSecretName,
        ...(props.credentials.secret ? { [ENV.credentialsSecretArn]: props.credentials.secret.secretArn } : {}),
        ...(props.credentials.field ? { [ENV.credentialsField]: props.credentials.field } : {}),
      },
    });
    this.fn = fn;
    this.rotationFunction = fn;
    props.credentials.secret?.grantRead(fn);

    if (props.vpc && props.secretsManagerEndpoint) {
      const endpoint = props.vpc.addInterfaceEndpoint(`${this.node.id}SecretsManager`, {
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: props.vpcSubnets,
        privateDnsEnabled: true,
        open: false,
      });
      endpoint.connections.allowDefaultPortFrom(fn, 'the JFrog token rotation function calls Secrets Manager');
    }

    this.rotationSchedule = this.addRotationPlumbing(fn, props);
    this.healthCheckRule = new events.Rule(this, 'HealthCheck', {
      description: `Checks the JFrog token in ${this.secret.secretName}: seconds until expiry and since the last rotation`,
      schedule: events.Schedule.rate(Duration.hours(6)),
      targets: [new targets.LambdaFunction(fn, {
        event: events.RuleTargetInput.fromObject({ [HEALTH_CHECK_FIELD]: { secretId: this.secret.secretArn } }),
        retryAttempts: 2,
      })],
    });
    this.rotationFailureRule = new events.Rule(this, 'RotationFailures', {
      description: `Secrets Manager could not rotate the JFrog token in ${this.secret.secretName}`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'],
          // prefix: a secret imported by name has a partial ARN
          additionalEventData: { SecretId: [{ prefix: this.secret.secretArn }] },
        },
      },
    });

    if (props.alarms ?? true) {
      const action = props.alarmTopic ? new cloudwatchActions.SnsAction(props.alarmTopic) : undefined;
      const alarm = (alarmId: string, metric: cloudwatch.IMetric, options: Omit<cloudwatch.CreateAlarmOptions, 'evaluationPeriods'>) => {
        const created = new cloudwatch.Alarm(this, alarmId, { metric, evaluationPeriods: 1, ...options });
        if (action) created.addAlarmAction(action);
        return created;
      };
      const where = `Secret ${this.secret.secretName}; logs: ${logGroup.logGroupName}; runbook: ${RUNBOOK}`;
      this.rotationErrorsAlarm = alarm('RotationErrors', fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // no invocation, no failure
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The JFrog token rotation function failed (a rotation step or the health check). The error in its log names the cause. ${where}`,
      });
      this.rotationFailedAlarm = alarm('RotationFailed', new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.rotationFailureRule.ruleName },
        statistic: 'Sum',
        period: Duration.hours(1),
      }), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // the rule matches only failures: no match is good news
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Secrets Manager reported RotationFailed, RotationAbandoned or TestRotationFailed for the JFrog token. AWSCURRENT is unchanged; fix the cause in the function's log, then rotate again. ${where}`,
      });
      this.expiryAlarm = alarm('Expiry', this.metricSecondsUntilExpiry({ period: Duration.days(1), statistic: 'Minimum' }), {
        threshold: this.expiryWarning.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // the health check reports four times a day: silence means nobody vouches for the token
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `The JFrog token in AWSCURRENT expires within ${this.expiryWarning.toHumanString()}: rotations are failing. Every pipeline that reads it breaks when it expires. ${where}`,
      });
      const margin = props.rotationWindow ?? Duration.days(1);
      this.overdueAlarm = alarm('Overdue', this.metricSecondsSinceLastRotation({ period: Duration.days(1), statistic: 'Maximum' }), {
        threshold: this.interval.toSeconds() + margin.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `No successful JFrog token rotation within ${this.interval.toHumanString()} plus ${margin.toHumanString()}. ${where}`,
      });
    }
    if (props.alarmTopic) {
      this.rotationFailureRule.addTarget(new targets.SnsTopic(props.alarmTopic));
      this.allowPublishingToEncryptedTopic(props.alarmTopic);
    }
  }

  /**
   * The network connections of the function, when it runs in a VPC (for example to allow it to
   * reach a self-hosted JFrog).
   */
  public get connections(): ec2.Connections {
    return this.fn.connections;
  }

  /** Successful rotations (count, from the function's Embedded Metric Format output). */
  public metricRotationSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.rotationSucceeded, { statistic: 'Sum', ...props });
  }

  /** Failed rotation steps (count). */
  public metricRotationFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.rotationFailed, { statistic: 'Sum', ...props });
  }

  /** Old tokens that could not be revoked (count); they stay valid until they expire. */
  public metricRevocationFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.revocationFailed, { statistic: 'Sum', ...props });
  }

  /** Seconds until the token in AWSCURRENT expires (health check, every 6 hours, and each rotation). */
  public metricSecondsUntilExpiry(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.secondsUntilExpiry, { statistic: 'Minimum', ...props });
  }

  /** Seconds since the last successful rotation (health check). */
  public metricSecondsSinceLastRotation(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.secondsSinceLastRotation, { statistic: 'Maximum', ...props });
  }

  private metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName,
      dimensionsMap: { service: METRICS.service, [METRICS.secretDimension]: this.metricSecretName },
      period: Duration.days(1),
      ...props,
    });
  }

  /**
   * aws-cdk's RotationSchedule makes the schedule, validates the interval and denies
   * deleting the secret; its IAM is replaced here because it grants
   * secretsmanager:GetRandomPassword on "*" (unused) and leaves SourceAccount off the invoke
   * permission. Passing a reference to the function skips those grants.
   */
  private addRotationPlumbing(fn: lambda.Function, props: JfrogTokenRotationProps): secretsmanager.RotationSchedule {
    const stack = Stack.of(this);
    const permission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
    });
    const secretArn = this.secret.secretFullArn ?? `${this.secret.secretArn}-??????`;
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      resources: [secretArn],
    }));
    // finding the version that lost AWSPREVIOUS after a crash lists the versions
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:ListSecretVersionIds'],
      resources: [secretArn],
    }));
    this.secret.encryptionKey?.grantEncryptDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${stack.region}.amazonaws.com`, fn.grantPrincipal));

    const reference = lambda.Function.fromFunctionAttributes(this, 'FunctionReference', {
      functionArn: fn.functionArn,
      sameEnvironment: true,
      skipPermissions: true,
    });
    // in this construct's scope (not the secret's): a secret from another stack would otherwise
    // depend on this stack's function while the function's policy depends on the secret
    const schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret: this.secret,
      rotationLambda: reference,
      automaticallyAfter: this.interval,
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? true,
    });
    // Secrets Manager checks that it may invoke the function when the schedule is created
    schedule.node.addDependency(permission);
    // ... and the function must hold its permissions when the first rotation starts
    schedule.node.addDependency(fn);
    const cfn = schedule.node.defaultChild as secretsmanager.CfnRotationSchedule;
    if (props.schedule) {
      cfn.addPropertyOverride('RotationRules.ScheduleExpression', props.schedule.expressionString);
    }
    if (props.rotationWindow) {
      cfn.addPropertyOverride('RotationRules.Duration', `${props.rotationWindow.toHours()}h`);
    }
    return schedule;
  }

  private allowPublishingToEncryptedTopic(topic: sns.ITopic): void {
    // ITopic declares masterKey only from aws-cdk-lib 2.182; Topic had it long before
    const key = (topic as { readonly masterKey?: kms.IKey }).masterKey;
    if (!key) return;
    const added = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAndEventBridgeToPublishJfrogRotationAlerts',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }), true);
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2('cdk-jfrog-token-rotation:topicKey',
        'alarmTopic is encrypted with a key this app cannot change: allow cloudwatch.amazonaws.com and events.amazonaws.com kms:Decrypt and kms:GenerateDataKey* in its key policy, or alarms will not be delivered');
    }
  }

  /** Grant read access to the current token (and the secret's KMS key). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}

/** the JSON fields the handler owns; a token field cannot be one of them */
const RESERVED_FIELDS = [TOKEN_ID_FIELD, EXPIRES_AT_FIELD];

function validateJfrogUrl(value: string): string {
  if (Token.isUnresolved(value)) {
    return value;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`jfrogUrl must be an absolute https URL such as https://acme.jfrog.io, got '${value}'`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`jfrogUrl must use https (tokens must never travel in clear text), got '${value}'`);
  }
  if (url.username || url.password) {
    throw new Error('jfrogUrl must not contain credentials; pass them with `credentials`, got a URL with user info');
  }
  if (url.search || url.hash) {
    throw new Error(`jfrogUrl must be the platform's base URL without query or fragment, got '${value}'`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function validateUsername(value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (value.trim() === '') {
    throw new Error('username must name the JFrog user the tokens are for, got an empty string');
  }
  if (value.length > 255) {
    throw new Error(`username must be at most 255 characters (JFrog's limit), got ${value.length}`);
  }
}

function validateInterval(interval: Duration): void {
  if (interval.isUnresolved()) {
    return;
  }
  const seconds = interval.toSeconds();
  if (seconds < Duration.hours(4).toSeconds() || seconds > Duration.days(1000).toSeconds()) {
    throw new Error(`interval must be between 4 hours and 1000 days (Secrets Manager's limits), got ${interval.toHumanString()}`);
  }
}

function validateLifetime(scope: Construct, lifetime: Duration, interval: Duration): void {
  if (lifetime.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  if (lifetime.toSeconds() < interval.toSeconds()) {
    throw new Error(`tokenLifetime must be at least interval (${interval.toHumanString()}) or the token expires before the next rotation, got ${lifetime.toHumanString()}`);
  }
  const safe = interval.toSeconds() * 2 + Duration.days(1).toSeconds();
  if (lifetime.toSeconds() < safe) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:shortLifetime',
      `tokenLifetime ${lifetime.toHumanString()} is shorter than twice the interval plus a day: one failed rotation can let the token expire before the next one is due`);
  }
}

function validateExpiryWarning(warning: Duration, lifetime: Duration, interval: Duration): void {
  if (warning.isUnresolved() || lifetime.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  const slack = lifetime.toSeconds() - interval.toSeconds();
  if (warning.toSeconds() <= 0 || warning.toSeconds() >= slack) {
    throw new Error(`expiryWarning must be positive and shorter than tokenLifetime minus interval (${Duration.seconds(slack).toHumanString()}), or it fires between healthy rotations; got ${warning.toHumanString()}`);
  }
}

function validateRotationWindow(window: Duration | undefined, interval: Duration): void {
  if (!window || window.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  const hours = window.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
    throw new Error(`rotationWindow must be whole hours from 1 to 24, got ${window.toHumanString()}`);
  }
  if (window.toSeconds() >= interval.toSeconds()) {
    throw new Error(`rotationWindow must be shorter than interval (${interval.toHumanString()}), got ${window.toHumanString()}`);
  }
}

function validateTokenField(field: string): void {
  if (field.trim() === '') {
    throw new Error('tokenField must name a JSON field, got an empty string');
  }
  if (RESERVED_FIELDS.includes(field)) {
    throw new Error(`tokenField cannot be '${field}': the rotation writes ${RESERVED_FIELDS.join(' and ')} itself`);
  }
}
