import { redact } from './redact';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

/**
 * one JSON object a line, the shape Lambda's JSON log format expects; every line is redacted
 * as a whole, so no field can carry a secret out.
 */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields });
  const out = redact(line);
  if (level === 'INFO') {
    console.log(out);
  } else {
    console.error(out);
  }
}
