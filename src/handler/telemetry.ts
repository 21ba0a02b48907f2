import { METRICS } from '../rotation-config';

type Unit = 'Count' | 'Seconds';

/** the metrics of one set of dimensions */
export interface Recorder {
  count(name: string, value?: number): void;
  seconds(name: string, value: number): void;
  /** one value per record however many are added: the lowest (for the function's alarms) */
  lowestSeconds(name: string, value: number): void;
  /** one value per record: the highest */
  highestSeconds(name: string, value: number): void;
}

interface Record {
  readonly dimensions: { readonly [name: string]: string };
  readonly metrics: Map<string, { unit: Unit; values: number[] }>;
}

/**
 * one invocation's metrics, written on flush() as CloudWatch Embedded Metric Format: one
 * record per secret (dimension SecretName) and one for the function (dimension FunctionName,
 * what the alarms watch). written straight to stdout: Lambda's JSON log format would wrap
 * console output, and EMF must stay a line of its own.
 */
export class Telemetry {
  private readonly records = new Map<string, Record>();

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  public secret(secretName: string): Recorder {
    return this.recorder(METRICS.secretDimension, secretName);
  }

  public fn(functionName: string): Recorder {
    return this.recorder(METRICS.functionDimension, functionName);
  }

  public flush(): void {
    for (const record of this.records.values()) {
      if (record.metrics.size === 0) continue;
      const values: { [name: string]: number | number[] } = {};
      for (const [name, metric] of record.metrics) {
        values[name] = metric.values.length === 1 ? metric.values[0] : metric.values;
      }
      this.write(JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [{
            Namespace: METRICS.namespace,
            Dimensions: [['service', ...Object.keys(record.dimensions)]],
            Metrics: [...record.metrics].map(([name, m]) => ({ Name: name, Unit: m.unit })),
          }],
        },
        service: METRICS.service,
        ...record.dimensions,
        ...values,
      }));
    }
    this.records.clear();
  }

  private recorder(dimension: string, value: string): Recorder {
    const key = `${dimension}=${value}`;
    let record = this.records.get(key);
    if (!record) {
      record = { dimensions: { [dimension]: value }, metrics: new Map() };
      this.records.set(key, record);
    }
    const add = (name: string, unit: Unit, v: number, keep: 'all' | 'lowest' | 'highest' = 'all') => {
      const metric = record!.metrics.get(name) ?? { unit, values: [] };
      if (keep === 'all') {
        // EMF takes at most 100 values per metric in one record
        if (metric.values.length < 100) metric.values.push(v);
      } else {
        const pick = keep === 'lowest' ? Math.min : Math.max;
        metric.values = [metric.values.length ? pick(metric.values[0], v) : v];
      }
      record!.metrics.set(name, metric);
    };
    return {
      count: (name, v = 1) => add(name, 'Count', v),
      seconds: (name, v) => add(name, 'Seconds', Math.round(v)),
      lowestSeconds: (name, v) => add(name, 'Seconds', Math.round(v), 'lowest'),
      highestSeconds: (name, v) => add(name, 'Seconds', Math.round(v), 'highest'),
    };
  }
}
