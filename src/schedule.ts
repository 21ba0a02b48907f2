import { Token } from 'aws-cdk-lib';

/** The fields of a cron schedule, in UTC. Secrets Manager requires the minute to be 0. */
export interface JfrogRotationCronOptions {
  /** @default '0' */
  readonly minute?: string;
  /** @default '0' */
  readonly hour?: string;
  /** @default - every day, unless `weekDay` is set */
  readonly day?: string;
  /** @default '*' */
  readonly month?: string;
  /** e.g. 'MON' or 'MON-FRI' @default - any */
  readonly weekDay?: string;
  /** @default '*' */
  readonly year?: string;
}

/**
 * A Secrets Manager rotation schedule expression other than a fixed interval: a cron
 * expression, e.g. "every first Monday at 04:00 UTC".
 *
 * With a cron schedule, `interval` still tells the construct the longest gap between two
 * rotations: it sets the default token lifetime and the overdue alarm.
 */
export class JfrogRotationSchedule {
  /** A cron schedule from its fields (UTC). */
  public static cron(options: JfrogRotationCronOptions): JfrogRotationSchedule {
    const minute = options.minute ?? '0';
    const day = options.day ?? (options.weekDay ? '?' : '*');
    const weekDay = options.weekDay ?? '?';
    return JfrogRotationSchedule.expression(
      `cron(${minute} ${options.hour ?? '0'} ${day} ${options.month ?? '*'} ${weekDay} ${options.year ?? '*'})`);
  }

  /**
   * A schedule expression as Secrets Manager takes it: `cron(0 4 ? * MON *)` or `rate(10 days)`.
   */
  public static expression(expression: string): JfrogRotationSchedule {
    if (!Token.isUnresolved(expression)) {
      validateExpression(expression);
    }
    return new JfrogRotationSchedule(expression);
  }

  /** The expression sent to Secrets Manager. */
  public readonly expressionString: string;

  private constructor(expression: string) {
    this.expressionString = expression;
  }
}

function validateExpression(expression: string): void {
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      throw new Error(`a rotation cron needs 6 fields (minute hour day month weekday year), got ${fields.length} in '${expression}'`);
    }
    if (fields[0] !== '0') {
      throw new Error(`Secrets Manager rotates on the hour: the cron minute must be 0, got '${fields[0]}' in '${expression}'`);
    }
    if (fields[2] !== '?' && fields[4] !== '?') {
      throw new Error(`a rotation cron must set day or weekday to '?', got day '${fields[2]}' and weekday '${fields[4]}' in '${expression}'`);
    }
    return;
  }
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression.trim());
  if (rate) {
    const hours = Number(rate[1]) * (rate[2].startsWith('day') ? 24 : 1);
    if (hours < 4 || hours > 1000 * 24) {
      throw new Error(`a rotation rate must be between 4 hours and 1000 days, got '${expression}'`);
    }
    return;
  }
  throw new Error(`a rotation schedule must be 'cron(0 ...)' or 'rate(N hours|days)', got '${expression}'`);
}
