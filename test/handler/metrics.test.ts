import { RotationMetrics } from '../../src/handler/metrics';
import { METRICS } from '../../src/contract/rotation-config';

// the handler's metrics, written by Powertools Metrics as EMF lines on stdout: the dimensions the
// construct's alarms watch, one value per invocation for the function's alarms, nothing dropped

let lines: string[];
beforeEach(() => {
  lines = [];
  jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as any);
});
afterEach(() => jest.restoreAllMocks());

const records = () => lines.map((l) => JSON.parse(l));

test('one record per secret and one for the function, each with the service dimension, as the alarms expect', () => {
  const metrics = new RotationMetrics();
  metrics.secret('ci/jfrog').count(METRICS.rotationSucceeded);
  metrics.secret('ci/jfrog').seconds(METRICS.secondsUntilExpiry, 99.6);
  metrics.fn('rotator').count(METRICS.refusedInvocations);
  metrics.publish();
  const [secret, fn] = records();
  expect(secret._aws.CloudWatchMetrics).toEqual([{
    Namespace: METRICS.namespace,
    Dimensions: [['service', METRICS.secretDimension]],
    Metrics: [{ Name: METRICS.rotationSucceeded, Unit: 'Count' }, { Name: METRICS.secondsUntilExpiry, Unit: 'Seconds' }],
  }]);
  expect(secret).toMatchObject({ service: METRICS.service, SecretName: 'ci/jfrog', RotationSucceeded: 1, SecondsUntilExpiry: 100 });
  expect(fn._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', METRICS.functionDimension]]);
  expect(fn).toMatchObject({ FunctionName: 'rotator', RefusedInvocations: 1 });
  expect(records()).toHaveLength(2);
});

test('the function\'s headroom and overdue are one value however many rotations report: the lowest and the highest', () => {
  const metrics = new RotationMetrics();
  for (const v of [500, -20.4, 300]) metrics.fn('rotator').lowestSeconds(METRICS.expiryHeadroom, v);
  for (const v of [-100, 7, -3]) metrics.fn('rotator').highestSeconds(METRICS.overdue, v);
  metrics.publish();
  expect(records()).toHaveLength(1);
  expect(records()[0]).toMatchObject({ ExpiryHeadroomSeconds: -20, OverdueSeconds: 7 });
});

test('more than 100 values of one metric are all written (EMF takes 100 per record)', () => {
  const metrics = new RotationMetrics();
  for (let i = 0; i < 250; i++) metrics.secret('ci/jfrog').seconds(METRICS.secondsUntilExpiry, i);
  metrics.publish();
  const values = records().flatMap((r) => [r.SecondsUntilExpiry].flat());
  expect(values).toHaveLength(250);
  expect(new Set(values).size).toBe(250);
});

test('nothing recorded, nothing written; a published set is not written twice', () => {
  const metrics = new RotationMetrics();
  metrics.secret('ci/jfrog');
  metrics.publish();
  expect(lines).toEqual([]);
  metrics.secret('ci/jfrog').count(METRICS.rotationFailed);
  metrics.publish();
  metrics.publish();
  expect(records()).toHaveLength(1);
});
