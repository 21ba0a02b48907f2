import * as https from 'https';
import { RotationConfig } from '../../src/handler/config';
import { checkCredentials, credentialKey, credentialName } from '../../src/handler/credential-check';
import { clearCredentialCache } from '../../src/handler/credentials';
import { JfrogClient } from '../../src/handler/jfrog-client';
import { forgetSecrets } from '../../src/handler/redact';
import { SecretStore } from '../../src/handler/secret-store';
import { JfrogEmulator } from '../emulators/jfrog-emulator';

// the health check's look at the credentials that mint: each distinct one checked once, against
// the JFrog emulator, with the credential secrets in an in-memory store that counts its reads

const DAY = 86400;
const ADMIN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin-XyZabc';
const BASIC_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-root-AbCdEf';
let jfrog: JfrogEmulator;

beforeAll(async () => {
  jfrog = await JfrogEmulator.start();
  jfrog.addUser('root', { password: 'r00t-Passw0rd!', admin: true });
});
afterAll(() => jfrog.stop());
beforeEach(() => {
  forgetSecrets();
  clearCredentialCache();
});

function config(overrides: Partial<RotationConfig> = {}): RotationConfig {
  return {
    parameterName: '/p/x',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/a-AbCdEf',
    jfrogUrl: new URL(jfrog.url),
    username: 'ci-bot',
    scope: 'applied-permissions/user',
    lifetimeSeconds: 61 * DAY,
    tokenField: 'token',
    revokePrevious: true,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsSecretArn: ADMIN_SECRET,
    credentialsField: 'token',
    metricSecretName: 'ci/a',
    expiryWarningSeconds: 15 * DAY,
    overdueAfterSeconds: 31 * DAY,
    ...overrides,
  };
}

function deps(values: Record<string, string | undefined>) {
  const reads: string[] = [];
  const store = {
    getValue: async (arn: string) => {
      reads.push(arn);
      return values[arn];
    },
  } as unknown as SecretStore;
  const client = new JfrogClient(new URL(jfrog.url), { remainingMs: () => 60_000, agent: new https.Agent({ ca: jfrog.tls.ca }), backoffBaseMs: 10 });
  return { reads, client, deps: { store, jfrogFor: () => client, now: new Date() } };
}

describe('which credential a rotation mints with', () => {
  test('rotations with the same admin secret and field share one; another field, JFrog or kind is another', () => {
    const a = config();
    expect(credentialKey(config({ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/b-AbCdEf', username: 'other' }))).toBe(credentialKey(a));
    expect(credentialKey(config({ credentialsField: 'admin' }))).not.toBe(credentialKey(a));
    expect(credentialKey(config({ jfrogUrl: new URL('https://other.jfrog.io') }))).not.toBe(credentialKey(a));
    expect(credentialKey(config({ credentialsKind: 'USERNAME_PASSWORD' }))).not.toBe(credentialKey(a));
    // the IAM role is one credential per JFrog; a self-rotating token is each rotation's own
    expect(credentialKey(config({ credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined }))).toBe(`${new URL(jfrog.url).href} aws-iam-role`);
    expect(credentialKey(config({ credentialsKind: 'SELF_ROTATING', credentialsSecretArn: undefined }))).toBeUndefined();
  });

  test('named by its secret (never its value), or the IAM role\'s JFrog, or the self-rotating secret', () => {
    expect(credentialName(config())).toBe('jfrog-admin');
    expect(credentialName(config({ credentialsField: 'admin' }))).toBe('jfrog-admin#admin');
    expect(credentialName(config({ credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn: BASIC_SECRET }))).toBe('jfrog-root');
    expect(credentialName(config({ credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined, jfrogUrl: new URL('https://acme.jfrog.io') }))).toBe('aws-iam-role@acme.jfrog.io');
    expect(credentialName(config({ credentialsKind: 'SELF_ROTATING', credentialsSecretArn: undefined }))).toBe('ci/a');
  });
});

describe('checkCredentials', () => {
  test('an admin token three rotations share is read and checked once', async () => {
    const token = jfrog.seedToken('admin', 'applied-permissions/admin', 100 * DAY);
    const { reads, client, deps: d } = deps({ [ADMIN_SECRET]: JSON.stringify({ token }) });
    const configs = ['a', 'b', 'c'].map((n) => config({ secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/${n}-AbCdEf` }));
    const results = await checkCredentials(configs, d);
    expect(results.size).toBe(1);
    const [health] = results.values();
    expect(health).toMatchObject({ name: 'jfrog-admin', kind: 'ADMIN_TOKEN' });
    expect([health.failure, health.warning]).toEqual([undefined, undefined]);
    expect(Math.abs(health.secondsUntilExpiry! - 100 * DAY)).toBeLessThan(60);
    expect(health.auth).toMatchObject({ kind: 'bearer' });
    expect(reads).toEqual([ADMIN_SECRET]);
    expect(client.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /access/api/v1/tokens/me']);
  });

  test('a shared credential warns at the longest warning of its rotations', async () => {
    const token = jfrog.seedToken('admin', 'applied-permissions/admin', 10 * DAY);
    const { deps: d } = deps({ [ADMIN_SECRET]: token });
    const short = [config({ credentialExpiryWarningSeconds: 5 * DAY })];
    expect([...(await checkCredentials(short, d)).values()][0].warning).toBeUndefined();
    const mixed = [...short, config({ credentialExpiryWarningSeconds: 20 * DAY })];
    const [health] = (await checkCredentials(mixed, d)).values();
    expect(health.warning).toMatch(/^the admin token in the credential secret arn:.*jfrog-admin-XyZabc expires at .* \(in 10\.0 days\), within its credentialExpiryWarning of 20\.0 days/);
    expect(health.failure).toBeUndefined();
    expect(health.warning).not.toContain(token);
  });

  test('an admin token past its exp fails without asking JFrog', async () => {
    const token = jfrog.seedToken('admin', 'applied-permissions/admin', 60);
    const { client, deps: d } = deps({ [ADMIN_SECRET]: token });
    const [health] = (await checkCredentials([config()], { ...d, now: new Date(Date.now() + 3600_000) })).values();
    expect(health.failure).toMatch(/the admin token in the credential secret .*jfrog-admin-XyZabc expired at .*: every rotation that mints with it fails. Put a new admin token into the secret/);
    expect(client.calls).toEqual([]);
  });

  test('a revoked admin token fails with JFrog\'s 401, named by its secret', async () => {
    const token = jfrog.seedToken('admin', 'applied-permissions/admin');
    jfrog.validToken(token)!.revoked = true;
    const { deps: d } = deps({ [ADMIN_SECRET]: token });
    const [health] = (await checkCredentials([config()], d)).values();
    expect(health.failure).toMatch(/^JFrog does not accept the admin token in the credential secret .*jfrog-admin-XyZabc: JFrog answered HTTP 401/);
    expect(health.auth).toBeUndefined();
    expect(health.failure).not.toContain(token);
  });

  test('a credential secret without a value fails with the fix', async () => {
    const { deps: d } = deps({});
    const [health] = (await checkCredentials([config()], d)).values();
    expect(health.failure).toMatch(/the credential secret .*jfrog-admin-XyZabc does not exist or has no value; put the JFrog credential into it/);
  });

  test('basic credentials mint a 5-minute token of their own user, never stored; a wrong password fails', async () => {
    const basic = config({ credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn: BASIC_SECRET });
    const good = deps({ [BASIC_SECRET]: JSON.stringify({ username: 'root', password: 'r00t-Passw0rd!' }) });
    const [ok] = (await checkCredentials([basic], good.deps)).values();
    expect(ok).toMatchObject({ name: 'jfrog-root', kind: 'USERNAME_PASSWORD' });
    expect([ok.failure, ok.auth]).toEqual([undefined, undefined]);
    expect(good.client.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /access/api/v1/tokens']);
    const minted = [...jfrog.tokens.values()].filter((t) => t.description?.includes('credential check'));
    expect(minted.map((t) => [t.username, t.expiry! - t.issuedAt, t.persistent])).toEqual([['root', 300, false]]);

    clearCredentialCache();
    const bad = deps({ [BASIC_SECRET]: JSON.stringify({ username: 'root', password: 'wrong' }) });
    const [refused] = (await checkCredentials([basic], bad.deps)).values();
    expect(refused.failure).toMatch(/^the username and password in .*jfrog-root-AbCdEf no longer mint a token: JFrog answered HTTP 401/);
    expect(refused.failure).not.toContain('wrong');
  });

  test('self-rotating rotations have no separate check', async () => {
    const { client, deps: d } = deps({});
    expect((await checkCredentials([config({ credentialsKind: 'SELF_ROTATING', credentialsSecretArn: undefined })], d)).size).toBe(0);
    expect(client.calls).toEqual([]);
  });
});
