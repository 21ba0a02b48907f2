import { clearCredentialCache } from '../../src/handler/steps';
import { Harness } from '../support/harness';
import { DAY, InProcessSteps, USER } from '../support/in-process-steps';

// the README's table "JFrog versions and settings" as a matrix: every credential kind on each
// JFrog version the emulator answers as, three rotations each, through the steps module in this
// process (moto and the emulator; as steps.test.ts, but kept out of the mutation run, whose
// time it would double)

let h: Harness;
let steps: InProcessSteps;

beforeAll(async () => {
  steps = await InProcessSteps.start();
  h = steps.h;
});
afterAll(() => h.stop());
afterEach(async () => {
  clearCredentialCache();
  await h.assertInvariantsOfAll();
});

describe('the compatibility matrix: every credential kind on every JFrog version (README "JFrog versions and settings")', () => {
  // each version a gate opens at: 7.37.9 refresh, 7.50.3 force_revocable, 7.53.1 /tokens/me,
  // 7.63.2 basic credentials mint, 7.90.10 the AWS IAM role exchange
  const VERSIONS = ['7.21.1', '7.37.9', '7.50.3', '7.53.1', '7.63.2', '7.90.10', '7.104.5'];
  const KINDS = ['adminToken', 'usernamePassword', 'selfRotating', 'selfRotating, refreshable', 'awsIamRole'] as const;
  const ROLE = 'arn:aws:iam::123456789012:role/jfrog-rotation-matrix';
  beforeAll(() => {
    h.jfrog.addUser('matrix-admin', { password: 'm4trix-Passw0rd!', admin: true });
    // the function's role, mapped to an admin (what PUT /access/api/v1/aws/iam_role records)
    h.jfrog.awsKeys.set('testing', { secretAccessKey: 'testing', roleArn: ROLE, sessionToken: 'testing-session' });
    h.jfrog.iamRoleMappings.set(ROLE, 'matrix-admin');
  });
  afterEach(() => {
    h.jfrog.version = '7.104.5';
  });

  async function secretFor(kind: typeof KINDS[number]) {
    const user = { username: USER, lifetimeSeconds: 61 * DAY };
    if (kind === 'adminToken') return steps.setup();
    if (kind === 'usernamePassword') {
      const credentialsSecretArn = await h.plainSecret({ username: 'matrix-admin', password: 'm4trix-Passw0rd!' });
      return steps.setup({ username: USER }, { credentialsKind: 'USERNAME_PASSWORD', credentialsSecretArn });
    }
    if (kind === 'awsIamRole') return steps.setup({ username: USER }, { credentialsKind: 'AWS_IAM_ROLE', credentialsSecretArn: undefined });
    const refreshable = kind === 'selfRotating, refreshable';
    const seed = refreshable ? h.jfrog.seedRefreshableToken(USER, 'applied-permissions/user') : { accessToken: h.jfrog.seedToken(USER, 'applied-permissions/user') };
    const secretArn = await h.createSecret({ username: USER, token: seed.accessToken, ...('refreshToken' in seed ? { refreshToken: seed.refreshToken } : {}) });
    await h.configure(secretArn, { ...user, scope: 'applied-permissions/user', credentialsKind: 'SELF_ROTATING', refreshable });
    return { secretArn, env: h.functionEnv() };
  }

  const cells = VERSIONS.flatMap((version) => KINDS.map((kind) => [kind, version] as const));
  test.each(cells)('%s on %s', async (kind, version) => {
    h.jfrog.version = version;
    clearCredentialCache();
    const { secretArn, env } = await secretFor(kind);
    const before = h.jfrog.requests.length;
    const results = [];
    for (let i = 0; i < 3 && !results.at(-1)?.failed; i++) results.push(await steps.rotate(secretArn, env));
    const requests = h.jfrog.requests.slice(before);
    const [major, minor, patch] = version.split('.').map(Number);
    const number = major * 1e6 + minor * 1e3 + patch;
    if (kind === 'awsIamRole' && number < 7_090_010) {
      // no exchange before 7.90.10: the first rotation fails and says so
      expect(results[0].failed?.error?.message).toMatch(/7\.90\.10/);
      expect(requests.filter((r) => r.method === 'POST' && r.path === '/access/api/v1/tokens')).toEqual([]);
      return;
    }
    if (kind === 'usernamePassword' && number < 7_063_002) {
      // basic credentials create tokens from 7.63.2 (JFrog's Create Token reference): the first
      // rotation fails naming the version and the admin token, and nothing was minted
      expect(results).toHaveLength(1);
      expect(results[0].failed?.error?.message).toMatch(/HTTP 401.*older than Artifactory 7\.63\.2.*JfrogCredentials\.adminToken/);
      expect(requests.filter((r) => r.grantType).map((r) => `${r.grantType}:${r.status}`)).toEqual(['client_credentials:401']);
      return;
    }
    expect(results.map((r) => r.failed)).toEqual([undefined, undefined, undefined]);
    // how the new tokens were made: a refresh from 7.37.9 once there is a refresh token, else a mint
    const grants = requests.filter((r) => r.grantType).map((r) => `${r.grantType}:${r.status}`);
    if (kind === 'selfRotating, refreshable') {
      expect(grants).toEqual(version === '7.21.1'
        ? ['refresh_token:400', 'client_credentials:200', 'refresh_token:400', 'client_credentials:200', 'refresh_token:400', 'client_credentials:200']
        : ['refresh_token:200', 'refresh_token:200', 'refresh_token:200']);
    } else {
      expect(grants).toEqual(['client_credentials:200', 'client_credentials:200', 'client_credentials:200']);
    }
    // the rotations' own tokens: the current and the previous live, the one before is revoked.
    // A refresh revokes the token it refreshes (the emulator's default, revokeOnRefresh): then
    // the current alone
    const refreshed = grants.at(-1) === 'refresh_token:200';
    const held = [(await steps.current(secretArn)).tokenId, ...(refreshed ? [] : [(await h.stage(secretArn, 'AWSPREVIOUS')).value!.tokenId])];
    const live = h.jfrog.liveApiTokens(USER).filter((t) => t.description?.includes(secretArn)).map((t) => t.id);
    expect(live.sort()).toEqual(held.sort());
  });
});
