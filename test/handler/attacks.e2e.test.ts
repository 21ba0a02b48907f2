import { randomUUID } from 'crypto';
import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { emfRecords, FUNCTION_NAME, Harness } from '../support/harness';

// the second attacker's review (issue 17), each attack run against the bundled handler as Lambda
// runs it, with Secrets Manager (moto) and JFrog (the emulator). Each test names the right the
// attacker holds; README's trust table names the test. Every one failed before its fix.

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
  h.assertNothingLeaked([{ user: USER, password: 'ci-bot-Passw0rd!' }]);
  await h.stop();
});
afterEach(async () => {
  h.jfrog.clearFaults();
  await h.assertInvariantsOfAll();
});

function victim(options: { scope?: string; keyedBy?: 'name' | 'generatedName'; refreshable?: boolean; revokePrevious?: boolean } = {}) {
  return h.adminRotation(adminToken, { ...options, username: USER, scope: options.scope ?? 'applied-permissions/groups:readers', lifetimeSeconds: 61 * DAY });
}

async function rotated(times: number, options: Parameters<typeof victim>[0] = {}) {
  const target = await victim(options);
  for (let i = 0; i < times; i++) expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
  const current = await h.stage(target.secretArn, 'AWSCURRENT');
  const previous = await h.stage(target.secretArn, 'AWSPREVIOUS');
  return { ...target, current, previous };
}

const alive = (...tokens: Array<string | undefined>) => tokens.map((t) => h.jfrog.validToken(t) !== undefined);

/** a value staged as AWSPENDING by hand (PutSecretValue), as a writer of the secret can */
async function stagePending(secretArn: string, value: Record<string, unknown>): Promise<string> {
  const version = randomUUID();
  await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: version, SecretString: JSON.stringify(value), VersionStages: ['AWSPENDING'] }));
  return version;
}

describe('1. a writer of the settings with a look-alike secret gets no token of the victim\'s', () => {
  test('the victim\'s parameter edited to name a secret called "<victim\'s generated name>-<suffix>": every step of the look-alike is refused, nothing is minted', async () => {
    // rights: ssm:PutParameter on the settings path, CreateSecret, RotateSecret on its own secret
    const target = await victim({ keyedBy: 'generatedName' });
    const victimResource = target.secretArn.split(':secret:')[1];
    const lookalike = await h.createSecret({ username: USER }, { name: victimResource });
    const parameterName = `/cdk-jfrog-token-rotation/test/${victimResource}`;
    const settings = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter!.Value!);
    await h.putSettings(parameterName, JSON.stringify({ ...settings, secretArn: lookalike }));
    const requests = h.jfrog.requests.length;

    const result = await h.rotate(lookalike, h.functionEnv());

    expect(result.failed?.step).toBe('createSecret');
    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    expect(result.failed?.result.errorMessage).toMatch(new RegExp(`settings in ${parameterName} are bound to .* which is not the secret its name .* stands for`));
    expect(h.jfrog.requests.length).toBe(requests);
    expect((await h.stage(lookalike, 'AWSCURRENT')).value).toEqual({ username: USER });
    expect(emfRecords(result.failed!.result.logs).find((r) => r.FunctionName === FUNCTION_NAME)?.RefusedInvocations).toBe(1);
    // put back: the victim's own rotation works again
    await h.putSettings(parameterName, JSON.stringify(settings));
    expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
  });

  test('a parameter keyed by a name known at synth cannot be pointed at another secret either', async () => {
    const target = await victim();
    const other = await h.createSecret({ username: USER });
    const parameterName = `/cdk-jfrog-token-rotation/test/${target.secretArn.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '')}`;
    const settings = JSON.parse((await h.ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter!.Value!);
    await h.putSettings(parameterName, JSON.stringify({ ...settings, secretArn: other }));

    const result = await h.rotate(target.secretArn, h.functionEnv());

    expect(result.failed?.result.errorType).toBe('RefusedInvocationError');
    await h.putSettings(parameterName, JSON.stringify(settings));
  });
});

describe('2. a hand-staged AWSPENDING cannot make the function revoke the current or the previous token', () => {
  test('(a) {token: "not-a-token", tokenId: <current token\'s id>} run through testSecret: the current token stays valid', async () => {
    // rights: PutSecretValue on the secret, lambda:InvokeFunction
    const { secretArn, env, current, previous } = await rotated(2);
    const version = await stagePending(secretArn, { ...current.value, token: 'not-a-token', tokenId: current.value!.tokenId });

    const test = await h.invokeEvent({ Step: 'testSecret', SecretId: secretArn, ClientRequestToken: version }, env, {});

    expect(test.ok).toBe(false);
    expect(alive(current.value!.token, previous.value!.token)).toEqual([true, true]);
    expect(await h.stage(secretArn, 'AWSCURRENT')).toEqual(current);
  });

  test('(a) the same with the previous token\'s id: the previous token stays valid', async () => {
    const { secretArn, env, current, previous } = await rotated(2);
    const version = await stagePending(secretArn, { ...current.value, token: 'not-a-token', tokenId: previous.value!.tokenId });

    await h.invokeEvent({ Step: 'testSecret', SecretId: secretArn, ClientRequestToken: version }, env, {});

    expect(alive(current.value!.token, previous.value!.token)).toEqual([true, true]);
  });

  test.each(['x', 'the AWSPREVIOUS version'])('(b) the same value with previousVersionId %s, run through finishSecret: nothing of the current or previous is revoked', async (named) => {
    const { secretArn, env, current, previous } = await rotated(2);
    for (const tokenId of [current.value!.tokenId, previous.value!.tokenId]) {
      const previousVersionId = named === 'x' ? 'x' : previous.versionId;
      const version = await stagePending(secretArn, { ...current.value, token: 'not-a-token', tokenId, previousVersionId });

      const finish = await h.invokeEvent({ Step: 'finishSecret', SecretId: secretArn, ClientRequestToken: version }, env, {});

      expect(finish.ok).toBe(false);
      expect(alive(current.value!.token, previous.value!.token)).toEqual([true, true]);
      expect((await h.stage(secretArn, 'AWSCURRENT')).versionId).toBe(current.versionId);
    }
  });

  test.each(['finishSecret', 'testSecret', 'createSecret'])('(c) AWSPENDING moved onto the AWSPREVIOUS version, %s for it: refused, the previous token stays valid', async (stepName) => {
    // rights: UpdateSecretVersionStage on the secret, lambda:InvokeFunction
    const { secretArn, env, current, previous } = await rotated(2);
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', MoveToVersionId: previous.versionId }));
    const requests = h.jfrog.requests.length;

    const result = await h.invokeEvent({ Step: stepName, SecretId: secretArn, ClientRequestToken: previous.versionId }, env, {});

    expect(result.errorType).toBe('RefusedInvocationError');
    expect(result.errorMessage).toMatch(/is AWSPREVIOUS as well as AWSPENDING/);
    expect(h.jfrog.requests.length).toBe(requests);
    expect(alive(current.value!.token, previous.value!.token)).toEqual([true, true]);
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: previous.versionId }));
  });
});

describe('3. a replayed finishSecret does not kill the rotation in flight', () => {
  test('finishSecret for the AWSCURRENT version between createSecret and finishSecret keeps the pending token; the rotation finishes', async () => {
    // rights: lambda:InvokeFunction alone
    const { secretArn, env, current } = await rotated(2);
    const token = randomUUID();
    expect((await h.invoke('createSecret', secretArn, token, env)).ok).toBe(true);
    const pending = (await h.stage(secretArn, 'AWSPENDING')).value!;

    const replay = await h.invokeEvent({ Step: 'finishSecret', SecretId: secretArn, ClientRequestToken: current.versionId }, env, {});

    expect(replay.ok).toBe(true);
    expect(alive(pending.token)).toEqual([true]);
    for (const step of ['setSecret', 'testSecret', 'finishSecret']) expect((await h.invoke(step, secretArn, token, env)).ok).toBe(true);
    expect((await h.stage(secretArn, 'AWSCURRENT')).value!.token).toBe(pending.token);
  });
});

describe('4. input the invoker controls cannot exhaust the function', () => {
  test('a SecretId of 250,002 characters ("eyJ" repeated) is refused by its length before anything logs it', async () => {
    const { env } = await victim();
    const secretId = 'eyJ'.repeat(83_334);

    const result = await h.invokeEvent({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: randomUUID() }, env, { timeoutMs: 30_000 });

    expect(result.errorType).toBe('RefusedInvocationError');
    expect(result.errorMessage).toMatch(/SecretId is 250002 characters long; Secrets Manager sends an ARN of at most 2048/);
    expect(result.logs).not.toContain('eyJeyJeyJeyJ');
  });

  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('a ClientRequestToken %s is refused as a version Secrets Manager did not stage', async (token) => {
    const { secretArn, env } = await rotated(1);

    const result = await h.invokeEvent({ Step: 'testSecret', SecretId: secretArn, ClientRequestToken: token }, env, {});

    expect(result.errorType).toBe('RefusedInvocationError');
    expect(result.errorMessage).toMatch(/not a staged version/);
  });
});

describe('5. with refreshable, the secret cannot steer the user or scope of the next token', () => {
  test('a planted refresh token of a wider token of the same user: the refreshed token is revoked and a token with the pinned scope minted', async () => {
    const { secretArn, env, current } = await rotated(1, { refreshable: true });
    const wider = h.jfrog.seedRefreshableToken(USER, 'applied-permissions/groups:deployers');
    const planted = { ...current.value, refreshToken: wider.refreshToken };
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(planted) }));
    const before = new Set(h.jfrog.tokens.keys());

    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

    const now = h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value!.token)!;
    expect({ user: now.username, scope: now.scope }).toEqual({ user: USER, scope: 'applied-permissions/groups:readers' });
    const made = [...h.jfrog.tokens.values()].filter((t) => !before.has(t.id));
    expect(made.filter((t) => t.scope !== 'applied-permissions/groups:readers').map((t) => t.revoked)).toEqual([true]);
  });

  test('a planted token and refresh token of another user: no token of that user is stored or left alive', async () => {
    const { secretArn, env, current } = await rotated(1, { refreshable: true });
    h.jfrog.addUser('deployer');
    const other = h.jfrog.seedRefreshableToken('deployer', 'applied-permissions/user');
    const planted = { ...current.value, token: other.accessToken, refreshToken: other.refreshToken };
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(planted) }));
    const before = new Set(h.jfrog.tokens.keys());

    // the refresh is refused as not pinned; the mint with the admin credential makes ci-bot's token
    expect((await h.rotate(secretArn, env)).failed).toBeUndefined();

    const made = [...h.jfrog.tokens.values()].filter((t) => !before.has(t.id));
    expect(made.filter((t) => t.username === 'deployer' && !t.revoked)).toEqual([]);
    const stored = h.jfrog.validToken((await h.stage(secretArn, 'AWSCURRENT')).value!.token);
    expect(stored?.username === 'deployer' && made.includes(stored)).toBe(false);
  });
});

describe('6. low', () => {
  test('revokePrevious: false: a testSecret for an old, unlabelled version does not revoke its token', async () => {
    const target = await victim({ revokePrevious: false });
    const first = await h.rotate(target.secretArn, target.env);
    expect(first.failed).toBeUndefined();
    const old = (await h.stage(target.secretArn, 'AWSCURRENT')).value!;
    for (let i = 0; i < 2; i++) expect((await h.rotate(target.secretArn, target.env)).failed).toBeUndefined();
    expect(Object.keys(await h.versions(target.secretArn))).not.toContain(first.token);

    await h.invokeEvent({ Step: 'testSecret', SecretId: target.secretArn, ClientRequestToken: first.token }, target.env, {});

    expect(alive(old.token)).toEqual([true]);
  });

  test('an expiresAt written far in the past does not set the function-wide expiry headroom: it comes from the token\'s own exp', async () => {
    const { secretArn, env, current } = await rotated(1);
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ ...current.value, expiresAt: '2000-01-01T00:00:00.000Z' }) }));

    const check = await h.healthCheck(secretArn, env);

    expect(check.ok).toBe(true);
    const exp = h.jfrog.validToken(current.value!.token)!.expiry!;
    const reported = emfRecords(check.logs).find((r) => r.SecretName !== undefined)?.SecondsUntilExpiry;
    expect(Math.abs(reported - (exp - Date.now() / 1000))).toBeLessThan(60);
  });

  test('a password echoed past 300 characters is redacted before the detail is cut: no prefix of it survives', async () => {
    const password = 'Sup3r-S3cret-Passw0rd-That-Is-Long';
    h.jfrog.addUser('root', { password, admin: true });
    const credentialsSecretArn = await h.plainSecret({ username: 'root', password });
    const secretArn = await h.createSecret({ username: USER });
    const env = await h.configure(secretArn, { username: USER, scope: 'applied-permissions/user', lifetimeSeconds: 61 * DAY, credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    // the password straddles the 300th character of the detail
    const message = `${'x'.repeat(300 - 'UNAUTHORIZED '.length - 10)}${password}`;
    h.jfrog.inject({ method: 'POST', status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message }] }) });

    const result = await h.rotate(secretArn, env);

    expect(result.failed?.result.errorMessage).toMatch(/UNAUTHORIZED x+\*\*\*/);
    expect(`${result.failed!.result.logs}${result.failed!.result.errorMessage}`).not.toContain(password.slice(0, 10));
  });

  test('an expires_in of 1e20 from JFrog does not fail the step after the mint: the expiry comes from the token', async () => {
    const { secretArn, env } = await victim();
    h.jfrog.inject({ method: 'POST', path: '/access/api/v1/tokens', exactPath: true, setFields: { expires_in: 1e20 } });

    const result = await h.rotate(secretArn, env);

    expect(result.failed).toBeUndefined();
    const now = (await h.stage(secretArn, 'AWSCURRENT')).value!;
    expect(Date.parse(now.expiresAt) / 1000).toBeCloseTo(h.jfrog.validToken(now.token)!.expiry!, -1);
  });
});
