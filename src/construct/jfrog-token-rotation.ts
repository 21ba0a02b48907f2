// a little over this project's usual 350 lines on purpose: the construct's public members and
// their docs (API.md is generated from them) take most of it; its props are in
// jfrog-token-rotation-props.ts and its synth checks in validation.ts.
import { Annotations, CfnOutput, Duration, Fn, Names, RemovalPolicy, SecretValue, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { JfrogCredentialsKind } from '../contract/credentials-kind';
import { METRICS, parameterKey, TOKEN_ROTATED_EVENT } from '../contract/rotation-config';
import { RotationFunctionGroup } from './rotation-function-group';
import { JfrogTokenRotationProps } from './jfrog-token-rotation-props';
import type { RotationParameter } from '../contract/settings';
import {
  validateCredentialsFor, validateJfrogCaCertificate, validateProps, validateSettingsSize, validateTokenDescription, warnOnSharedMappedUser,
} from './validation';

/**
 * A JFrog access token in AWS Secrets Manager that rotates itself through Secrets Manager's
 * native rotation protocol (createSecret, setSecret, testSecret, finishSecret).
 *
 * A new token is minted with JFrog's Access API, proven against JFrog, and only then becomes
 * AWSCURRENT; the token that falls two generations behind is revoked.
 */
export class JfrogTokenRotation extends Construct implements ec2.IConnectable {
  /** The `source` of the events the rotation function puts on the default event bus. */
  public static readonly EVENT_SOURCE: string = TOKEN_ROTATED_EVENT.source;

  /**
   * The `detail-type` of the event put on the default event bus after each rotation that puts a
   * new token in AWSCURRENT (see `publishEvents` and `onTokenRotated()`).
   */
  public static readonly TOKEN_ROTATED_DETAIL_TYPE: string = TOKEN_ROTATED_EVENT.detailType;

  /** The secret that holds the token; CI systems read its AWSCURRENT version. */
  public readonly secret: secretsmanager.ISecret;

  /** The Lambda function that performs the rotation steps (shared, unless `dedicatedFunction`). */
  public readonly rotationFunction: lambda.IFunction;

  /**
   * The ARN of the rotation function's IAM role. With `JfrogCredentials.awsIamRole()`, a JFrog
   * admin maps this role to a JFrog user once (`PUT /access/api/v1/aws/iam_role`); the stack
   * then also has it as an output.
   */
  public readonly rotationFunctionRoleArn: string;

  /** The rotation schedule of the secret. */
  public readonly rotationSchedule: secretsmanager.RotationSchedule;

  /**
   * The SSM parameter that holds this rotation's settings (JFrog URL, user, scope, lifetime,
   * credential), which the function reads. Only who may write SSM parameters can change them;
   * writing the secret cannot.
   */
  public readonly settingsParameter: ssm.CfnParameter;

  /** How often the token rotates. */
  public readonly interval: Duration;

  /** The lifetime of each minted token. */
  public readonly tokenLifetime: Duration;

  /** The JSON field of the secret that holds the token. */
  public readonly tokenField: string;

  /** Alarm: the rotation function failed (any step of any of its rotations, or the health check). */
  public readonly rotationErrorsAlarm?: cloudwatch.Alarm;

  /** Alarm: Secrets Manager reported a rotation of the function failed or was abandoned. */
  public readonly rotationFailedAlarm?: cloudwatch.Alarm;

  /** Alarm: a token of the function's rotations expires within its `expiryWarning`. */
  public readonly expiryAlarm?: cloudwatch.Alarm;

  /** Alarm: a rotation of the function is overdue (interval plus a margin without success). */
  public readonly overdueAlarm?: cloudwatch.Alarm;

  /**
   * Alarm: a token that a rotation of the function meant to revoke could not be revoked.
   *
   * The token (the one two generations old, the one the secret started with, or one a failed
   * step took back) stays valid until it expires; the function's log names it.
   */
  public readonly revocationFailedAlarm?: cloudwatch.Alarm;

  /**
   * Alarm: a credential the function's rotations mint with is about to stop working: an admin
   * token expires within its `credentialExpiryWarning`, or (at once) JFrog no longer accepts it,
   * the username and password no longer mint, the IAM role exchange fails, or a self-rotating
   * token is refused. The health check's log names the credential's secret, never its value.
   */
  public readonly credentialAlarm?: cloudwatch.Alarm;

  /**
   * Alarm: more tokens minted for a secret of the function are alive than the rotation keeps
   * (current and previous, plus one while a rotation is pending). Revocations failed, or a
   * rotation was abandoned; the health check's log names the secret. Not raised for rotations
   * with `revokePrevious: false`, whose tokens live until they expire.
   */
  public readonly excessTokensAlarm?: cloudwatch.Alarm;

  /**
   * The EventBridge rule that forwards Secrets Manager's RotationFailed, RotationAbandoned and
   * TestRotationFailed events to the function, which counts those of its own secrets.
   */
  public readonly rotationFailureRule: events.Rule;

  /** The EventBridge rule that runs the health check behind the expiry and overdue alarms. */
  public readonly healthCheckRule: events.Rule;

  /** The alarm threshold for the token's remaining life. */
  public readonly expiryWarning: Duration;

  /** The alarm threshold for the remaining life of the admin token this rotation mints with. */
  public readonly credentialExpiryWarning: Duration;

  private readonly fn: lambda.Function;
  private readonly metricSecretName: string;
  private readonly publishesEvents: boolean;

  constructor(scope: Construct, id: string, props: JfrogTokenRotationProps) {
    super(scope, id);

    // 1. the props, checked (each refusal names its fix), and what they decide
    const checked = validateProps(this, props);
    const jfrogUrl = checked.jfrogUrl;
    this.interval = checked.interval;
    this.tokenLifetime = checked.tokenLifetime;
    this.tokenField = checked.tokenField;
    this.expiryWarning = checked.expiryWarning;
    this.credentialExpiryWarning = checked.credentialExpiryWarning;

    const jfrogCaCertificate = validateJfrogCaCertificate(props.jfrogCaCertificate);

    // 2. the secret
    // a name known at synth: the function pins this rotation's settings by it (17 bytes of its
    // environment; a name generated at deployment would cost about 80)
    const ownSecretName = props.secret ? undefined : props.secretName ?? Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    this.secret = props.secret ?? new secretsmanager.Secret(this, 'Secret', {
      secretName: ownSecretName,
      description: `JFrog access token for ${props.username} at ${jfrogUrl}, rotated by cdk-jfrog-token-rotation`,
      // no token here: the first rotation (at deployment) mints it
      secretObjectValue: { username: SecretValue.unsafePlainText(props.username) },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.metricSecretName = this.secret.secretName;
    validateCredentialsFor(this, props, this.secret);
    validateTokenDescription(props.tokenDescription, this.secret, ownSecretName);

    // 3. the rotation function (shared or dedicated), with its alarms and rules
    const groupProps = {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      vpcEndpoints: props.vpcEndpoints,
      logRetention: props.logRetention,
      alarms: props.alarms,
      alarmTopic: props.alarmTopic,
      publishEvents: props.publishEvents,
    };
    const group = props.dedicatedFunction
      ? new RotationFunctionGroup(this, 'Function', groupProps)
      : RotationFunctionGroup.of(this, groupProps);
    this.fn = group.function;
    this.publishesEvents = group.publishesEvents;
    this.rotationFunction = group.function;
    this.rotationFunctionRoleArn = group.role.roleArn;
    if (props.credentials.kind === JfrogCredentialsKind.AWS_IAM_ROLE) {
      // what the JFrog admin maps to a user (README: the IAM role exchange). JFrog keys the
      // mapping by user: one role per user, so each function's role needs a user of its own
      new CfnOutput(this, 'JfrogIamRoleArn', {
        value: group.role.roleArn,
        description: props.credentials.mappedUser === undefined
          ? 'Map this role to a JFrog admin user of its own (JFrog maps one role per user) once: PUT /access/api/v1/aws/iam_role {"username": "<user>", "iam_role": "<this ARN>"}'
          : `Map this role to the JFrog user ${props.credentials.mappedUser} once (an admin does; JFrog maps one role per user): PUT /access/api/v1/aws/iam_role {"username": "${props.credentials.mappedUser}", "iam_role": "<this ARN>"}`,
      });
      warnOnSharedMappedUser(this, group.role, props.credentials.mappedUser);
    }
    this.healthCheckRule = group.healthCheckRule;
    this.rotationFailureRule = group.rotationFailureRule;
    this.rotationErrorsAlarm = group.rotationErrorsAlarm;
    this.rotationFailedAlarm = group.rotationFailedAlarm;
    this.expiryAlarm = group.expiryAlarm;
    this.overdueAlarm = group.overdueAlarm;
    this.revocationFailedAlarm = group.revocationFailedAlarm;
    this.credentialAlarm = group.credentialAlarm;
    this.excessTokensAlarm = group.excessTokensAlarm;

    // 4. the settings, pinned in the function's environment. they live in SSM, not in the secret
    // and not in the shared function's environment (see CONFIG_PARAMETER_PREFIX in rotation-config.ts)
    const key = settingsKey(this.secret);
    group.addRotation(this, key, this.secret, props.credentials.secret);
    group.allowJfrogUrl(jfrogUrl);
    const settings: RotationParameter = {
      v: 1,
      secretArn: this.secret.secretFullArn ?? this.secret.secretArn,
      // a secret imported by name has no complete ARN at synth: the handler compares its name
      ...(this.secret.secretFullArn ? {} : { secretName: this.secret.secretName }),
      jfrogUrl,
      username: props.username,
      scope: props.scope.value,
      lifetimeSeconds: this.tokenLifetime.toSeconds(),
      tokenField: this.tokenField,
      ...(props.referenceTokenField !== undefined ? { referenceTokenField: props.referenceTokenField } : {}),
      ...(props.audience !== undefined ? { audience: props.audience } : {}),
      ...(props.projectKey !== undefined ? { projectKey: props.projectKey } : {}),
      revokePrevious: props.revokePrevious ?? true,
      ...(props.refreshable ? { refreshable: true } : {}),
      ...(props.tokenDescription !== undefined ? { tokenDescription: props.tokenDescription } : {}),
      ...(jfrogCaCertificate !== undefined ? { jfrogCaCertificate } : {}),
      credentialsKind: props.credentials.kind,
      credentialsSecretArn: props.credentials.secret?.secretFullArn ?? props.credentials.secret?.secretArn,
      credentialsField: props.credentials.field,
      metricSecretName: this.metricSecretName,
      expiryWarningSeconds: this.expiryWarning.toSeconds(),
      overdueAfterSeconds: this.interval.toSeconds() + (props.rotationWindow ?? Duration.days(1)).toSeconds(),
      intervalSeconds: this.interval.toSeconds(),
      credentialExpiryWarningSeconds: this.credentialExpiryWarning.toSeconds(),
    };
    group.pinRotation(key, {
      jfrogUrl,
      username: settings.username,
      scope: settings.scope,
      lifetimeSeconds: settings.lifetimeSeconds,
      tokenField: settings.tokenField,
      revokePrevious: settings.revokePrevious,
      credentialsKind: settings.credentialsKind,
      credentialsField: settings.credentialsField,
      referenceTokenField: settings.referenceTokenField,
      audience: settings.audience,
      projectKey: settings.projectKey,
      refreshable: settings.refreshable,
      tokenDescription: settings.tokenDescription,
      jfrogCaCertificate: settings.jfrogCaCertificate,
    }, settings.credentialsSecretArn);
    // an ARN resolved at deployment counted at its longest (a 512-character name)
    validateSettingsSize(settings, 600);
    this.settingsParameter = new ssm.CfnParameter(this, 'Settings', {
      type: 'String',
      name: `${group.configPath}${key}`,
      value: Stack.of(this).toJsonString(settings),
      description: `JFrog token rotation settings of ${this.node.path} (cdk-jfrog-token-rotation)`,
    });

    // 5. the schedule, which starts the first rotation once all of the above is in place
    this.rotationSchedule = this.addRotationSchedule(group, props);

    // 6. the deployment hooks: the wait for the first token, the teardown that revokes them
    this.addDeploymentHooks(group, props, key);

    if (props.outputName !== undefined) this.addFixedOutputs(props.outputName, props.credentials.kind === JfrogCredentialsKind.AWS_IAM_ROLE);
  }

  /**
   * the deployment waits for the first rotation (one wait per function, whatever the number of
   * rotations), and the tokens are revoked when CloudFormation deletes the secret
   */
  private addDeploymentHooks(group: RotationFunctionGroup, props: JfrogTokenRotationProps, key: string): void {
    const iamRole = props.credentials.kind === JfrogCredentialsKind.AWS_IAM_ROLE;
    const rotatesAtOnce = props.rotateImmediatelyOnUpdate ?? true;
    if (iamRole && props.waitForFirstRotation === undefined) {
      Annotations.of(this).addWarningV2('cdk-jfrog-token-rotation:firstRotation',
        'with JfrogCredentials.awsIamRole() the first rotation fails until a JFrog admin maps the function\'s role (the JfrogIamRoleArn output) to a user, which can only happen after this deployment: the deployment does not wait for it (waitForFirstRotation defaults to false). Deploy, map the role, then deploy again with waitForFirstRotation: true (the wait reruns the staged rotation) or run aws secretsmanager rotate-secret');
    }
    if (props.waitForFirstRotation === true && !rotatesAtOnce) {
      throw new Error(`waitForFirstRotation needs rotateImmediatelyOnUpdate: the first rotation it waits for starts when the schedule is created, got rotateImmediatelyOnUpdate: false for ${this.node.path}`);
    }
    const wait = props.waitForFirstRotation ?? (!iamRole && rotatesAtOnce);
    if (wait) group.deploymentHooks().waitFor(this.secret.secretFullArn ?? this.secret.secretArn, this.rotationSchedule);
    if (props.revokeOnDelete ?? true) {
      group.deploymentHooks().revokeOnDelete(key, this.settingsParameter.value, this.secret, this.settingsParameter);
    }
  }

  /** outputs at the stack's top level, whose keys (and export names) carry no hash */
  private addFixedOutputs(name: string, withRole: boolean): void {
    const stack = Stack.of(this);
    const outputs: Array<[string, string, string]> = [[`${name}SecretArn`, this.secret.secretArn, `the secret that holds the JFrog token (${this.node.path})`]];
    if (withRole) outputs.push([`${name}RoleArn`, this.rotationFunctionRoleArn, `the rotation function's IAM role, to map to a JFrog user (${this.node.path})`]);
    for (const [id, value, description] of outputs) {
      new CfnOutput(stack, id, { value, description, exportName: `${stack.stackName}-${id}` });
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

  /** Secrets Manager's RotationFailed, RotationAbandoned and TestRotationFailed events for this secret (count). */
  public metricRotationFailureEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.rotationFailureEvents, { statistic: 'Sum', ...props });
  }

  /** Old tokens that could not be revoked (count); they stay valid until they expire. */
  public metricRevocationFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.revocationFailed, { statistic: 'Sum', ...props });
  }

  /** Seconds until the token in AWSCURRENT expires (health check, every 6 hours, and each rotation). */
  public metricSecondsUntilExpiry(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.secondsUntilExpiry, { statistic: 'Minimum', ...props });
  }

  /**
   * Live tokens JFrog lists as minted for this secret (health check, every 6 hours): 2 after a
   * clean rotation (current and previous), 3 while one is pending; more means revocations failed.
   */
  public metricLiveTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.liveTokens, { statistic: 'Maximum', ...props });
  }

  /** New tokens JFrog gave less life than `tokenLifetime` asked for (count): a server cap. */
  public metricShortenedTokenLifetime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.shortenedTokenLifetime, { statistic: 'Sum', ...props });
  }

  /** Seconds since the last successful rotation (health check). */
  public metricSecondsSinceLastRotation(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.secondsSinceLastRotation, { statistic: 'Maximum', ...props });
  }

  /**
   * Invocations the rotation function refused (count): settings bound to another secret or
   * edited since deployment, a version Secrets Manager did not stage, a secret whose rotation
   * names another function. Counted for the function, all its rotations together; each also
   * fails the invocation, so `rotationErrorsAlarm` fires.
   */
  public metricRefusedInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName: METRICS.refusedInvocations,
      dimensionsMap: { service: METRICS.service, [METRICS.functionDimension]: this.fn.functionName },
      statistic: 'Sum',
      ...props,
    });
  }

  /**
   * Rotations of this secret whose `JFrog Token Rotated` event EventBridge did not take (count):
   * the new token is in AWSCURRENT, but consumers waiting for the event do not learn of it.
   */
  public metricEventPublishFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.eventPublishFailed, { statistic: 'Sum', ...props });
  }

  /**
   * An EventBridge rule on the account's default bus that matches this secret's
   * `JFrog Token Rotated` events: one after each rotation that puts a new token in AWSCURRENT.
   *
   * Give it a target in `options` (or with `addTarget()`): a Lambda function that reloads the
   * token, an SNS topic, a pipeline. The event's `detail` names the secret (`secretArn`,
   * `secretName`), the new version (`versionId`, `previousVersionId`), the token (`tokenId`,
   * `expiresAt`), `username`, `jfrogUrl`, `result` and `revocation`; never the token itself,
   * which a consumer reads from the secret. Needs `publishEvents` (the default).
   */
  public onTokenRotated(id: string, options: events.OnEventOptions = {}): events.Rule {
    if (!this.publishesEvents) {
      throw new Error(`onTokenRotated() needs the rotation function to publish events, got publishEvents: false for ${this.node.path}; remove publishEvents: false, or watch the secret another way`);
    }
    const rule = new events.Rule(this, id, {
      description: `A new JFrog token of ${this.node.path} is in AWSCURRENT (cdk-jfrog-token-rotation)`,
      ...options,
    });
    rule.addTarget(options.target);
    rule.addEventPattern({
      source: [TOKEN_ROTATED_EVENT.source],
      detailType: [TOKEN_ROTATED_EVENT.detailType],
      // the complete ARN when it is known; a secret imported by name is matched by its exact name,
      // which the function checks against the name Secrets Manager reports
      detail: this.secret.secretFullArn ? { secretArn: [this.secret.secretFullArn] } : { secretName: [this.secret.secretName] },
    });
    return rule;
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
   * deleting the secret; its IAM is the function group's instead, because it grants
   * secretsmanager:GetRandomPassword on "*" (unused), leaves SourceAccount off the invoke
   * permission, and lists each secret (a hundred rotations would outgrow the role's policy).
   * Passing a reference to the function skips those grants.
   */
  private addRotationSchedule(group: RotationFunctionGroup, props: JfrogTokenRotationProps): secretsmanager.RotationSchedule {
    const reference = lambda.Function.fromFunctionAttributes(this, 'FunctionReference', {
      functionArn: group.function.functionArn,
      sameEnvironment: true,
      skipPermissions: true,
    });
    // a reference, not the secret itself: aws-cdk would give an owned secret a resource policy
    // that denies its deletion, a fourth resource per rotation (call secret.denyAccountRootDelete()
    // to have it anyway)
    const secretReference = this.secret.secretFullArn
      ? secretsmanager.Secret.fromSecretAttributes(this, 'SecretReference', { secretCompleteArn: this.secret.secretFullArn })
      : secretsmanager.Secret.fromSecretAttributes(this, 'SecretReference', { secretPartialArn: this.secret.secretArn });
    // in this construct's scope (not the secret's): a secret from another stack would otherwise
    // depend on this stack's function while the function's settings depend on the secret
    const schedule = new secretsmanager.RotationSchedule(this, 'Schedule', {
      secret: secretReference,
      rotationLambda: reference,
      automaticallyAfter: this.interval,
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? true,
    });
    // the first rotation starts when the schedule is created: the function, its permissions
    // and this rotation's settings must be in place
    schedule.node.addDependency(...group.ready, this.settingsParameter);
    const cfn = schedule.node.defaultChild as secretsmanager.CfnRotationSchedule;
    if (props.schedule) {
      cfn.addPropertyOverride('RotationRules.ScheduleExpression', props.schedule.expressionString);
    }
    if (props.rotationWindow) {
      cfn.addPropertyOverride('RotationRules.Duration', `${props.rotationWindow.toHours()}h`);
    }
    return schedule;
  }

  /** Grant read access to the current token (and the secret's KMS key). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}

/**
 * the last part of the settings parameter's name, which the handler derives from the secret's
 * ARN: the secret's name (escaped) when it is known at synth, else the ARN's resource part
 * (name and suffix) of a secret whose name is generated at deployment
 */
function settingsKey(secret: secretsmanager.ISecret): string {
  const resource = secret.node.defaultChild;
  const name = resource instanceof secretsmanager.CfnSecret ? resource.name : secret.secretName;
  if (name !== undefined && !Token.isUnresolved(name)) {
    const key = parameterKey(name);
    if (key.length > 800) {
      throw new Error(`the secret's name is too long for an SSM parameter name once escaped (${key.length} characters, at most 800); use a shorter name, got '${name}'`);
    }
    return key;
  }
  if (!secret.secretFullArn) {
    throw new Error('a secret imported by a partial ARN needs a name known at synth; import it with Secret.fromSecretNameV2 or Secret.fromSecretCompleteArn');
  }
  return Fn.select(6, Fn.split(':', secret.secretFullArn));
}
