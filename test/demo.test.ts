import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { JfrogEmulator } from './emulators/jfrog-emulator';

// the README's main job: `npm run demo` dry-runs three rotations against both emulators
test('npm run demo: three rotations through the synthesized handler, the oldest token revoked', () => {
  const root = path.join(__dirname, '..');
  const run = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'scripts/demo.ts', '--rotations', '3'], {
    cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const out = run.stdout;
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(out).toMatch(/3\. the secret before/);
  expect(out.match(/✓ (createSecret|setSecret|testSecret|finishSecret)/g)).toHaveLength(12);
  expect(out).toMatch(/✓ finishSecret\s+AWSCURRENT → \S+, revoked \S+/);
  expect(out).toMatch(/AWSPENDING,AWSCURRENT|AWSCURRENT,AWSPENDING/);
  expect(out).toMatch(/JFrog accepts 2 of the 3 tokens minted/);
  expect(out).toMatch(/dry run complete/);
  // the demo prints token ids, never tokens
  expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
});

test('npm run demo -- --credentials aws-iam-role: the bundled handler exchanges the function\'s IAM role for the token that mints', () => {
  const root = path.join(__dirname, '..');
  const run = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'scripts/demo.ts', '--credentials', 'aws-iam-role', '--rotations', '3'], {
    cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/IAM role arn:aws:iam::123456789012:role\/jfrog-token-rotation-demo mapped to the JFrog admin user 'rotator'/);
  expect(run.stdout).toMatch(/credentials AWS_IAM_ROLE/);
  expect(run.stdout.match(/✓ (createSecret|setSecret|testSecret|finishSecret)/g)).toHaveLength(12);
  expect(run.stdout).toMatch(/JFrog accepts 2 of the 3 tokens minted/);
});

test('npm run demo refuses a real JFrog without an admin token, before it starts anything', () => {
  const root = path.join(__dirname, '..');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  delete env.JFROG_ADMIN_TOKEN;
  const run = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'scripts/demo.ts', '--jfrog-url', 'https://acme.jfrog.io'], {
    cwd: root, encoding: 'utf8', timeout: 60_000, env,
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr + run.stdout).toMatch(/--jfrog-url needs an admin token: --admin-token-file FILE or the JFROG_ADMIN_TOKEN environment variable/);
  expect(run.stdout).not.toMatch(/synthesizing/);
});

test('npm run demo --jfrog-url: mints, verifies and revokes at that JFrog, and leaves no token behind', async () => {
  // a stand-in for a real JFrog: the emulator, trusted through NODE_EXTRA_CA_CERTS as a private CA would be
  const jfrog = await JfrogEmulator.start();
  try {
    const adminToken = jfrog.seedToken('admin', 'applied-permissions/admin');
    const root = path.join(__dirname, '..');
    const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'scripts/demo.ts',
      '--jfrog-url', jfrog.url, '--username', 'pipeline-bot', '--rotations', '2'], {
      cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1', JFROG_ADMIN_TOKEN: adminToken, NODE_EXTRA_CA_CERTS: jfrog.tls.caPath },
    });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect({ status, tail: out.slice(-600) }).toEqual({ status: 0, tail: expect.stringContaining('dry run complete') });
    expect(out).toMatch(/JFrog: https:\/\/127\.0\.0\.1:\d+ \(real; tokens for pipeline-bot\)/);
    expect(out).toMatch(/6\. cleaning up/);
    const minted = jfrog.apiTokens('pipeline-bot');
    expect(minted).toHaveLength(2);
    expect(jfrog.liveApiTokens('pipeline-bot')).toEqual([]);
    expect(out).not.toContain(adminToken);
  } finally {
    await jfrog.stop();
  }
  // a synth and two rotations in child processes: 45 s alone, more beside other test files
}, 120_000);
