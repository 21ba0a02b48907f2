import { randomUUID } from 'crypto';
import * as https from 'https';
import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { JfrogClient } from '../../src/handler/jfrog-client';
import { JfrogEmulator } from '../emulators/jfrog-emulator';
import { emfRecords, FUNCTION_NAME, Harness, logLines } from '../support/harness';
import { functionArnFor } from '../support/invoke';

// GIVEN the shared rotation function (the bundled handler, run as Lambda runs it) with an admin
// credential, Secrets Manager (moto, staging AWSPENDING as RotateSecret does) and JFrog (the
// emulator); WHEN someone outside the rotation tries to use the function as an attacker would;
// THEN nothing is minted, written, revoked or sent anywhere, and the refusal is counted.

const DAY = 86_400;
const USER = 'ci-bot';
let h: Harness;
let adminToken: string;

beforeAll(async () => {
  h = await Harness.start();
  h.jfrog.addUser(USER, { password: 'ci-bot-Passw0rd!' });
  adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
});
afterAll(async () => {
  h.assertNothingLeaked([{ user: USER, password: 'ci-bot-Passw0rd!' }, { user: 'root', password: 'p"w/1' }]);
  await h.stop();
});
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

function victim(options: { scope?: string; keyedBy?: 'name' | 'generatedName' } = {}) {
  return h.adminRotation(adminToken, { ...options, username: USER, scope: options.scope ?? 'applied-permissions/admin', lifetimeSeconds: 61 * DAY });
}

function refusedCount(logs: string): number | undefined {
  return emfRecords(logs).find((r) => r.FunctionName === FUNCTION_NAME)?.RefusedInvocations;
}

describe('a look-alike secret cannot borrow another rotation\'s settings', () => {
  test('a secret named "<victim\'s generated name>-<victim\'s suffix>" finds the victim\'s settings and is refused before anything is read, written or minted', async () => {
    // the victim's secret has a generated name: its settings are keyed by name plus suffix
    const target = await victim({ keyedBy: 'generatedName' });
    const victimResource = target.secretArn.split(':secret:')[1];
    // a principal that may only create secrets and turn on their rotation
    const lookalike = await h.createSecret({ username: USER }, { name: victimResource });
    expect(lookalike.startsWith(`${target.secretArn}-`)).toBe(true);
    const requests = h.jfrog.requests.length;

    const result = await h.rotate(lookalike, target.env);

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    expect(result.failed?.result.errorMessage).toContain(`belong to ${target.secretArn}, not to ${lookalike}`);
    expect(h.jfrog.requests.length).toBe(requests);
    expect((await h.stage(lookalike, 'AWSCURRENT')).value).toEqual({ username: USER });
    expect((await h.stage(lookalike, 'AWSPENDING')).value).toBeUndefined();
    expect(refusedCount(result.failed!.result.logs)).toBe(1);
    // the victim's own rotation is untouched and still works
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
  });

  test('every step of the look-alike is refused, not only createSecret', async () => {
    const target = await victim({ keyedBy: 'generatedName' });
    const lookalike = await h.createSecret({ username: USER }, { name: target.secretArn.split(':secret:')[1] });
    const token = await h.startRotation(lookalike);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      const result = await h.invokeEvent({ Step: step, SecretId: lookalike, ClientRequestToken: token }, target.env, {});
      expect({ step, errorType: result.errorType }).toEqual({ step, errorType: 'RefusedInvocationError' });
    }
  });
});

describe('the credential goes only to the configured JFrog origin', () => {
  let evil: JfrogEmulator;
  beforeAll(async () => {
    // another host the function can reach, trusted by the same CA (the worst case)
    evil = await JfrogEmulator.start(h.jfrog.tls);
  });
  afterAll(() => evil.stop());

  test.each([
    ['an empty path segment', (e: string) => `${h.jfrog.url}/${e}`],
    ['a dot segment', (e: string) => `${h.jfrog.url}/./${e}`],
    ['a backslash', (e: string) => `${h.jfrog.url}\\\\${e.replace(/^\//, '')}`],
  ])('settings whose jfrogUrl has %s that would name another host are refused, even when allow-listed as written', async (_name, build) => {
    const evilHostPath = `/${new URL(evil.url).host}`;
    const jfrogUrl = build(evilHostPath);
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, {
      username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn, jfrogUrl,
    }, { JFROG_ROTATION_ALLOWED_URLS: `${h.jfrog.url} ${jfrogUrl}` });

    const result = await h.rotate(secretArn, env);

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.result.errorMessage).toMatch(/"jfrogUrl" is refused/);
    expect(evil.requests).toEqual([]);
  });
});

describe('whoever can write the settings parameter cannot widen the next token', () => {
  async function tamperedRotation(edit: (settings: Record<string, any>, other: { credentialsSecretArn: string }) => Record<string, any>) {
    const target = await victim({ scope: 'applied-permissions/groups:readers' });
    // another rotation of the same function, with its own (stronger) credential
    const other = await victim({ scope: 'applied-permissions/admin' });
    const settingsName = `/cdk-jfrog-token-rotation/test/${target.secretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
    const current = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: settingsName }))).Parameter!.Value!);
    await h.putSettings(settingsName, JSON.stringify(edit(current, other)));
    return { target, env: h.functionEnv() };
  }

  test.each<[string, (s: Record<string, any>, o: { credentialsSecretArn: string }) => Record<string, any>]>([
    ['admin scope', (s) => ({ ...s, scope: 'applied-permissions/admin' })],
    ['another user', (s) => ({ ...s, username: 'admin' })],
    ['a longer life', (s) => ({ ...s, lifetimeSeconds: 3650 * DAY })],
    ['another rotation\'s credential', (s, o) => ({ ...s, credentialsSecretArn: o.credentialsSecretArn })],
    ['another credential kind', (s) => ({ ...s, credentialsKind: 'SELF_ROTATING', credentialsSecretArn: undefined })],
    ['another token field', (s) => ({ ...s, tokenField: 'password' })],
    ['no revocation of old tokens', (s) => ({ ...s, revokePrevious: false })],
    ['another project', (s) => ({ ...s, projectKey: 'other' })],
    ['another audience', (s) => ({ ...s, audience: 'jfrt@*' })],
    ['a reference token in another field', (s) => ({ ...s, referenceTokenField: 'leak' })],
    ['the function\'s IAM role instead of the credential', (s) => ({ ...s, credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined })],
  ])('%s: the edited settings are refused before anything is minted', async (_name, edit) => {
    const { target, env } = await tamperedRotation(edit);
    const requests = h.jfrog.requests.length;

    const result = await h.rotate(target.secretArn, env);

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    expect(result.failed?.result.errorMessage).toMatch(/are not the ones deployed for this secret/);
    expect(h.jfrog.requests.length).toBe(requests);
    expect(refusedCount(result.failed!.result.logs)).toBe(1);
  });

  test('settings copied from another rotation (bound to this secret) are refused: a pin binds one secret', async () => {
    const target = await victim({ scope: 'applied-permissions/groups:readers' });
    const strong = await victim({ scope: 'applied-permissions/admin' });
    const name = (arn: string) => `/cdk-jfrog-token-rotation/test/${arn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
    const copied = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: name(strong.secretArn) }))).Parameter!.Value!);
    await h.putSettings(name(target.secretArn), JSON.stringify({ ...copied, secretArn: target.secretArn, metricSecretName: 'x' }));

    const result = await h.rotate(target.secretArn, h.functionEnv());

    expect(result.failed?.result.errorMessage).toMatch(/are not the ones deployed for this secret/);
  });
});

describe('revocation touches only tokens minted for this secret, or held by it', () => {
  test('token ids a writer of the secret plants in its value (another user\'s, another secret\'s) are never revoked', async () => {
    const target = await victim({ scope: 'applied-permissions/user' });
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    h.jfrog.addUser('victim');
    const others = [
      h.jfrog.validToken(h.jfrog.seedToken('victim', 'applied-permissions/user'))!,
      // the same user's token for a look-alike of this secret: its description shares the ARN as a prefix
      h.jfrog.validToken((await new JfrogClient(new URL(h.jfrog.url), {
        remainingMs: () => 60_000, agent: new https.Agent({ ca: h.jfrog.tls.ca }),
      }).createToken({ kind: 'bearer', token: adminToken, source: 'test' }, {
        username: USER, scope: 'applied-permissions/user', expiresInSeconds: 30 * DAY, description: `cdk-jfrog-token-rotation: ${target.secretArn}-XyZ123 version x`,
      })).accessToken)!,
    ];
    const current = (await h.stage(target.secretArn, 'AWSCURRENT')).value!;
    await h.sm.send(new PutSecretValueCommand({
      SecretId: target.secretArn,
      SecretString: JSON.stringify({ ...current, tokenId: others[0].id, previousTokenId: others[1].id }),
    }));

    for (let i = 0; i < 3; i++) expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();

    expect(others.map((t) => h.jfrog.validToken(t.accessToken) !== undefined)).toEqual([true, true]);
    for (const t of others) t.revoked = true;
  });
});

describe('a value written by hand cannot steer what a retried finishSecret revokes', () => {
  test.each(['the version the next rotation promotes', 'its own version'])(
    'previousVersionId planted to name %s: a replayed finishSecret revokes neither the current nor the previous token', async (named) => {
      const target = await victim({ scope: 'applied-permissions/user' });
      expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
      const written = randomUUID();
      const next = randomUUID();
      // the value looks like one the user started with (no previousTokenId): a retried finishSecret reads the version it names
      const { previousTokenId: _dropped, ...current } = (await h.stage(target.secretArn, 'AWSCURRENT')).value!;
      await h.sm.send(new PutSecretValueCommand({
        SecretId: target.secretArn,
        ClientRequestToken: written,
        SecretString: JSON.stringify({ ...current, previousVersionId: named === 'its own version' ? written : next }),
      }));
      expect((await h.rotate(target.secretArn, target.env, next)).failed).toBeUndefined();
      const [now, before] = [(await h.stage(target.secretArn, 'AWSCURRENT')).value!, (await h.stage(target.secretArn, 'AWSPREVIOUS')).value!];

      expect((await h.invoke('finishSecret', target.secretArn, next, target.env)).ok).toBe(true);

      expect([now.token, before.token].map((t) => h.jfrog.validToken(t) !== undefined)).toEqual([true, true]);
    });
});

describe('only steps Secrets Manager started are served', () => {
  test('createSecret for a version Secrets Manager never staged mints nothing and writes nothing', async () => {
    const target = await victim();
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    const versions = await h.versions(target.secretArn);
    const requests = h.jfrog.requests.length;

    const crafted = await h.invokeEvent({ Step: 'createSecret', SecretId: target.secretArn, ClientRequestToken: randomUUID() }, target.env, {});

    expect(crafted.errorType).toBe('RefusedInvocationError');
    expect(crafted.errorMessage).toMatch(/not AWSPENDING: this function serves only the version Secrets Manager stages/);
    expect(h.jfrog.requests.length).toBe(requests);
    expect(await h.versions(target.secretArn)).toEqual(versions);
    expect(refusedCount(crafted.logs)).toBe(1);
  });

  test('finishSecret for the AWSPREVIOUS version (a replay) promotes nothing and revokes nothing', async () => {
    const target = await victim();
    for (let i = 0; i < 2; i++) expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    const previous = await h.stage(target.secretArn, 'AWSPREVIOUS');
    const current = await h.stage(target.secretArn, 'AWSCURRENT');

    const crafted = await h.invokeEvent({ Step: 'finishSecret', SecretId: target.secretArn, ClientRequestToken: previous.versionId }, target.env, {});

    expect(crafted.errorType).toBe('RefusedInvocationError');
    expect(await h.stage(target.secretArn, 'AWSCURRENT')).toEqual(current);
    expect(h.jfrog.validToken(previous.value!.token)).toBeDefined();
  });

  test('a crafted createSecret leaves no AWSPENDING behind: the next scheduled rotation runs', async () => {
    const target = await victim();
    await h.invokeEvent({ Step: 'createSecret', SecretId: target.secretArn, ClientRequestToken: randomUUID() }, target.env, {});
    expect(Object.values(await h.versions(target.secretArn)).flat()).not.toContain('AWSPENDING');
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
  });

  test('a secret whose rotation names another function is refused, even with settings bound to it', async () => {
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: USER }, { functionArn: functionArnFor('someone-elses-rotation') });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'ADMIN_TOKEN', credentialsSecretArn });
    const requests = h.jfrog.requests.length;

    const result = await h.rotate(secretArn, env);

    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    expect(result.failed?.result.errorMessage).toMatch(/is done by arn:aws:lambda:us-east-1:123456789012:function:someone-elses-rotation, not by this function/);
    expect(h.jfrog.requests.length).toBe(requests);
  });
});

describe('a value written by hand during a rotation is kept (both ways Secrets Manager presents it)', () => {
  test.each([
    ['AWSPENDING left on the older pending version', false],
    ['AWSPENDING removed from the pending version', true],
  ])('%s: no promotion, the hand-written value stays AWSCURRENT, the unused token is revoked', async (_name, removeLabel) => {
    const target = await victim({ scope: 'applied-permissions/user' });
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    const token = randomUUID();
    for (const step of ['createSecret', 'setSecret', 'testSecret']) expect((await h.invoke(step, target.secretArn, token, target.env)).ok).toBe(true);
    const pendingToken = (await h.stage(target.secretArn, 'AWSPENDING')).value!.token;
    // an operator pastes a value meanwhile
    const handWritten = { username: USER, token: h.jfrog.seedToken(USER, 'applied-permissions/user'), note: 'pasted by hand' };
    await h.sm.send(new PutSecretValueCommand({ SecretId: target.secretArn, SecretString: JSON.stringify(handWritten) }));
    if (removeLabel) {
      await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: target.secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    }

    const finish = await h.invoke('finishSecret', target.secretArn, token, target.env);

    expect(finish.ok).toBe(false);
    expect(finish.errorMessage).toMatch(removeLabel ? /lost AWSPENDING: the rotation was abandoned/ : /changed during this rotation .* stops without promoting/);
    expect((await h.stage(target.secretArn, 'AWSCURRENT')).value).toEqual(handWritten);
    expect(h.jfrog.validToken(pendingToken)).toBeUndefined();
    expect(Object.values(await h.versions(target.secretArn)).flat()).not.toContain('AWSPENDING');
  });
});

describe('a token left by a rotation that never finished is revoked by the next one', () => {
  test('a cancelled rotation (AWSPENDING removed by an operator, no step ever runs again): the next finished rotation revokes its token', async () => {
    const target = await victim({ scope: 'applied-permissions/user' });
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    const token = randomUUID();
    expect((await h.invoke('createSecret', target.secretArn, token, target.env)).ok).toBe(true);
    const orphan = (await h.stage(target.secretArn, 'AWSPENDING')).value!.token;
    // CancelRotateSecret, then the operator removes the label as AWS tells them to
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: target.secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    expect(h.jfrog.validToken(orphan)).toBeDefined();

    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();

    expect(h.jfrog.validToken(orphan)).toBeUndefined();
    await h.assertInvariants(target.secretArn, USER);
  });
});

describe('redaction', () => {
  test('a short password, its base64 and Basic forms, its JSON-escaped and URL-encoded forms, and a bare Bearer token echoed by JFrog appear nowhere', async () => {
    const password = 'p"w/1';
    h.jfrog.addUser('root', { password, admin: true });
    const credentialsSecretArn = await h.plainSecret({ username: 'root', password });
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();
    const current = (await h.stage(secretArn, 'AWSCURRENT')).value!.token as string;
    // a JFrog (or a proxy) that echoes what it was sent into its error message
    const echoed = [password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password), Buffer.from(password).toString('base64'),
      `Basic ${Buffer.from(`root:${password}`).toString('base64')}`, `Bearer ${current}`, `bearer ${adminToken.slice(-20)}x9`].join(' | ');
    h.jfrog.inject({ method: 'POST', status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `rejected ${echoed}` }] }) });

    const result = await h.rotate(secretArn, env);

    expect(result.failed?.result.errorMessage).toMatch(/HTTP 401: UNAUTHORIZED rejected/);
    const line = logLines(result.failed!.result.logs).find((l) => l.level === 'ERROR')!;
    expect(line.error).toContain('Basic ***');
    const output = `${result.failed!.result.logs}\n${result.failed!.result.errorMessage}`;
    const leaked = [password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password), Buffer.from(password).toString('base64'),
      Buffer.from(`root:${password}`).toString('base64'), current, `${adminToken.slice(-20)}x9`].filter((form) => output.includes(form));
    expect(leaked).toEqual([]);
    // the scan over everything this file's invocations printed runs in afterAll
  });
});
