import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../rotation-config';

/** one invocation's metrics, written as CloudWatch Embedded Metric Format on flush() */
export class Telemetry {
  private readonly metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

  constructor(secretName: string) {
    this.metrics.addDimension(METRICS.secretDimension, secretName);
  }

  public count(name: string, value = 1): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }

  public seconds(name: string, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Seconds, Math.round(value));
  }

  public flush(): void {
    this.metrics.publishStoredMetrics();
  }
}

/** the name part of a secret ARN (without Secrets Manager's 6-character suffix), or the id as given */
export function secretNameOf(secretId: string | undefined): string {
  if (!secretId) return 'unknown';
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(secretId);
  return match ? match[1] : secretId;
}
