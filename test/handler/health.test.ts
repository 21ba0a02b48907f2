import { RotationConfig } from '../../src/handler/config';
import { checkHealth } from '../../src/handler/health';
import { forgetSecrets } from '../../src/handler/redact';
import { SecretMetadata } from '../../src/handler/secret-store';

// the scheduled health check of one rotation: how long its token lives, how long since it rotated

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const NOW = new Date('2026-11-30T12:00:00Z');
const config = { secretArn: ARN, tokenField: 'token', parameterName: '/p/ci_2fjfrog' } as RotationConfig;

beforeEach(() => forgetSecrets());

function store(value: string | undefined, meta: Partial<SecretMetadata> = {}) {
  return {
    describe: async () => ({ arn: ARN, rotationEnabled: true, versions: {}, ...meta }),
    getValue: async () => value,
  } as any;
}

test('seconds until the current token expires and since the last rotation', async () => {
  const value = JSON.stringify({ token: 'the-t0ken', tokenId: 'id', expiresAt: '2026-12-01T12:00:00Z' });
  expect(await checkHealth(config, store(value, { lastRotatedDate: new Date('2026-11-29T12:00:00Z') }), NOW))
    .toEqual({ secretArn: ARN, tokenId: 'id', secondsUntilExpiry: 86_400, secondsSinceLastRotation: 86_400 });
});

test('a secret never rotated counts from its creation', async () => {
  const value = JSON.stringify({ token: 'the-t0ken', expiresAt: '2026-12-01T12:00:00Z' });
  expect((await checkHealth(config, store(value, { createdDate: new Date('2026-11-30T11:00:00Z') }), NOW)).secondsSinceLastRotation).toBe(3_600);
});

test.each([
  [JSON.stringify({}), /holds no token in "token": the first rotation has not succeeded/],
  [JSON.stringify({ token: 'the-t0ken' }), /has no valid "expiresAt" and its token no exp claim: its token was not minted by this rotation/],
  [JSON.stringify({ token: 'the-t0ken', expiresAt: 'soon' }), /has no valid "expiresAt"/],
])('a token it cannot vouch for fails the check with the reason: %s', async (value, message) => {
  await expect(checkHealth(config, store(value), NOW)).rejects.toThrow(message);
});

test('settings bound to another secret are refused before its value is read', async () => {
  let read = false;
  const other = { ...store('{}', { arn: `${ARN}-XyZ123` }), getValue: async () => { read = true; return '{}'; } };
  await expect(checkHealth(config, other, NOW)).rejects.toThrow(/belong to/);
  expect(read).toBe(false);
});
