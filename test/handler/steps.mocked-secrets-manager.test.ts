import * as https from 'https';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RotationConfig } from '../../src/handler/config';
import { JfrogClient } from '../../src/handler/jfrog-client';
import { mintDescription } from '../../src/handler/revocation';
import { SecretStore } from '../../src/handler/secret-store';
import { runStep as runStepUnwatched } from '../../src/handler/steps';
import { JfrogEmulator } from '../emulators/jfrog-emulator';

// the steps against Secrets Manager's documented answers, given by aws-sdk-client-mock (a mock,
// not the service): the corners moto cannot show, such as PutSecretValue refusing to overwrite a
// version, a lost answer, a failed promotion. JFrog stays the emulator.

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf';
const CREDS = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jfrog-admin-XyZabc';
const TOKEN = '6f1b4a7e-0000-4000-8000-000000000001';
const CURRENT_VERSION = '6f1b4a7e-0000-4000-8000-000000000000';
/** the function the secret's rotation names, as Lambda's context gives it to the handler */
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:jfrog-token-rotation';

let jfrog: JfrogEmulator;
let adminToken: string;
const sm = mockClient(SecretsManagerClient);

beforeAll(async () => {
  jfrog = await JfrogEmulator.start();
  adminToken = jfrog.seedToken('admin', 'applied-permissions/admin');
});
// everything the handler printed (Powertools writes warnings to stderr) and every error it threw, scanned for secrets at the end
const printed: string[] = [];
beforeAll(() => {
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    }) as any);
  }
});
afterAll(async () => {
  jest.restoreAllMocks();
  // the emulator stops even when the scan fails, or jest waits for it forever
  try {
    const output = printed.join('');
    expect(output.length).toBeGreaterThan(0);
    const leaked = [...jfrog.tokens.values()].map((t) => t.accessToken).filter((token) => output.includes(token));
    expect(leaked).toEqual([]);
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./);
  } finally {
    await jfrog.stop();
  }
});
beforeEach(() => sm.reset());

/** runStep, with its error (if any) kept for the scan */
async function runStep(...args: Parameters<typeof runStepUnwatched>): Promise<void> {
  try {
    await runStepUnwatched(...args);
  } catch (e) {
    printed.push(`${(e as Error).name}: ${(e as Error).message}\n`);
    throw e;
  }
}

function deps() {
  const config: RotationConfig = {
    jfrogUrl: new URL(jfrog.url),
    username: 'ci-bot',
    scope: 'applied-permissions/user',
    lifetimeSeconds: 86400 * 61,
    tokenField: 'token',
    revokePrevious: true,
    credentialsKind: 'ADMIN_TOKEN',
    credentialsSecretArn: CREDS,
    credentialsField: 'token',
    parameterName: '/cdk-jfrog-token-rotation/test/ci_2fjfrog',
    secretArn: ARN,
    metricSecretName: 'ci/jfrog',
    expiryWarningSeconds: 86400 * 15,
    overdueAfterSeconds: 86400 * 31,
  };
  const agent = new https.Agent({ ca: jfrog.tls.ca });
  return { config, store: new SecretStore(new SecretsManagerClient({ region: 'eu-west-1' })), jfrog: new JfrogClient(config.jfrogUrl, { remainingMs: () => 60_000, agent }), now: () => new Date(), functionArn: FUNCTION };
}

function givenRotationStarted() {
  // RotateSecret made the version with AWSPENDING and no value
  sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' })
    .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for VersionId", $metadata: {} }));
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
  sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });
}

test('createSecret fills the value-less AWSPENDING version that RotateSecret made, passing RotationToken', async () => {
  givenRotationStarted();
  sm.on(PutSecretValueCommand).resolves({ ARN, VersionId: TOKEN, VersionStages: ['AWSPENDING'] });

  await runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN, RotationToken: 'rotation-token-from-event' }, deps(), {});

  const puts = sm.commandCalls(PutSecretValueCommand);
  expect(puts).toHaveLength(1);
  expect(puts[0].args[0].input).toMatchObject({ SecretId: ARN, ClientRequestToken: TOKEN, VersionStages: ['AWSPENDING'], RotationToken: 'rotation-token-from-event' });
  const stored = JSON.parse(puts[0].args[0].input.SecretString!);
  expect(jfrog.validToken(stored.token)).toBeDefined();
});

test('when Secrets Manager refuses to overwrite the version (a concurrent invocation stored first), the minted token is revoked and nothing is promoted', async () => {
  givenRotationStarted();
  sm.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: 'You can\'t modify an existing version, you can only create a new version.', $metadata: {} }));
  const before = jfrog.apiTokens('ci-bot').length;

  await expect(runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
    .rejects.toThrow(/storing the new token as AWSPENDING .* failed \(ResourceExistsException.*the new token was revoked, AWSCURRENT is unchanged/);

  const minted = jfrog.apiTokens('ci-bot').slice(before);
  expect(minted).toHaveLength(1);
  expect(minted[0].revoked).toBe(true);
  expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
});

test('PutSecretValue that failed although the write went through: the stored token is kept, not revoked', async () => {
  givenRotationStarted();
  let stored: string | undefined;
  sm.on(PutSecretValueCommand).callsFake((input) => {
    stored = input.SecretString;
    throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
  });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' })
    .rejectsOnce(new ResourceNotFoundException({ message: 'not yet', $metadata: {} }))
    .callsFake(() => ({ ARN, VersionId: TOKEN, SecretString: stored }));

  const outcome: Record<string, unknown> = {};
  await runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome);

  expect(outcome.result).toBe('minted');
  expect(jfrog.validToken(JSON.parse(stored!).token)).toBeDefined();
});

test('an event without RotationToken sends none', async () => {
  givenRotationStarted();
  sm.on(PutSecretValueCommand).resolves({ ARN, VersionId: TOKEN });
  await runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {});
  expect(sm.commandCalls(PutSecretValueCommand)[0].args[0].input).not.toHaveProperty('RotationToken');
});

/** createSecret, as in a rotation: the AWSPENDING value it stored (the mocks are reset after) */
async function mintPending(): Promise<{ value: string; tokenId: string; token: string }> {
  givenRotationStarted();
  sm.on(PutSecretValueCommand).resolves({ ARN, VersionId: TOKEN });
  await runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {});
  const value = sm.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString!;
  const parsed = JSON.parse(value);
  sm.reset();
  return { value, tokenId: parsed.tokenId, token: parsed.token };
}

test('a secret whose rotation names no function (no RotationLambdaARN) is refused before anything is read', async () => {
  givenRotationStarted();
  sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });

  await expect(runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
    .rejects.toThrow(`the rotation of ${ARN} is done by no function, not by this function (${FUNCTION}); nothing was changed`);
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
});

describe('an AWSPENDING value that is not what createSecret stored: testSecret fails, naming the cause', () => {
  function givenPendingValue(value: string) {
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: value });
  }

  test.each(['testSecret', 'finishSecret'])('not JSON at %s: the message names the version it read', async (step) => {
    givenPendingValue('not json');
    await expect(runStep({ Step: step, SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(`the AWSPENDING version ${TOKEN} of ${ARN} is not JSON`);
  });

  test('not JSON at a repeated createSecret: the message names the version it read', async () => {
    givenRotationStarted();
    givenPendingValue('not json');
    await expect(runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(`the AWSPENDING version ${TOKEN} of ${ARN} is not JSON`);
  });

  test('an AWSCURRENT value that is not JSON at createSecret: the message names it', async () => {
    givenRotationStarted();
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: 'not json' });
    await expect(runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(`the AWSCURRENT value of ${ARN} is not JSON`);
  });

  test('no token in it (createSecret did not finish, or the value was put there by hand)', async () => {
    givenPendingValue('{"username":"ci-bot"}');
    const requests = jfrog.requests.length;

    await expect(runStep({ Step: 'testSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(`the AWSPENDING version ${TOKEN} of ${ARN} has no "token"; createSecret did not finish. Start a new rotation`);
    expect(jfrog.requests.length).toBe(requests);
  });

  test('a token id that is not the token\'s own: JFrog\'s answer wins, the version is not passed', async () => {
    const pending = await mintPending();
    const other = (await mintPending()).tokenId;
    givenPendingValue(JSON.stringify({ ...JSON.parse(pending.value), tokenId: other }));
    const outcome: Record<string, unknown> = {};

    await expect(runStep({ Step: 'testSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome))
      .rejects.toThrow(`JFrog accepted the pending token but reports it as token ${pending.tokenId}, not ${other}; the pending version does not hold the token the rotation minted. Start a new rotation`);
    expect(outcome.result).toBeUndefined();
    // neither token is revoked: the step only fails
    expect(jfrog.validToken(pending.token)).toBeDefined();
    expect(jfrog.tokens.get(other)!.revoked).toBe(false);
  });
});

describe('a pending value without previousVersionId (stored before the field existed): the versions\' dates tell whether AWSCURRENT was written during the rotation', () => {
  const PENDING_CREATED = '2026-01-01T00:00:00Z';
  test.each([
    ['AWSCURRENT created after the pending version: not promoted, the token revoked', '2026-01-01T00:05:00Z', false],
    ['AWSCURRENT created before it: promoted', '2025-12-31T23:55:00Z', true],
    ['both created in the same second: promoted', PENDING_CREATED, true],
  ])('%s', async (_name, currentCreated, promoted) => {
    const pending = await mintPending();
    const { previousVersionId, ...older } = JSON.parse(pending.value);
    expect(previousVersionId).toBe(CURRENT_VERSION);
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: JSON.stringify(older), CreatedDate: new Date(PENDING_CREATED) });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}', CreatedDate: new Date(currentCreated) });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });
    sm.on(UpdateSecretVersionStageCommand).resolves({ ARN });
    const outcome: Record<string, unknown> = {};

    const finish = runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome);

    const moves = () => sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input);
    if (promoted) {
      await finish;
      expect(outcome.result).toBe('promoted');
      expect(moves()).toEqual([{ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: CURRENT_VERSION }]);
      expect(jfrog.validToken(pending.token)).toBeDefined();
    } else {
      await expect(finish).rejects.toThrow(/AWSCURRENT of .* changed during this rotation/);
      expect(moves()).toEqual([{ SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN }]);
      expect(jfrog.validToken(pending.token)).toBeUndefined();
    }
  });
});

describe('a token the step takes back, when JFrog fails to revoke it: the error says so rather than "revoked" (the warning names it, RevocationFailed counts it)', () => {
  const failNextRevocation = () => jfrog.inject({ method: 'DELETE', path: '/access/api/v1/tokens/', status: 500 });

  test('the token minted but not stored (PutSecretValue refused)', async () => {
    givenRotationStarted();
    sm.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: 'You can\'t modify an existing version, you can only create a new version.', $metadata: {} }));
    const before = jfrog.apiTokens('ci-bot').length;
    failNextRevocation();
    const outcome: Record<string, unknown> = {};

    await expect(runStep({ Step: 'createSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome))
      .rejects.toThrow(/failed \(ResourceExistsException: .*\); the new token could not be revoked \(.*it stays valid until it expires\), AWSCURRENT is unchanged/);
    const [minted] = jfrog.apiTokens('ci-bot').slice(before);
    expect(minted.revoked).toBe(false);
    expect(outcome).toMatchObject({ revocation: 'failed', revocationFailures: 1 });
    minted.revoked = true;
  });

  test('the token of an abandoned rotation', async () => {
    const pending = await mintPending();
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });
    failNextRevocation();

    await expect(runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(/lost AWSPENDING: the rotation was abandoned .* and its token could not be revoked \(.*it stays valid until it expires\)/);
    expect(jfrog.validToken(pending.token)).toBeDefined();
    jfrog.tokens.get(pending.tokenId)!.revoked = true;
  });

  test('the token of a rotation during which AWSCURRENT was written', async () => {
    const pending = await mintPending();
    const MANUAL = '6f1b4a7e-0000-4000-8000-000000000004';
    // AWSPREVIOUS is the version the pending token was minted from: read before anything is revoked
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSPREVIOUS' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSPREVIOUS'], [MANUAL]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: MANUAL, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: MANUAL, SecretString: '{"token":"hand-pasted-value-123"}' });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });
    sm.on(UpdateSecretVersionStageCommand).resolves({ ARN });
    failNextRevocation();

    await expect(runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(/changed during this rotation .* without promoting and its token could not be revoked \(.*it stays valid until it expires\)/);
    expect(jfrog.validToken(pending.token)).toBeDefined();
    jfrog.tokens.get(pending.tokenId)!.revoked = true;
  });
});

describe('a secret written during the rotation', () => {
  test.each([
    ['another user\'s token', 'victim'],
    ['a token of the same user minted for another secret', 'other-secret'],
  ])('a token id planted in AWSCURRENT by a writer of the secret is not revoked: %s', async (_name, kind) => {
    const pending = await mintPending();
    const PREVIOUS_VERSION = '6f1b4a7e-0000-4000-8000-00000000000f';
    let planted: string;
    if (kind === 'victim') {
      jfrog.addUser('victim', { password: 'victim-Passw0rd!' });
      planted = jfrog.validToken(jfrog.seedToken('victim', 'applied-permissions/user'))!.id;
    } else {
      // minted by a rotation of another secret for the same user
      const other = await new JfrogClient(new URL(jfrog.url), { remainingMs: () => 60_000, agent: new https.Agent({ ca: jfrog.tls.ca }) })
        .createToken({ kind: 'bearer', token: adminToken, source: 'test' }, { username: 'ci-bot', scope: 'applied-permissions/user', expiresInSeconds: 86400 * 30, description: `cdk-jfrog-token-rotation: ${CREDS} version x` });
      planted = other.tokenId;
    }
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [PREVIOUS_VERSION]: ['AWSPREVIOUS'], [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSCURRENT' })
      .resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: JSON.stringify({ username: 'ci-bot', token: 'written-by-hand', tokenId: 'x', previousTokenId: planted }) });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });
    sm.on(UpdateSecretVersionStageCommand).resolves({ ARN });
    const outcome: Record<string, unknown> = {};

    await runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome);

    // revocation looks at JFrog's list of tokens minted for this secret, never at ids in the value
    expect(outcome).toMatchObject({ result: 'promoted' });
    expect(jfrog.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(planted))).toEqual([]);
    expect(jfrog.tokens.get(planted)!.revoked).toBeFalsy();
  });

  test('a promotion whose answer was lost: the retried call fails, and the label that already moved counts as success', async () => {
    const pending = await mintPending();
    sm.on(DescribeSecretCommand)
      .resolvesOnce({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } })
      .resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSPREVIOUS'], [TOKEN]: ['AWSCURRENT', 'AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    sm.on(UpdateSecretVersionStageCommand).rejects(Object.assign(new Error('Version 6f1b... is not staged as AWSCURRENT'), { name: 'InvalidParameterException' }));
    const outcome: Record<string, unknown> = {};

    await runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome);

    expect(outcome.result).toBe('promoted');
  });

  test('a promotion that fails and did not move the label fails the step, and revokes nothing', async () => {
    const pending = await mintPending();
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    sm.on(UpdateSecretVersionStageCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const lists = jfrog.requests.filter((r) => r.method === 'GET' && r.path === '/access/api/v1/tokens').length;
    const deletes = jfrog.requests.filter((r) => r.method === 'DELETE').length;

    await expect(runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {})).rejects.toThrow(/Rate exceeded/);

    // nothing was promoted, so nothing may be swept: the current token stays the current one
    expect(jfrog.requests.filter((r) => r.method === 'GET' && r.path === '/access/api/v1/tokens').length).toBe(lists);
    expect(jfrog.requests.filter((r) => r.method === 'DELETE').length).toBe(deletes);
    expect(jfrog.validToken(pending.token)).toBeDefined();
  });

  test('Secrets Manager abandoned the rotation (AWSPENDING removed, the version no longer listed): no promotion, the unused token is revoked', async () => {
    const pending = await mintPending();
    const MANUAL = '6f1b4a7e-0000-4000-8000-000000000002';
    // AWSPREVIOUS is the version the pending token was minted from: read before anything is revoked
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSPREVIOUS' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    // DescribeSecret lists only labelled versions: the abandoned one is gone from it
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSPREVIOUS'], [MANUAL]: ['AWSCURRENT'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: MANUAL, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: MANUAL, SecretString: '{"token":"hand-pasted-value-123"}' });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });

    await expect(runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(/lost AWSPENDING: the rotation was abandoned \(the secret was written during it, or the label was removed\) and its token was revoked/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(jfrog.validToken(pending.token)).toBeUndefined();
  });

  test('a step for the AWSPREVIOUS version (a replayed event) changes nothing and revokes nothing', async () => {
    const pending = await mintPending();
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] } });
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value });
    // the version has no AWSPENDING label any more: reading it by that label fails
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).rejects(new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret value for staging label: AWSPENDING', $metadata: {} }));
    const deletes = jfrog.requests.filter((r) => r.method === 'DELETE').length;

    await expect(runStep({ Step: 'testSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(/is AWSPREVIOUS, not AWSPENDING: .*nothing was changed/);
    expect(jfrog.requests.filter((r) => r.method === 'DELETE').length).toBe(deletes);
    expect(jfrog.validToken(pending.token)).toBeDefined();
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  test('AWSCURRENT written during the rotation (AWSPENDING left on the older version): no promotion, the unused token is revoked', async () => {
    const pending = await mintPending();
    const MANUAL = '6f1b4a7e-0000-4000-8000-000000000003';
    // AWSPREVIOUS is the version the pending token was minted from: read before anything is revoked
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: CURRENT_VERSION, VersionStage: 'AWSPREVIOUS' }).resolves({ ARN, VersionId: CURRENT_VERSION, SecretString: '{"username":"ci-bot"}' });
    sm.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [CURRENT_VERSION]: ['AWSPREVIOUS'], [MANUAL]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ARN, VersionId: TOKEN, SecretString: pending.value, CreatedDate: new Date('2026-01-01T00:00:00Z') });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: MANUAL, VersionStage: 'AWSCURRENT' }).resolves({ ARN, VersionId: MANUAL, SecretString: '{"token":"hand-pasted-value-123"}', CreatedDate: new Date('2026-01-01T00:05:00Z') });
    sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });

    await expect(runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), {}))
      .rejects.toThrow(/changed during this rotation .* without promoting and its token was revoked/);
    // AWSCURRENT never moved; AWSPENDING was taken off the revoked token so retries do not loop on it
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
    expect(jfrog.validToken(pending.token)).toBeUndefined();
  });
});

test('a replayed finishSecret whose AWSPREVIOUS cannot be read revokes nothing: the previous token stays valid for readers that cached it', async () => {
  const PREVIOUS_VERSION = '6f1b4a7e-0000-4000-8000-00000000000f';
  const client = new JfrogClient(new URL(jfrog.url), { remainingMs: () => 60_000, agent: new https.Agent({ ca: jfrog.tls.ca }) });
  const admin = { kind: 'bearer' as const, token: adminToken, source: 'the test' };
  const mint = (version: string) => client.createToken(admin, {
    username: 'ci-bot', scope: 'applied-permissions/user', expiresInSeconds: 86400 * 61, description: mintDescription(ARN, version),
  });
  const [previous, current] = [await mint(PREVIOUS_VERSION), await mint(TOKEN)];
  sm.on(DescribeSecretCommand).resolves({
    ARN, RotationEnabled: true, RotationLambdaARN: FUNCTION, VersionIdsToStages: { [TOKEN]: ['AWSCURRENT'], [PREVIOUS_VERSION]: ['AWSPREVIOUS'] },
  });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSCURRENT' })
    .resolves({ ARN, VersionId: TOKEN, SecretString: JSON.stringify({ username: 'ci-bot', token: current.accessToken, tokenId: current.tokenId }) });
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: PREVIOUS_VERSION, VersionStage: 'AWSPREVIOUS' })
    .rejects(Object.assign(new Error('Access to KMS is not allowed'), { name: 'AccessDeniedException' }));
  sm.on(GetSecretValueCommand, { SecretId: CREDS, VersionStage: 'AWSCURRENT' }).resolves({ ARN: CREDS, SecretString: JSON.stringify({ token: adminToken }) });

  const outcome: Record<string, unknown> = {};
  await runStep({ Step: 'finishSecret', SecretId: ARN, ClientRequestToken: TOKEN }, deps(), outcome);

  expect(outcome.result).toBe('already-current');
  // the sweep would keep only what it could read: AWSPREVIOUS's token would go
  expect(jfrog.validToken(previous.accessToken)).toBeDefined();
  expect(jfrog.validToken(current.accessToken)).toBeDefined();
});
