import { spawn } from 'child_process';
import * as path from 'path';
import { JfrogEmulator } from './emulators/jfrog-emulator';

// the README's main job, run as the README writes it: `npm run demo -- <options>`, through npm,
// projen's task and its bundle step, so that an option the task drops on the way is caught here

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface DemoRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** the last line the demo printed on stdout: what it says it tested */
  readonly lastLine: string;
}

function runDemo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<DemoRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('JFROG_ADMIN_TOKEN' in env)) delete childEnv.JFROG_ADMIN_TOKEN;
  return new Promise((resolve, reject) => {
    // async, not spawnSync: a test's own JFrog emulator must answer while the demo runs
    const child = spawn(npm, ['run', 'demo', '--', ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, lastLine: stdout.trimEnd().split('\n').pop() ?? '' }));
  });
}

/** what a failed run shows in the test's failure message */
const outcome = (run: DemoRun) => ({ status: run.status, tail: run.status === 0 ? '' : `${run.stdout.slice(-1500)}\n${run.stderr.slice(-1500)}` });

test('npm run demo: three rotations through the synthesized handler against the local emulator, the oldest token revoked', async () => {
  const run = await runDemo([]);
  expect(outcome(run)).toEqual({ status: 0, tail: '' });
  const out = run.stdout;
  expect(out).toMatch(/JFrog Access API \(emulator\): https:\/\/127\.0\.0\.1:\d+/);
  expect(out).toMatch(/3\. the secret before/);
  // three rotations, then the leak action's
  expect(out.match(/✓ (createSecret|setSecret|testSecret|finishSecret)/g)).toHaveLength(16);
  expect(out).toMatch(/✓ finishSecret\s+AWSCURRENT → \S+, revoked \S+/);
  expect(out).toMatch(/AWSPENDING,AWSCURRENT|AWSCURRENT,AWSPENDING/);
  // the label pair is explained, with AWS's documented reason
  expect(out).toMatch(/AWSPENDING,AWSCURRENT on one version is a finished rotation: AWS's RotateSecret reference allows AWSPENDING to stay on the version that became AWSCURRENT/);
  // the deployment's wait: a wrong admin token fails it with the step's own error; fixed, it succeeds
  expect(out).toMatch(/✗ the deployment fails: the first rotation of arn:aws:secretsmanager:\S+ci\/jfrog-token-\w+ failed at createSecret: JFrog refused to create a token \(HTTP 401/);
  expect(out).toMatch(/✓ the deployment succeeds: the wait reran the staged rotation, AWSCURRENT holds token \S+/);
  // the event consumers get (issue 19.5): one per promotion, ids and dates only
  expect(out).toMatch(/4b\. consumers learn of each new token: the "JFrog Token Rotated" event/);
  expect(out).toMatch(/4 event\(s\) received; the last one's detail/);
  expect(out).toMatch(/"result": "promoted"/);
  // the leak action (issue 19.4): after it, the new token alone lives
  expect(out).toMatch(/4c\. a token leaked: the leak action tags the secret \(cdk-jfrog-token-rotation:revoke-all-but=\S+\)/);
  expect(out).toMatch(/JFrog accepts 1 token\(s\) of ci-bot now: \S+ \(AWSCURRENT alone\)/);
  expect(out).toMatch(/JFrog accepts 1 of the 5 tokens minted: \S+ \(AWSCURRENT, after the leak action\)/);
  expect(run.lastLine).toBe('dry run complete: mint, verify, promote and revoke all worked against the local JFrog emulator');
  // the demo prints token ids, never tokens
  expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
}, 300_000);

test('npm run demo -- --credentials aws-iam-role --rotations 1: the options reach the demo, which exchanges the function\'s IAM role for the token that mints', async () => {
  const run = await runDemo(['--credentials', 'aws-iam-role', '--rotations', '1']);
  expect(outcome(run)).toEqual({ status: 0, tail: '' });
  expect(run.stdout).toMatch(/IAM role arn:aws:iam::123456789012:role\/jfrog-token-rotation-demo mapped to the JFrog admin user 'rotator'/);
  expect(run.stdout).toMatch(/credentials AWS_IAM_ROLE/);
  expect(run.stdout).toMatch(/4\.1 rotation 1 of 1 /);
  expect(run.stdout).not.toMatch(/rotation 2 of/);
  // the one rotation, then the leak action's
  expect(run.stdout.match(/✓ (createSecret|setSecret|testSecret|finishSecret)/g)).toHaveLength(8);
  // deploy, map, deploy again with the wait
  expect(run.stdout).toMatch(/✗ the deployment fails: the first rotation of \S+ failed at createSecret: .*IAM role/);
  expect(run.stdout).toMatch(/the admin maps the role \(PUT \/access\/api\/v1\/aws\/iam_role\), then deploys again\n\s+✓ the deployment succeeds/);
  expect(run.stdout).toMatch(/JFrog accepts 1 of the 3 tokens minted/);
  expect(run.lastLine).toBe('dry run complete: mint, verify, promote and revoke all worked against the local JFrog emulator');
}, 300_000);

test('npm run demo -- --jfrog-url URL --username NAME: mints, verifies and revokes at that JFrog, not at the local emulator, and leaves no token behind', async () => {
  // a stand-in for a real JFrog: the emulator, trusted through NODE_EXTRA_CA_CERTS as a private CA would be
  const jfrog = await JfrogEmulator.start();
  try {
    const adminToken = jfrog.seedToken('admin', 'applied-permissions/admin');
    const run = await runDemo(['--jfrog-url', jfrog.url, '--username', 'pipeline-bot', '--rotations', '2'],
      { JFROG_ADMIN_TOKEN: adminToken, NODE_EXTRA_CA_CERTS: jfrog.tls.caPath });
    expect(outcome(run)).toEqual({ status: 0, tail: '' });
    expect(run.stdout).toContain(`JFrog: ${jfrog.url} (from --jfrog-url; tokens for pipeline-bot)`);
    expect(run.stdout).not.toMatch(/JFrog Access API \(emulator\)/);
    expect(run.stdout).toMatch(/6\. cleaning up/);
    // the tokens were minted at the JFrog the URL names, for the user the options name
    expect(jfrog.apiTokens('pipeline-bot')).toHaveLength(2);
    expect(jfrog.liveApiTokens('pipeline-bot')).toEqual([]);
    expect(run.lastLine).toBe(`dry run complete: mint, verify, promote and revoke all worked against the JFrog at ${jfrog.url}`);
    expect(run.stdout + run.stderr).not.toContain(adminToken);
  } finally {
    await jfrog.stop();
  }
}, 300_000);

test('npm run demo -- --jfrog-url https://acme.jfrog.io --username ci-bot (the README\'s line) without an admin token is refused before anything starts', async () => {
  // refused while reading the options: nothing is synthesized, started or asked over the network
  const run = await runDemo(['--jfrog-url', 'https://acme.jfrog.io', '--username', 'ci-bot']);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/npm run demo: --jfrog-url needs an admin token: --admin-token-file FILE or the JFROG_ADMIN_TOKEN environment variable/);
  expect(run.stdout).not.toMatch(/synthesizing|dry run complete/);
}, 120_000);

test.each<[string, string[], RegExp]>([
  ['an unknown option (a typo that used to run against the emulator)', ['--jfrog-ulr', 'https://acme.jfrog.io'],
    /npm run demo: unknown option '--jfrog-ulr'; the options are --rotations, --username, --credentials, --jfrog-url, --admin-token-file and --help/],
  ['an option without its value', ['--rotations'], /npm run demo: --rotations needs a value: --rotations N/],
  ['an admin token file without a JFrog URL', ['--admin-token-file', 'token.txt'], /npm run demo: --admin-token-file goes with --jfrog-url/],
])('npm run demo refuses %s with a clear message and a non-zero exit', async (_name, args, message) => {
  const run = await runDemo(args);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toMatch(/npm run demo -- --help lists the options/);
  expect(run.stdout).not.toMatch(/synthesizing|dry run complete/);
}, 120_000);

test('npm run demo -- --help prints the demo\'s own help, every option in it', async () => {
  const run = await runDemo(['--help']);
  expect(outcome(run)).toEqual({ status: 0, tail: '' });
  expect(run.stdout).toMatch(/usage: npm run demo -- \[options\]/);
  for (const flag of ['--rotations N', '--username NAME', '--credentials KIND', '--jfrog-url URL', '--admin-token-file FILE', '--help, -h', 'JFROG_ADMIN_TOKEN', 'NODE_EXTRA_CA_CERTS']) {
    expect(run.stdout).toContain(flag);
  }
  expect(run.stdout).not.toMatch(/synthesizing/);
}, 120_000);
