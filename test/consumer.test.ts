import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';

// what a published package would miss: GIVEN the library packed with `npm pack` and installed
// from the tarball into a copy of examples/typescript, WHEN that app synthesizes, THEN the
// template and the bundled handler asset are complete.

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let tarball: string;
let templatePath: string;
let assemblyDir: string;

beforeAll(() => {
  const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
    execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  // lib/ from the current sources (the test task bundles the handler into assets/ first)
  run(process.execPath, [require.resolve('jsii/bin/jsii'), '--silence-warnings=reserved-word'], root, { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfrog-consumer-'));
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root));
  tarball = path.join(work, packed[0].filename);

  // the example as a user's project has it: importing the package by name
  for (const file of ['app.ts', 'stack.ts']) {
    const source = fs.readFileSync(path.join(root, 'examples', 'typescript', file), 'utf8');
    fs.writeFileSync(path.join(work, file), source.replace(/from '\.\.\/\.\.\/src';.*$/m, "from 'cdk-jfrog-token-rotation';"));
  }
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const cdk = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')).version;
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `aws-cdk-lib@${cdk}`, 'constructs@^10'], work);
  run(process.execPath, [require.resolve('typescript/bin/tsc'), 'app.ts', 'stack.ts', '--outDir', 'out', '--module', 'commonjs', '--target', 'es2022', '--esModuleInterop', '--skipLibCheck', '--strict',
    '--typeRoots', path.join(root, 'node_modules', '@types'), '--types', 'node'], work);
  const out = run(process.execPath, ['out/app.js'], work, { CDK_OUTDIR: path.join(work, 'cdk.out') });
  templatePath = /synthesized JfrogTokenRotationExample: (\S+)/.exec(out)![1];
  assemblyDir = path.dirname(templatePath);
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the packed library synthesizes the example app', () => {
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
  const types = Object.values<any>(template.Resources).map((r) => r.Type);
  expect(types).toEqual(expect.arrayContaining([
    'AWS::SecretsManager::Secret', 'AWS::SecretsManager::RotationSchedule', 'AWS::SSM::Parameter', 'AWS::Lambda::Function',
    'AWS::Lambda::Permission', 'AWS::CloudWatch::Alarm', 'AWS::Events::Rule',
  ]));
});

test('the handler asset in the tarball is the bundled handler, self-contained', () => {
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
  const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
  const manifest = JSON.parse(fs.readFileSync(templatePath.replace(/\.template\.json$/, '.assets.json'), 'utf8'));
  const asset = manifest.files[String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')];
  const code = fs.readFileSync(path.join(assemblyDir, asset.source.path, 'index.js'), 'utf8');
  expect(code.includes('PutSecretValue')).toBe(true);
  // everything but Node's own modules is inside (the AWS SDK's error message that tells how to
  // register its optional CRT signer quotes `[require("@aws-sdk/signature-v4-crt");]`: text, not a call)
  const external = [...new Set([...code.matchAll(/(?<!\[)require\("([^"]+)"\)/g)].map((m) => m[1]))]
    .filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
  expect(external).toEqual([]);
});

test('the tarball ships the construct and its asset, not the tests or the handler sources', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  expect(files).toEqual(expect.arrayContaining(['package/lib/index.js', 'package/assets/handler/rotation.lambda/index.js', 'package/.jsii', 'package/README.md']));
  expect(files.filter((f) => /^package\/(test|src|examples|scripts|\.ci|lib\/handler)\//.test(f))).toEqual([]);
});

test('aws-cdk-lib and constructs are peers, and nothing else is needed at run time', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(work, 'node_modules', 'cdk-jfrog-token-rotation', 'package.json'), 'utf8'));
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(pkg.bundledDependencies ?? []).toEqual([]);
});
