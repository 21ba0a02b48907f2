import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException,
  SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretStore, versionWith } from '../../src/handler/secret-store';

// the Secrets Manager calls of a rotation, against aws-sdk-client-mock (Secrets Manager's
// documented answers, not the service): what each call sends, and the answers it tolerates

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const sm = mockClient(SecretsManagerClient);
const store = () => new SecretStore(new SecretsManagerClient({ region: 'eu-west-1' }));
beforeEach(() => sm.reset());

test('every read names its stage; a missing version reads as undefined, other errors are thrown', async () => {
  sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v2', SecretString: '{"token":"x"}', CreatedDate: new Date(0) });
  const s = store();
  expect(await s.getVersion(ARN, { versionId: 'v2', stage: 'AWSPENDING' })).toEqual({ value: '{"token":"x"}', arn: ARN, versionId: 'v2', created: new Date(0) });
  expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: ARN, VersionId: 'v2', VersionStage: 'AWSPENDING' });
  sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
  expect(await s.getValue(ARN, { stage: 'AWSCURRENT' })).toBeUndefined();
  sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  await expect(s.getValue(ARN, { stage: 'AWSCURRENT' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect(s.calls).toBe(3);
});

test('a binary value is read as UTF-8 text', async () => {
  sm.on(GetSecretValueCommand).resolves({ ARN, SecretBinary: Buffer.from('{"token":"ü"}') });
  expect(await store().getValue(ARN, { stage: 'AWSCURRENT' })).toBe('{"token":"ü"}');
});

test('describe lists the versions and rotation settings', async () => {
  sm.on(DescribeSecretCommand).resolves({ ARN, Name: 'ci/jfrog', RotationEnabled: true, RotationLambdaARN: 'arn:fn', VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } });
  const meta = await store().describe(ARN);
  expect(meta).toMatchObject({ arn: ARN, name: 'ci/jfrog', rotationEnabled: true, rotationLambdaArn: 'arn:fn' });
  expect(versionWith(meta, 'AWSPENDING')).toBe('v2');
  expect(versionWith(meta, 'AWSPREVIOUS')).toBeUndefined();
});

test('the pending value is written to the version of the rotation, with the event\'s RotationToken when there is one', async () => {
  sm.on(PutSecretValueCommand).resolves({});
  await store().putPending(ARN, 'v2', '{"token":"x"}', 'rotation-token');
  await store().putPending(ARN, 'v3', '{"token":"y"}');
  const [withToken, without] = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
  expect(withToken).toEqual({ SecretId: ARN, ClientRequestToken: 'v2', SecretString: '{"token":"x"}', VersionStages: ['AWSPENDING'], RotationToken: 'rotation-token' });
  expect(without).not.toHaveProperty('RotationToken');
});

test('a promotion whose answer was lost (the label moved) succeeds; one that did not move fails', async () => {
  sm.on(UpdateSecretVersionStageCommand).rejects(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
  sm.on(DescribeSecretCommand).resolvesOnce({ ARN, VersionIdsToStages: { v2: ['AWSCURRENT'] } }).resolves({ ARN, VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } });
  await store().promote(ARN, 'v2', 'v1');
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v2', RemoveFromVersionId: 'v1' });
  await expect(store().promote(ARN, 'v2', 'v1')).rejects.toMatchObject({ name: 'TimeoutError' });
});

test('removing AWSPENDING tolerates a label already gone, not a failure that left it', async () => {
  sm.on(UpdateSecretVersionStageCommand).rejects(Object.assign(new Error('conflict'), { name: 'InvalidRequestException' }));
  sm.on(DescribeSecretCommand).resolvesOnce({ ARN, VersionIdsToStages: { v1: ['AWSCURRENT'] } }).resolves({ ARN, VersionIdsToStages: { v2: ['AWSPENDING'] } });
  await store().removePending(ARN, 'v2');
  await expect(store().removePending(ARN, 'v2')).rejects.toMatchObject({ name: 'InvalidRequestException' });
});
