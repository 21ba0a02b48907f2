import { spawnSync } from 'child_process';
import * as path from 'path';

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

test('npm run demo refuses a real JFrog without an admin token, before it starts anything', () => {
  const root = path.join(__dirname, '..');
  const env = { ...process.env, NODE_NO_WARNINGS: '1' };
  delete env.JFROG_ADMIN_TOKEN;
  const run = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', 'tsconfig.dev.json', 'scripts/demo.ts', '--jfrog-url', 'https://acme.jfrog.io'], {
    cwd: root, encoding: 'utf8', timeout: 60_000, env,
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr + run.stdout).toMatch(/--jfrog-url needs an admin token: --admin-token-file FILE or the JFROG_ADMIN_TOKEN environment variable/);
  expect(run.stdout).not.toMatch(/synthesizing/);
});
