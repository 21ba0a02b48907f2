import * as fc from 'fast-check';
import { forgetSecrets, redact, redactJwts, registerSecret } from '../../src/handler/redact';

afterEach(() => forgetSecrets());

test('a registered value is redacted in every form it may take, however short', () => {
  registerSecret('p"w/1', { basicUser: 'root' });
  const forms = ['p"w/1', 'p\\"w/1', 'p%22w%2F1', Buffer.from('p"w/1').toString('base64'), Buffer.from('root:p"w/1').toString('base64')];
  for (const form of forms) {
    expect(redact(`before ${form} after`)).toBe('before *** after');
  }
});

test('a Bearer or Basic credential is redacted even when never registered; the words alone are not', () => {
  expect(redact('sent Bearer abcDEF123456 to JFrog')).toBe('sent Bearer *** to JFrog');
  expect(redact('authorization=basic%20cm9vdDpwdzE=')).toBe('authorization=basic ***');
  expect(redact('basic credentials are disabled')).toBe('basic credentials are disabled');
});

test('JWTs are redacted even when never registered', () => {
  expect(redact('token eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln in a message')).toBe('token *** in a message');
});

test('a blank value is no secret: messages stay readable', () => {
  registerSecret(' ');
  registerSecret('');
  expect(redact('the credential secret is empty')).toBe('the credential secret is empty');
});

test('forgetSecrets drops the values of earlier invocations', () => {
  registerSecret('earlier-secret');
  forgetSecrets();
  expect(redact('earlier-secret')).toBe('earlier-secret');
});

describe('JWTs are found in linear time, as the pattern they replace found them', () => {
  // the pattern redaction used before: the same matches, but it rescanned the rest of a run from
  // every `eyJ` (quadratic on text an invoker controls); npm run bench times both shapes
  const OLD = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

  test('on random text made of the pieces a JWT is made of, redactJwts replaces exactly what the pattern matched', () => {
    const piece = fc.constantFrom('eyJ', 'e', 'y', 'J', 'a', 'Zz9', '.', '..', '-', '_', ' ', '"', 'x.y', 'eyJhbGciOi');
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }).map((parts) => parts.join('')), (text) => {
      expect(redactJwts(text)).toBe(text.replace(OLD, '***'));
    }), { numRuns: 2000 });
  });

  test('a JWT glued to text, one after a dot, and two in a row are each replaced', () => {
    const jwt = 'eyJhbGciOi.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redact(`token=${jwt}`)).toBe('token=***');
    expect(redact(`prefix${jwt}.${jwt} and ${jwt}`)).toBe('prefix***.*** and ***');
  });

  test('256 KB of "eyJ" without a dot comes back unchanged (the shape that took the old pattern minutes)', () => {
    const text = 'eyJ'.repeat(87_382);
    expect(redact(text)).toBe(text);
  });
});
