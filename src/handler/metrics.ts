import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../contract/rotation-config';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** the metrics of one set of dimensions */
export interface Recorder {
  count(name: string, value?: number): void;
  seconds(name: string, value: number): void;
  /** one value per invocation however many are added: the lowest (for the function's alarms) */
  lowestSeconds(name: string, value: number): void;
  /** one value per invocation: the highest */
  highestSeconds(name: string, value: number): void;
  /** one count per invocation: the highest */
  highestCount(name: string, value: number): void;
}

/**
 * one invocation's metrics, written by Powertools Metrics as CloudWatch Embedded Metric Format:
 * one record per secret (dimension SecretName), one per credential the health check checked
 * (dimension Credential) and one for the function (dimension FunctionName,
 * what the alarms watch), each with the `service` dimension. Powertools writes a record early
 * when a metric reaches 100 values (EMF's limit), so a health check of 100+ rotations loses none.
 */
export class RotationMetrics {
  private readonly recorders = new Map<string, { readonly metrics: Metrics; readonly extremes: Map<string, { pick: 'lowest' | 'highest'; value: number; unit: Unit }> }>();

  public secret(secretName: string): Recorder {
    return this.recorder(METRICS.secretDimension, secretName);
  }

  /** a credential that mints, named by its secret (or the IAM role's JFrog), never by its value */
  public credential(credentialName: string): Recorder {
    return this.recorder(METRICS.credentialDimension, credentialName);
  }

  public fn(functionName: string): Recorder {
    return this.recorder(METRICS.functionDimension, functionName);
  }

  /** writes every record that holds a metric */
  public publish(): void {
    for (const { metrics, extremes } of this.recorders.values()) {
      for (const [name, { value, unit }] of extremes) metrics.addMetric(name, unit, value);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
    this.recorders.clear();
  }

  private recorder(dimension: string, value: string): Recorder {
    const key = `${dimension}=${value}`;
    let entry = this.recorders.get(key);
    if (!entry) {
      entry = {
        metrics: new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service, defaultDimensions: { [dimension]: value } }),
        extremes: new Map(),
      };
      this.recorders.set(key, entry);
    }
    const { metrics, extremes } = entry;
    const extreme = (pick: 'lowest' | 'highest', name: string, v: number, unit: Unit = MetricUnit.Seconds) => {
      const seen = extremes.get(name);
      const rounded = Math.round(v);
      if (!seen) extremes.set(name, { pick, value: rounded, unit });
      else seen.value = pick === 'lowest' ? Math.min(seen.value, rounded) : Math.max(seen.value, rounded);
    };
    return {
      count: (name, v = 1) => metrics.addMetric(name, MetricUnit.Count, v),
      seconds: (name, v) => metrics.addMetric(name, MetricUnit.Seconds, Math.round(v)),
      lowestSeconds: (name, v) => extreme('lowest', name, v),
      highestSeconds: (name, v) => extreme('highest', name, v),
      highestCount: (name, v) => extreme('highest', name, v, MetricUnit.Count),
    };
  }
}
