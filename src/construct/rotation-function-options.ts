import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * The settings of a rotation function rather than of one rotation: its network, its logs and
 * its alarms.
 *
 * The rotations of a stack share one function (see `JfrogTokenRotationProps.dedicatedFunction`):
 * rotations that agree on all of these share one, and its alarms watch all of them. The alarms
 * and metrics of a function are reached from any of its rotations (`rotationErrorsAlarm`,
 * `metricRefusedInvocations()`, ...): they are the same objects for every rotation that shares it.
 */
export interface JfrogRotationFunctionOptions {
  /**
   * Put the rotation function in this VPC, for a self-hosted JFrog that is reachable only
   * there. The function then needs a route to Secrets Manager and SSM (and EventBridge, with
   * `publishEvents`): a NAT gateway or `vpcEndpoints`.
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
   * Create the interface endpoints the function calls (Secrets Manager and SSM, and EventBridge
   * with `publishEvents`) in `vpc`, reachable from the function only.
   *
   * @default false
   */
  readonly vpcEndpoints?: boolean;

  /**
   * How long the rotation function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Create the alarms of the rotation function: rotation errors, rotation failed or abandoned
   * (Secrets Manager's own events), a token expiring soon, a rotation overdue, an old token that
   * could not be revoked. Each watches every rotation of the function; the function's log names
   * the secret.
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Every alarm notifies this topic. A topic encrypted with a customer-managed key created in
   * the same app gets the key policy CloudWatch needs to publish; for an imported key, add it
   * yourself (see the README).
   *
   * @default - no notification; the alarms are still created
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * After each rotation that puts a new token in AWSCURRENT, put a `JFrog Token Rotated` event
   * (source `cdk-jfrog-token-rotation`) on the account's default event bus, so consumers learn
   * that a new token exists: `JfrogTokenRotation.onTokenRotated()` makes a rule for one secret.
   *
   * The event names the secret, the new version, the token's id and expiry, never the token. The
   * function's role may put only these events, on the default bus only. An event EventBridge does
   * not take never fails or undoes the rotation: the function logs a warning and counts it
   * (`metricEventPublishFailed()`).
   *
   * @default true
   */
  readonly publishEvents?: boolean;
}
