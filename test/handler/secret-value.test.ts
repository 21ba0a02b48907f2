import { forgetSecrets, redact } from '../../src/handler/redact';
import { parseTokenSecret, withNewToken } from '../../src/handler/secret-value';

// the secret's value: the user's JSON object with the token and the rotation's bookkeeping

beforeEach(() => forgetSecrets());

test('reads the token, its id, expiry and chain, keeps the user\'s fields, and registers the token for redaction', () => {
  const raw = JSON.stringify({ username: 'ci-bot', jfrogToken: 'the-t0ken', tokenId: 'id-2', expiresAt: '2027-01-01T00:00:00.000Z', previousTokenId: 'id-1', previousVersionId: 'v1', team: 'ci' });
  expect(parseTokenSecret(raw, 'jfrogToken', 'the value')).toEqual({
    fields: JSON.parse(raw), token: 'the-t0ken', tokenId: 'id-2', expiresAt: '2027-01-01T00:00:00.000Z', previousTokenId: 'id-1', previousVersionId: 'v1',
  });
  expect(redact('x the-t0ken y')).toBe('x *** y');
});

test('null in the chain means "there was none"; absent means "not recorded"; an empty token is no token', () => {
  expect(parseTokenSecret('{"token":"","previousTokenId":null,"previousVersionId":null}', 'token', 'v')).toMatchObject({ token: undefined, previousTokenId: null, previousVersionId: null });
  expect(parseTokenSecret('{}', 'token', 'v')).toMatchObject({ previousTokenId: undefined, previousVersionId: undefined });
});

test.each([
  [undefined, /the value has no value; put a JSON object such as \{"token": ""\} into it/],
  ['plain-t0ken', /the value is not JSON; the rotation keeps the token in a JSON object/],
  ['[1]', /is JSON but not an object/],
  ['"text"', /is JSON but not an object/],
  ['{"token":42}', /field "token" must be a string, got number/],
])('a value it cannot use says what to put there: %s', (raw, message) => {
  expect(() => parseTokenSecret(raw, 'token', 'the value')).toThrow(message);
});

test('a plain-text value is registered before the error, so no later message can carry it', () => {
  expect(() => parseTokenSecret('plain-t0ken-value', 'token', 'the value')).toThrow();
  expect(redact('plain-t0ken-value')).toBe('***');
});

test('the next value keeps the user\'s fields and records the chain: the id and version it was made from', () => {
  const base = parseTokenSecret(JSON.stringify({ team: 'ci', token: 'old', tokenId: 'id-1', expiresAt: 'old-expiry' }), 'token', 'v');
  expect(JSON.parse(withNewToken(base, 'v1', 'token', 'ci-bot', { token: 'new', tokenId: 'id-2', expiresAt: '2027-01-01T00:00:00.000Z' }))).toEqual({
    team: 'ci', username: 'ci-bot', token: 'new', tokenId: 'id-2', previousTokenId: 'id-1', previousVersionId: 'v1', expiresAt: '2027-01-01T00:00:00.000Z',
  });
  // a first rotation: nothing before it; an unknown expiry is not carried over from the old token
  expect(JSON.parse(withNewToken(base, undefined, 'token', 'ci-bot', { token: 'new', tokenId: 'id-2' }))).toMatchObject({ previousVersionId: null });
  expect(JSON.parse(withNewToken(base, undefined, 'token', 'ci-bot', { token: 'new', tokenId: 'id-2' })).expiresAt).toBeUndefined();
  const first = parseTokenSecret('{"username":"someone"}', 'token', 'v');
  expect(JSON.parse(withNewToken(first, 'v0', 'token', 'ci-bot', { token: 'new', tokenId: 'id-1' }))).toMatchObject({ username: 'someone', previousTokenId: null });
});
