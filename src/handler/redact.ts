// every secret value the handler touches is registered here; logs and error messages pass
// through redact() so a token, password or Authorization header can never leave the function.
const known = new Set<string>();

// JWTs (JFrog access tokens) and JFrog reference tokens, even ones never registered
const PATTERNS = [
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  /cmVmdGtu[A-Za-z0-9+/=_-]{8,}/g,
  /(authorization["'\s:=]+)(bearer|basic)\s+[^\s"',}]+/gi,
];

/**
 * forget the values of earlier invocations: a warm shared function serves many secrets, and
 * each invocation registers again what it reads (a cached credential included)
 */
export function forgetSecrets(): void {
  known.clear();
}

export function registerSecret(value: string | undefined): void {
  // very short strings would redact ordinary words; JFrog tokens are long
  if (value && value.length >= 8) {
    known.add(value);
  }
}

export function redact(text: string): string {
  let out = text;
  for (const value of known) {
    out = out.split(value).join('***');
  }
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (_match, prefix?: string, scheme?: string) =>
      (typeof prefix === 'string' && typeof scheme === 'string' ? `${prefix}${scheme} ***` : '***'));
  }
  return out;
}
