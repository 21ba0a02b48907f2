import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { REVOKE_ALL_BUT_TAG } from '../../src/contract/rotation-config';
import { makeTestTls } from '../emulators/tls';
import { Harness, RotationSettings } from '../support/harness';

// the token options of issue 19.7, against the bundled handler, moto and the JFrog emulator:
// tokenDescription (the user's words after the rotation's bookkeeping) and jfrogCaCertificate
// (a private CA trusted for JFrog only)

const DAY = 86_400;
const USER = 'options-bot';
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser(USER);
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});
afterAll(async () => {
  h.assertNothingLeaked();
  await h.stop();
});
afterEach(async () => {
  await h.assertInvariantsOfAll();
});

async function rotation(options: Partial<RotationSettings> = {}, extraEnv: Record<string, string> = {}) {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret({ username: USER });
  const env = await h.configure(secretArn, {
    username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn, ...options,
  }, extraEnv);
  return { secretArn, env };
}

const liveOf = (secretArn: string) => h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn));

describe('tokenDescription', () => {
  const OWN = 'CI read token for team-a (ticket OPS-42)';

  test('each token carries the bookkeeping, then the user\'s words; the sweep still finds and revokes the old ones', async () => {
    const { secretArn, env } = await rotation({ tokenDescription: OWN });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await h.rotate(secretArn, env));
    expect(results.map((r) => r.failed)).toEqual([undefined, undefined, undefined]);

    const minted = h.jfrog.apiTokens(USER).filter((t) => t.description?.includes(secretArn));
    expect(minted.map((t) => t.description)).toEqual(results.map((r) => `cdk-jfrog-token-rotation: ${secretArn} version ${r.token} | ${OWN}`));
    // the first one fell two generations behind and was revoked
    expect(liveOf(secretArn).map((t) => t.description)).toEqual(minted.slice(1).map((t) => t.description));
  });

  test('the leak action checks the new token\'s description with the user\'s words in it', async () => {
    const { secretArn, env } = await rotation({ tokenDescription: OWN });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const leaked = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    const version = randomUUID();
    await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: version }] }));

    expect((await h.rotate(secretArn, env, version)).failed).toBeUndefined();

    expect(h.jfrog.validToken(leaked)).toBeUndefined();
    expect(liveOf(secretArn).map((t) => t.accessToken)).toEqual([(await h.stage(secretArn, 'AWSCURRENT')).value!.token]);
  });

  test('a token minted before tokenDescription was set (or changed) is still found and revoked', async () => {
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER });
    const base = { username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN' as const, credentialsSecretArn };
    // each configure is a deployment: its own function id, so its pin alone is in the environment
    const before = await h.configure(secretArn, { ...base, functionId: 'before-description' });
    expect((await h.rotate(secretArn, before)).failed).toBeUndefined();
    const first = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    const after = await h.configure(secretArn, { ...base, functionId: 'with-description', tokenDescription: OWN });

    for (let i = 0; i < 2; i++) expect((await h.rotate(secretArn, after)).failed).toBeUndefined();

    expect(h.jfrog.validToken(first)).toBeUndefined();
  });

  test('a tokenDescription edited in the settings parameter is refused: it is pinned', async () => {
    const { secretArn, env } = await rotation({ tokenDescription: OWN });
    const name = `/cdk-jfrog-token-rotation/test/${secretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
    const settings = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value!);
    await h.putSettings(name, JSON.stringify({ ...settings, tokenDescription: 'something else' }));

    const result = await h.rotate(secretArn, env);

    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    expect(result.failed?.result.errorMessage).toMatch(/are not the ones deployed for this secret/);
  });
});

describe('jfrogCaCertificate', () => {
  /** the function's environment without the test CA: the handler trusts only what the settings say */
  const untrusting = (env: Record<string, string>) => {
    const { NODE_EXTRA_CA_CERTS: _trusted, ...rest } = env;
    return rest;
  };

  test('the function trusts JFrog\'s private CA through the prop alone (no NODE_EXTRA_CA_CERTS)', async () => {
    const { secretArn, env } = await rotation({ jfrogCaCertificate: h.jfrog.tls.ca });

    const result = await h.rotate(secretArn, untrusting(env));

    expect(result.failed).toBeUndefined();
    expect(h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value!.token)).toBeDefined();
  });

  test('without it, a private certificate fails with a TLS message that names jfrogCaCertificate', async () => {
    const { secretArn, env } = await rotation();

    const result = await h.rotate(secretArn, untrusting(env));

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.result.errorMessage).toMatch(/TLS to 127\.0\.0\.1:\d+ failed \(.+\); .*set the construct's jfrogCaCertificate to its PEM certificate/);
  });

  test('another CA in it: refused with a message saying JFrog\'s certificate is not signed by that CA; verification stays on', async () => {
    const other = makeTestTls();
    try {
      const { secretArn, env } = await rotation({ jfrogCaCertificate: other.ca });

      const result = await h.rotate(secretArn, untrusting(env));

      expect(result.failed?.step).toBe('createSecret');
      expect(result.failed?.result.errorMessage).toMatch(/TLS to 127\.0\.0\.1:\d+ failed \(.+\); JFrog must present a certificate signed by the CA in jfrogCaCertificate/);
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });

  test('a CA swapped in the settings parameter (a writer of SSM who holds a CA of its own) is refused: it is pinned', async () => {
    const other = makeTestTls();
    try {
      const { secretArn, env } = await rotation({ jfrogCaCertificate: h.jfrog.tls.ca });
      const name = `/cdk-jfrog-token-rotation/test/${secretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
      const settings = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value!);
      await h.putSettings(name, JSON.stringify({ ...settings, jfrogCaCertificate: `${h.jfrog.tls.ca}\n${other.ca}` }));
      const requests = h.jfrog.requests.length;

      const result = await h.rotate(secretArn, untrusting(env));

      expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
      expect(h.jfrog.requests.length).toBe(requests);
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
