import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { JfrogCredentials, JfrogRotationSchedule, JfrogTokenRotation, JfrogTokenScope } from '../src';
import { rotationStack, settingsOf } from './support/stack';

function setup(props: Parameters<typeof rotationStack>[0] = {}) {
  const { stack, rotation, template } = rotationStack(props);
  return { stack, rotation, t: template };
}

describe('alarms', () => {
  test('seven alarms by default, each exposed, each with deliberate missing-data handling and a runbook', () => {
    const { rotation, t } = setup();
    expect(rotation.rotationErrorsAlarm).toBeDefined();
    expect(rotation.rotationFailedAlarm).toBeDefined();
    expect(rotation.expiryAlarm).toBeDefined();
    expect(rotation.overdueAlarm).toBeDefined();
    expect(rotation.revocationFailedAlarm).toBeDefined();
    expect(rotation.credentialAlarm).toBeDefined();
    expect(rotation.excessTokensAlarm).toBeDefined();
    const alarms = Object.values(t().findResources('AWS::CloudWatch::Alarm')).map((r: any) => r.Properties);
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(['breaching', 'notBreaching']).toContain(alarm.TreatMissingData);
      expect(JSON.stringify(alarm.AlarmDescription)).toContain('#monitoring');
    }
  });

  test('function errors: any failed step within an hour, quiet when nothing runs', () => {
    setup().t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('Secrets Manager failure events go to the function, which counts those of its secrets for an alarm', () => {
    const t = setup().t();
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        'detail': { eventName: ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JfrogTokenRotationFunction'), 'Arn'] } })],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkJfrogTokenRotation',
      MetricName: 'RotationFailureEvents',
      Dimensions: Match.arrayWith([{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^JfrogTokenRotationFunction') } }]),
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('expiry: below half the slack of the lifetime by default, loud when the health check goes silent', () => {
    const { rotation, t } = setup();
    // lifetime 61 days, interval 30: slack 31 days, warning 15.5 days
    expect(rotation.expiryWarning.toSeconds()).toBe(15.5 * 86400);
    // each rotation's threshold is in its settings; the function reports the headroom above it
    expect(settingsOf(t()).expiryWarningSeconds).toBe(15.5 * 86400);
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkJfrogTokenRotation',
      MetricName: 'ExpiryHeadroomSeconds',
      Statistic: 'Minimum',
      Period: 86400,
      Threshold: 0,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Dimensions: Match.arrayWith([{ Name: 'service', Value: 'jfrog-token-rotation' }]),
    });
  });

  test('overdue: no rotation within interval plus the window', () => {
    const t = setup({ rotationWindow: Duration.hours(4) }).t();
    expect(settingsOf(t).overdueAfterSeconds).toBe(30 * 86400 + 4 * 3600);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OverdueSeconds',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('revocation failed: any old token of the function\'s rotations that could not be revoked within an hour, quiet when none fails', () => {
    // GIVEN a rotation with the default alarms
    const { stack, rotation, t } = setup();
    // THEN the alarm watches the function's count of failed revocations (the handler writes it per
    // function, under the name Lambda gives the function), not one secret's
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkJfrogTokenRotation',
      MetricName: 'RevocationFailed',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^JfrogTokenRotationFunction') } },
        { Name: 'service', Value: 'jfrog-token-rotation' },
      ],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('could not be revoked: it stays valid until it expires')])] }),
    });
    const alarm = rotation.revocationFailedAlarm!;
    expect(stack.resolve(alarm.alarmArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JfrogTokenRotationFunction.*RevocationFailed/), 'Arn'] });
  });

  test('the credential alarm: any credential that fails its check or expires within its warning, in a health check of the last 6 hours', () => {
    const { stack, rotation, t } = setup();
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkJfrogTokenRotation',
      MetricName: 'CredentialProblems',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^JfrogTokenRotationFunction') } },
        { Name: 'service', Value: 'jfrog-token-rotation' },
      ],
      Statistic: 'Maximum',
      Period: 6 * 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp("names the credential's secret; put a new credential into it")])] }),
    });
    expect(stack.resolve(rotation.credentialAlarm!.alarmArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JfrogTokenRotationFunction.*Credential/), 'Arn'] });
  });

  test('the excess-tokens alarm: a secret with more live tokens than current, previous and pending', () => {
    const { stack, rotation, t } = setup();
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkJfrogTokenRotation',
      MetricName: 'ExcessTokens',
      Statistic: 'Maximum',
      Period: 6 * 3600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('than its rotation keeps')])] }),
    });
    expect(stack.resolve(rotation.excessTokensAlarm!.alarmArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JfrogTokenRotationFunction.*ExcessTokens/), 'Arn'] });
  });

  test('the settings carry the interval and the credential warning the health check and createSecret use', () => {
    const defaults = settingsOf(setup().t());
    expect([defaults.intervalSeconds, defaults.credentialExpiryWarningSeconds]).toEqual([30 * 86400, 14 * 86400]);
    const set = setup({ interval: Duration.days(7), credentialExpiryWarning: Duration.days(45) });
    expect(set.rotation.credentialExpiryWarning.toDays()).toBe(45);
    expect([settingsOf(set.t()).intervalSeconds, settingsOf(set.t()).credentialExpiryWarningSeconds]).toEqual([7 * 86400, 45 * 86400]);
  });

  test.each([
    [Duration.minutes(59), /credentialExpiryWarning must be known at synth and at least 1 hour .*got 59 minutes/],
    [Duration.seconds(0), /credentialExpiryWarning must be .* at least 1 hour/],
  ])('credentialExpiryWarning %s is refused', (warning, message) => {
    expect(() => setup({ credentialExpiryWarning: warning })).toThrow(message);
  });

  test('rotations that share a function share its revocation alarm', () => {
    const { stack, rotation } = setup();
    const other = new JfrogTokenRotation(stack, 'Other', {
      jfrogUrl: 'https://acme.jfrog.io', username: 'other-bot', scope: JfrogTokenScope.user(), credentials: JfrogCredentials.selfRotating(),
    });
    expect(other.revocationFailedAlarm).toBe(rotation.revocationFailedAlarm);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'RevocationFailed' }, 1);
  });

  test('a health check every 6 hours checks every rotation of the function', () => {
    setup().t().hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      Targets: [Match.objectLike({ Input: '{"jfrogTokenRotationHealthCheck":{}}' })],
    });
  });

  test('alarms: false creates none, keeps the rules', () => {
    const { rotation, t } = setup({ alarms: false });
    expect(rotation.expiryAlarm).toBeUndefined();
    expect(rotation.revocationFailedAlarm).toBeUndefined();
    t().resourceCountIs('AWS::CloudWatch::Alarm', 0);
    t().resourceCountIs('AWS::Events::Rule', 2);
  });

  test('alarmTopic: every alarm notifies it', () => {
    const t = setup((stack) => ({
      scope: JfrogTokenScope.user(),
      credentials: JfrogCredentials.selfRotating(),
      alarmTopic: new sns.Topic(stack, 'Alerts', { masterKey: new kms.Key(stack, 'TopicKey') }),
    })).t();
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r: any) => r.Properties);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alerts/) }]);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['CredentialProblems', 'Errors', 'ExcessTokens', 'ExpiryHeadroomSeconds', 'OverdueSeconds', 'RevocationFailed', 'RotationFailureEvents']);
    // the publisher may use the topic's key
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowCloudWatchToPublishJfrogRotationAlarms',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        })]),
      },
    });
  });

  test('an imported topic key gets a warning that says what to add', () => {
    const { stack } = setup((scope) => ({
      scope: JfrogTokenScope.user(),
      credentials: JfrogCredentials.selfRotating(),
      alarmTopic: new sns.Topic(scope, 'Alerts', { masterKey: kms.Key.fromKeyArn(scope, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/0000-1111') }),
    }));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('allow cloudwatch.amazonaws.com kms:Decrypt'));
  });

  test('metric helpers share the namespace and dimensions the handler writes', () => {
    const { stack, rotation } = setup();
    const metric = rotation.metricRotationSucceeded();
    expect([metric.namespace, metric.metricName, metric.statistic]).toEqual(['CdkJfrogTokenRotation', 'RotationSucceeded', 'Sum']);
    expect(Object.keys(metric.dimensions!)).toEqual(['service', 'SecretName']);
    expect(metric.dimensions!.service).toBe('jfrog-token-rotation');
    // the same SecretName the function is told to write
    const parameter = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0] as any;
    const secretName = stack.resolve(metric.dimensions!.SecretName);
    expect(JSON.stringify(parameter.Properties.Value)).toContain(`"metricSecretName\\":\\"",${JSON.stringify(secretName)},"\\"`);
    expect(rotation.metricRotationFailureEvents().metricName).toBe('RotationFailureEvents');
    expect(rotation.metricRotationFailed({ period: Duration.hours(1) }).period.toSeconds()).toBe(3600);
    expect(rotation.metricSecondsUntilExpiry().metricName).toBe('SecondsUntilExpiry');
    expect(rotation.metricRevocationFailed().metricName).toBe('RevocationFailed');
    expect(rotation.metricSecondsSinceLastRotation().statistic).toBe('Maximum');
    expect([rotation.metricLiveTokens().metricName, rotation.metricLiveTokens().statistic]).toEqual(['LiveTokens', 'Maximum']);
    expect([rotation.metricShortenedTokenLifetime().metricName, rotation.metricShortenedTokenLifetime().statistic]).toEqual(['ShortenedTokenLifetime', 'Sum']);
    expect(stack.resolve(rotation.metricLiveTokens().dimensions)).toEqual(stack.resolve(metric.dimensions));
    // refusals are counted for the function, under the name Lambda gives it (AWS_LAMBDA_FUNCTION_NAME)
    const refused = rotation.metricRefusedInvocations();
    expect([refused.metricName, refused.statistic]).toEqual(['RefusedInvocations', 'Sum']);
    expect(stack.resolve(refused.dimensions)).toEqual({ service: 'jfrog-token-rotation', FunctionName: { Ref: expect.stringMatching(/^JfrogTokenRotationFunction/) } });
  });
});

describe('schedules', () => {
  test('a cron schedule and a rotation window', () => {
    setup({ schedule: JfrogRotationSchedule.cron({ hour: '4', weekDay: 'MON' }), rotationWindow: Duration.hours(2), rotateImmediatelyOnUpdate: false })
      .t().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'cron(0 4 ? * MON *)', Duration: '2h' },
        RotateImmediatelyOnUpdate: false,
      });
  });

  test('a raw expression passes through', () => {
    setup({ schedule: JfrogRotationSchedule.expression('cron(0 6 1 * ? *)'), interval: Duration.days(31) }).t().hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'cron(0 6 1 * ? *)' },
    });
  });

  test.each([
    ['a monthly cron', 'cron(0 6 1 * ? *)', Duration.days(30), /interval \(30 days\) is shorter than the longest gap between two rotations of schedule 'cron\(0 6 1 \* \? \*\)' \(31 days\).*Set interval to at least 31 days/],
    ['a weekly cron', 'cron(0 4 ? * MON *)', Duration.days(6), /\(7 days\)/],
    ['the first Monday of each month', 'cron(0 4 ? * MON#1 *)', Duration.days(31), /\(35 days\)/],
    ['a rate', 'rate(20 days)', Duration.days(14), /\(20 days\)/],
  ])('%s with a shorter interval is refused, naming the gap', (_name, expression, interval, message) => {
    expect(() => setup({ schedule: JfrogRotationSchedule.expression(expression), interval })).toThrow(message);
  });

  test('a weekly cron with a 7-day interval passes', () => {
    expect(() => setup({ schedule: JfrogRotationSchedule.cron({ hour: '4', weekDay: 'MON' }), interval: Duration.days(7) })).not.toThrow();
  });

  test.each<[string, () => unknown, RegExp]>([
    ['cron minutes other than 0', () => JfrogRotationSchedule.cron({ minute: '30', hour: '4' }), /cron minute must be 0, got '30'/],
    ['a cron with 5 fields', () => JfrogRotationSchedule.expression('cron(0 4 * * ?)'), /needs 6 fields/],
    ['day and weekday both set', () => JfrogRotationSchedule.expression('cron(0 4 1 * MON *)'), /day or weekday to '\?'/],
    ['a rate under 4 hours', () => JfrogRotationSchedule.expression('rate(2 hours)'), /between 4 hours and 1000 days/],
    ['garbage', () => JfrogRotationSchedule.expression('every monday'), /must be 'cron\(0 \.\.\.\)' or 'rate/],
    ['a window not shorter than the interval', () => setup({ interval: Duration.hours(12), tokenLifetime: Duration.days(2), rotationWindow: Duration.hours(12) }), /rotationWindow must be shorter than interval/],
    ['a window in minutes', () => setup({ rotationWindow: Duration.minutes(90) }), /whole hours from 1 to 24/],
    ['an expiry warning that fires between rotations', () => setup({ expiryWarning: Duration.days(40) }), /expiryWarning must be positive and shorter than tokenLifetime minus interval \(31 days\)/],
    ['an endpoint without a VPC', () => setup({ vpcEndpoints: true }), /vpcEndpoints needs vpc/],
  ])('rejects %s at synth', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});
