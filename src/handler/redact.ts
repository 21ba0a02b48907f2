// every secret value the handler touches is registered here; logs, error messages and metrics
// pass through redact() so a token, password or Authorization header can never leave the
// function. written by hand: Powertools' logger has no redaction of values it does not know,
// and the data-masking utility masks fields by path, not values wherever they appear.
const known = new Set<string>();

// JFrog reference tokens, and the credential of any Bearer or Basic scheme, even ones never
// registered (a header echoed by a proxy, a token the handler never read); JWTs are found by
// redactJwts. Each pattern runs in linear time: a match can only start where the text it stands
// for starts, and what follows it is matched once (the invoker controls some of the text)
const PATTERNS: Array<[RegExp, string]> = [
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
  out = redactJwts(out);
  for (const [pattern, replacement] of PATTERNS) {
    out = out.replace(pattern, replacement);
  }
  return out;
}

/** a run of the characters a JWT is made of (base64url and its dots): each character is read once */
const JWT_RUN = /[A-Za-z0-9_.-]+/g;

/**
 * every JWT (a JFrog access token), also one never registered: `eyJ` and at least 4 more
 * characters, a dot, at least 4, a dot, and the signature, inside a run of base64url characters
 * and dots. The same matches as the global pattern `eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`
 * (redact.test.ts compares them), in linear time: that pattern rescans the rest of a run from
 * every `eyJ` in it (40 s for 120 KB of `eyJ`)
 */
export function redactJwts(text: string): string {
  return text.replace(JWT_RUN, (run) => {
    if (!run.includes('eyJ')) return run;
    const segments = run.split('.');
    let out = '';
    let i = 0;
    while (i < segments.length) {
      const start = segments[i].indexOf('eyJ');
      // the first eyJ of a segment leaves the longest header: if it is too short, every later one is
      if (start >= 0 && segments[i].length - start >= 7 && i + 2 < segments.length && segments[i + 1].length >= 4) {
        out += `${segments[i].slice(0, start)}***`;
        i += 3;
      } else {
        out += segments[i];
        i += 1;
      }
      if (i < segments.length) out += '.';
    }
    return out;
  });
}
