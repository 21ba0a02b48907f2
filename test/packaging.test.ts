import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// no package without its handler: a tarball without assets/handler/rotation.lambda installs fine and
// fails the synth of every app that uses it. GIVEN the project's tasks in a folder without the
// bundle (a clone compiled but not bundled), WHEN a packaging task runs, THEN it fails naming
// `npx projen bundle` before jsii-pacmak packs anything.

const root = path.join(__dirname, '..');
const projen = require.resolve('projen/bin/projen');
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfrog-packaging-'));
  fs.cpSync(path.join(root, '.projen'), path.join(work, '.projen'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(work, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test.each(['package:js', 'package:python', 'package:java'])('npx projen %s refuses to pack without the bundled handler and names npx projen bundle', (task) => {
  // WHEN
  const run = spawnSync(process.execPath, [projen, task], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  // THEN
  expect(run.status).not.toBe(0);
  // the check's own line (projen also echoes the command that prints it)
  expect(run.stderr).toMatch(/^cannot package: assets\/handler\/rotation\.lambda\/index\.js \(the bundled rotation handler\) is missing.*Run: npx projen bundle/m);
  expect(run.stdout + run.stderr).not.toMatch(/jsii-pacmak/);
  expect(fs.existsSync(path.join(work, 'dist'))).toBe(false);
});

test('with the bundle in place the check passes (the test task bundles before the tests run)', () => {
  const run = spawnSync(process.execPath, [projen, 'check-handler-asset'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
});
