import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DescribeSecretCommand, PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { REVOKE_ALL_BUT_TAG } from '../../src/contract/rotation-config';
import { Harness } from '../support/harness';

// the leak action (issue 19.4): tag the secret with a ClientRequestToken, rotate with it; once
// that version is tested and promoted every other token of the secret is revoked. Run against the
// bundled handler with Secrets Manager (moto) and JFrog (the emulator). The attacks name the right
// the attacker holds; README's trust table names them.

const DAY = 86_400;
const USER = 'leaky-bot';
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
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

async function rotation(value: Record<string, unknown> = { username: USER }, revokePrevious?: boolean) {
  const credentialsSecretArn = await h.plainSecret({ token: adminToken });
  const secretArn = await h.createSecret(value);
  const env = await h.configure(secretArn, {
    username: USER, scope: 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn, revokePrevious,
  });
  return { secretArn, env };
}

/** what the README tells the operator to run: tag the secret with a new token, rotate with it */
async function leakAction(secretArn: string, env: Record<string, string>) {
  const token = randomUUID();
  await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: token }] }));
  return h.rotate(secretArn, env, token);
}

const alive = (...tokens: Array<unknown>) => tokens.map((t) => h.jfrog.validToken(t as string) !== undefined);

describe('the leak action', () => {
  test('after two rotations: the new token alone stays; AWSPREVIOUS\'s token (the leaked one) is revoked, and readers that cached it fail', async () => {
    const { secretArn, env } = await rotation();
    for (let i = 0; i < 2; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const leaked = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    const older = (await h.stage(secretArn, 'AWSPREVIOUS')).value!.token;
    expect(alive(leaked, older)).toEqual([true, true]);

    const result = await leakAction(secretArn, env);

    expect(result.failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token).toBe(leaked);
    expect(alive(current.token, leaked, older)).toEqual([true, false, false]);
    expect(h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn)).map((t) => t.accessToken)).toEqual([current.token]);
  });

  test('the token the secret started with (not minted by the rotation) is revoked too, on the first rotation', async () => {
    const seed = h.jfrog.seedToken(USER, 'applied-permissions/user');
    const { secretArn, env } = await rotation({ username: USER, token: seed });

    const result = await leakAction(secretArn, env);

    expect(result.failed).toBeUndefined();
    expect(alive((await h.stage(secretArn, 'AWSCURRENT')).value!.token, seed)).toEqual([true, false]);
  });

  test('revokePrevious: false does not stop it: the operator asked', async () => {
    const { secretArn, env } = await rotation({ username: USER }, false);
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const leaked = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;

    expect((await leakAction(secretArn, env)).failed).toBeUndefined();

    expect(alive((await h.stage(secretArn, 'AWSCURRENT')).value!.token, leaked)).toEqual([true, false]);
  });

  test('retries are idempotent: finishSecret again revokes nothing more and AWSCURRENT stays valid; the next rotation is an ordinary one', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const result = await leakAction(secretArn, env);
    expect(result.failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;

    for (let i = 0; i < 2; i++) expect((await h.invoke('finishSecret', secretArn, result.token, env)).ok).toBe(true);
    expect(alive(current)).toEqual([true]);

    // the tag still names the leak's version, which is no longer the one rotated: AWSPREVIOUS stays
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    expect(alive(current)).toEqual([true]);
    expect((await h.stage(secretArn, 'AWSPREVIOUS')).value!.token).toBe(current);
  });

  test('JFrog fails the look-up of the new token before promotion: nothing is promoted or revoked; the retry finishes the leak action', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const leaked = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    const version = randomUUID();
    await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: version }] }));
    for (const step of ['createSecret', 'setSecret', 'testSecret']) expect((await h.invoke(step, secretArn, version, env)).ok).toBe(true);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;
    h.jfrog.inject({ method: 'GET', path: `/access/api/v1/tokens/${pending.tokenId}`, status: 403, body: '{"errors":[{"code":"FORBIDDEN","message":"no"}]}' });

    const failed = await h.invoke('finishSecret', secretArn, version, env);

    expect(failed.ok).toBe(false);
    expect((await h.stage(secretArn, 'AWSCURRENT')).value!.token).toBe(leaked);
    expect(alive(leaked)).toEqual([true]);

    expect((await h.invoke('finishSecret', secretArn, version, env)).ok).toBe(true);
    expect((await h.stage(secretArn, 'AWSCURRENT')).value!.token).toBe(pending.token);
    expect(alive(pending.token, leaked)).toEqual([true, false]);
  });

  test('a replay after the promotion whose look-up JFrog fails does not fail: the step has promoted', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const result = await leakAction(secretArn, env);
    expect(result.failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    h.jfrog.inject({ method: 'GET', path: `/access/api/v1/tokens/${current.tokenId}`, status: 403, body: '{"errors":[{"code":"FORBIDDEN","message":"no"}]}' });

    const replay = await h.invoke('finishSecret', secretArn, result.token, env);

    expect(replay.ok).toBe(true);
    expect(replay.logs).toMatch(/names this version, but it holds no token minted for it \(its token could not be looked up: /);
    expect(alive(current.token)).toEqual([true]);
  });

  test('a rotation with another ClientRequestToken (the schedule) revokes only what it always did', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: randomUUID() }] }));
    const before = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;

    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

    expect(alive(before)).toEqual([true]);
  });
});

describe('the README\'s commands', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A token leaked'));
  const commands = /```sh\n([\s\S]*?)```/.exec(section)![1];

  test('run as they are with the AWS CLI (against moto), they tag the secret and start the rotation the function turns into the leak action', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const leaked = (await h.stage(secretArn, 'AWSCURRENT')).value!.token;
    // uuidgen, where the test machine has none
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-bin-'));
    fs.writeFileSync(path.join(bin, 'uuidgen'), '#!/bin/sh\ncat /proc/sys/kernel/random/uuid\n', { mode: 0o755 });
    try {
      execFileSync('bash', ['-euo', 'pipefail', '-c', commands.replace(/^SECRET=.*$/m, `SECRET='${secretArn}'`)], {
        env: {
          PATH: `${process.env.PATH}:${bin}`, HOME: bin, AWS_ENDPOINT_URL: h.moto.endpoint, AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
        },
        stdio: 'pipe',
      });
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    const described = await h.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
    const version = described.Tags?.find((t) => t.Key === REVOKE_ALL_BUT_TAG)?.Value;
    expect(version).toMatch(/^[0-9a-f-]{36}$/);
    expect(described.VersionIdsToStages?.[version!]).toEqual(['AWSPENDING']);

    // what Secrets Manager then invokes, step by step, for that version
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) expect((await h.invoke(step, secretArn, version!, env)).ok).toBe(true);

    expect(alive((await h.stage(secretArn, 'AWSCURRENT')).value!.token, leaked)).toEqual([true, false]);
  });
});

describe('attacks on the leak action', () => {
  test('lambda:InvokeFunction only: an event for the tagged version that Secrets Manager did not stage is refused, and every token stays valid', async () => {
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    const tagged = randomUUID();
    await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: tagged }] }));
    const requests = h.jfrog.requests.length;

    for (const step of ['createSecret', 'testSecret', 'finishSecret']) {
      const result = await h.invokeEvent({ Step: step, SecretId: secretArn, ClientRequestToken: tagged }, env, {});
      expect(result.errorType).toBe('RefusedInvocationError');
    }
    // replayed for AWSCURRENT's own version, which the tag does not name
    const currentVersion = Object.entries(await h.versions(secretArn)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    expect((await h.invokeEvent({ Step: 'finishSecret', SecretId: secretArn, ClientRequestToken: currentVersion }, env, {})).ok).toBe(true);

    expect(h.jfrog.requests.slice(requests).filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(alive(current.token)).toEqual([true]);
  });

  test('PutSecretValue only: a version staged by hand under the tagged token, holding the leaked token, is neither promoted nor used to revoke', async () => {
    const { secretArn, env } = await rotation();
    for (let i = 0; i < 2; i++) expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    const previous = (await h.stage(secretArn, 'AWSPREVIOUS')).value!;
    const tagged = randomUUID();
    await h.sm.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: REVOKE_ALL_BUT_TAG, Value: tagged }] }));
    // the writer races the operator: the tagged version, staged with a copy of the leaked value
    // that looks made from AWSCURRENT
    const currentVersion = Object.entries(await h.versions(secretArn)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    await h.sm.send(new PutSecretValueCommand({
      SecretId: secretArn, ClientRequestToken: tagged, SecretString: JSON.stringify({ ...current, previousVersionId: currentVersion }), VersionStages: ['AWSPENDING'],
    }));

    const result = await h.rotate(secretArn, env, tagged);

    expect(result.failed?.step).toBe('finishSecret');
    expect(result.failed?.result.errorMessage).toMatch(/holds no new token \(its token \S+ is the one the secret held before\); nothing was promoted or revoked/);
    expect((await h.stage(secretArn, 'AWSCURRENT')).value!.token).toBe(current.token);
    expect(alive(current.token, previous.token)).toEqual([true, true]);
    expect((await h.versions(secretArn))[tagged] ?? []).not.toContain('AWSPENDING');
  });

  test('PutSecretValue only: ids of another secret\'s tokens written into the secret are not revoked by the leak action', async () => {
    const other = await rotation();
    expect((await h.rotate(other.secretArn, other.env)).failed).toBeUndefined();
    const otherValue = (await h.stage(other.secretArn, 'AWSCURRENT')).value!;
    const { secretArn, env } = await rotation();
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    // the writer names the other secret's token as this one's (without holding it)
    await h.sm.send(new PutSecretValueCommand({
      SecretId: secretArn, SecretString: JSON.stringify({ ...current, tokenId: otherValue.tokenId, previousTokenId: otherValue.tokenId }),
    }));

    expect((await leakAction(secretArn, env)).failed).toBeUndefined();

    expect(alive(otherValue.token, current.token)).toEqual([true, false]);
  });
});
