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

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * the longest time between two rotations the expression allows, in hours, or undefined when it
 * cannot be worked out here (a token, or a cron feature not simulated: `W`). A cron is walked hour
 * by hour over four years from 2027 (leap years and every month length included)
 */
export function longestGapHours(expression: string): number | undefined {
  if (Token.isUnresolved(expression)) return undefined;
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression.trim());
  if (rate) return Number(rate[1]) * (rate[2].startsWith('day') ? 24 : 1);
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const [, hour, day, month, weekDay, year] = cron[1].trim().split(/\s+/);
  const matchers = [
    fieldMatcher(hour, 0, 23, []), fieldMatcher(month, 1, 12, MONTHS), fieldMatcher(year, 1970, 2199, []),
  ];
  const dayMatcher = dayOfMonthMatcher(day);
  const weekDayMatcher = weekDayMatcherOf(weekDay);
  if (matchers.some((m) => !m) || !dayMatcher || !weekDayMatcher) return undefined;
  const [hourOk, monthOk, yearOk] = matchers as Array<(v: number) => boolean>;
  const start = Date.UTC(2027, 0, 1);
  let last: number | undefined;
  let longest = 0;
  for (let h = 0; h < 4 * 366 * 24; h++) {
    const t = new Date(start + h * 3_600_000);
    if (!hourOk(t.getUTCHours()) || !monthOk(t.getUTCMonth() + 1) || !yearOk(t.getUTCFullYear()) || !dayMatcher(t) || !weekDayMatcher(t)) continue;
    if (last !== undefined) longest = Math.max(longest, h - last);
    last = h;
  }
  // a schedule that fires at most once in four years (or never): longer than any interval
  return last === undefined || longest === 0 ? Infinity : longest;
}

/** a matcher for one numeric cron field: `*`, `?`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n`, lists, names */
function fieldMatcher(field: string, min: number, max: number, names: string[]): ((v: number) => boolean) | undefined {
  if (field === '*' || field === '?') return () => true;
  const value = (text: string): number | undefined => {
    const named = names.indexOf(text.toUpperCase());
    if (named >= 0) return named + 1;
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const parts: Array<(v: number) => boolean> = [];
  for (const part of field.split(',')) {
    const m = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = m[1] === '*' ? min : value(m[1]);
    const to = m[2] !== undefined ? value(m[2]) : m[1] === '*' || m[3] !== undefined ? max : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (from === undefined || to === undefined || step < 1) return undefined;
    parts.push((v) => v >= from && v <= to && (v - from) % step === 0);
  }
  return (v) => parts.some((p) => p(v));
}

function dayOfMonthMatcher(field: string): ((t: Date) => boolean) | undefined {
  if (field === 'L') {
    return (t) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate() === t.getUTCDate();
  }
  const m = fieldMatcher(field, 1, 31, []);
  return m && ((t) => m(t.getUTCDate()));
}

/** AWS's weekday field: 1-7 = SUN-SAT, names, `#` (the nth weekday of the month), `L` (the last) */
function weekDayMatcherOf(field: string): ((t: Date) => boolean) | undefined {
  const nth = /^([A-Za-z]{3}|[1-7])#([1-5])$/.exec(field);
  if (nth) {
    const dow = WEEKDAYS.indexOf(nth[1].toUpperCase()) >= 0 ? WEEKDAYS.indexOf(nth[1].toUpperCase()) : Number(nth[1]) - 1;
    return (t) => t.getUTCDay() === dow && Math.ceil(t.getUTCDate() / 7) === Number(nth[2]);
  }
  const last = /^([A-Za-z]{3}|[1-7])L$/.exec(field);
  if (last) {
    const dow = WEEKDAYS.indexOf(last[1].toUpperCase()) >= 0 ? WEEKDAYS.indexOf(last[1].toUpperCase()) : Number(last[1]) - 1;
    return (t) => t.getUTCDay() === dow && t.getUTCDate() + 7 > new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  }
  const m = fieldMatcher(field, 1, 7, WEEKDAYS);
  return m && ((t) => m(t.getUTCDay() + 1));
}
