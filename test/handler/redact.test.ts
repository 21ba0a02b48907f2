import { forgetSecrets, redact, registerSecret } from '../../src/handler/redact';

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
