// every secret value the handler touches is registered here; logs, error messages and metrics
// pass through redact() so a token, password or Authorization header can never leave the
// function. written by hand: Powertools' logger has no redaction of values it does not know,
// and the data-masking utility masks fields by path, not values wherever they appear.
const known = new Set<string>();

// JWTs (JFrog access tokens), JFrog reference tokens, and the credential of any Bearer or Basic
// scheme, even ones never registered (a header echoed by a proxy, a token the handler never read)
const PATTERNS: Array<[RegExp, string]> = [
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '***'],
  [/cmVmdGtu[A-Za-z0-9+/=_-]{8,}/g, '***'],
  // a credential after the scheme: 8 or more token characters with a digit or symbol in them
  // (so "basic credentials" in a message stays readable)
  [/\b(bearer|basic)(?:\s+|%20|\+)(?=[A-Za-z0-9+/=._~%-]{8,})(?=[A-Za-z._~-]*[0-9+/=%])[A-Za-z0-9+/=._~%-]+/gi, '$1 ***'],
];

/**
 * forget the values of earlier invocations: a warm shared function serves many secrets, and
 * each invocation registers again what it reads (a cached credential included)
 */
export function forgetSecrets(): void {
  known.clear();
}

/**
 * a secret value, in every form it may take on its way out: as is, JSON-escaped, URL-encoded
 * and base64 (a Basic header carries base64 of `user:password`). any length: a short password
 * is still a password (a message with a redacted common word is the lesser harm).
 */
export function registerSecret(value: string | undefined, options: { readonly basicUser?: string } = {}): void {
  // blank is no secret, and redacting it would garble every message
  if (!value || value.trim() === '') return;
  const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString('base64')];
  if (options.basicUser !== undefined) {
    forms.push(Buffer.from(`${options.basicUser}:${value}`).toString('base64'));
  }
  for (const form of forms) {
    if (form) known.add(form);
  }
}

export function redact(text: string): string {
  let out = text;
  // longest first, so a value that contains another is replaced whole
  for (const value of [...known].sort((a, b) => b.length - a.length)) {
    out = out.split(value).join('***');
  }
  for (const [pattern, replacement] of PATTERNS) {
    out = out.replace(pattern, replacement);
  }
  return out;
}
