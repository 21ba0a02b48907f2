// npm run bench: figures for the handler, a rotation and synthesis, each a median of repeated
// runs beside its baseline in the same run. prints; asserts nothing. see BENCHMARKS.md.
import { spawnSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { buildSync } from 'esbuild';
import { JfrogCredentials, JfrogTokenRotation, JfrogTokenScope } from '../src';
import { redact, registerSecret, forgetSecrets } from '../src/handler/redact';
import { STEPS } from '../src/handler/steps';
import { Harness } from '../test/support/harness';
import { runHandler, RunnerReport } from '../test/support/invoke';
import { freePort } from '../test/support/ports';

const ROOT = path.join(__dirname, '..');
const HANDLER = path.join(ROOT, 'assets', 'handler', 'rotation.lambda', 'index.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const row = (cells: string[], widths: number[]) => console.log(`  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`);

function timeNode(args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; maxRssKb: number } {
  const script = `${args.join(' ')};process.stdout.write(String(process.resourceUsage().maxRSS))`;
  const t0 = process.hrtime.bigint();
  const out = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out.status !== 0) throw new Error(`node -e failed: ${out.stderr}`);
  return { ms: elapsed, maxRssKb: Number(out.stdout) };
}

/** the same two API clients the handler needs, from the AWS SDK: what the handler would weigh with it */
function sdkBaselineBundle(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sdk-'));
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, [
    "import { SecretsManagerClient, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';",
    "import { SSMClient, GetParametersCommand } from '@aws-sdk/client-ssm';",
    'export const clients = [SecretsManagerClient, DescribeSecretCommand, SSMClient, GetParametersCommand];',
  ].join('\n'));
  const outfile = path.join(dir, 'index.js');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node24', minify: true, keepNames: true, outfile, logLevel: 'error', nodePaths: [path.join(ROOT, 'node_modules')] });
  return outfile;
}

/**
 * the handler built the other way: the AWS SDK left out of the bundle, for the one the Lambda
 * runtime provides (here the same version, unbundled from node_modules, as the runtime keeps it)
 */
function handlerWithRuntimeSdk(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runtime-sdk-'));
  const outfile = path.join(dir, 'index.js');
  buildSync({
    entryPoints: [path.join(ROOT, 'src', 'handler', 'rotation.lambda.ts')], bundle: true, platform: 'node', target: 'node24', minify: true, keepNames: true,
    external: ['@aws-sdk/*'], outfile, logLevel: 'error', nodePaths: [path.join(ROOT, 'node_modules')],
  });
  return outfile;
}

function handlerFigures(): void {
  console.log('\n1. Handler (the bundled asset Lambda runs)');
  const sdk = sdkBaselineBundle();
  const runtimeSdk = handlerWithRuntimeSdk();
  const quiet = { ...process.env, NODE_NO_WARNINGS: '1' };
  // the runtime's SDK is found on NODE_PATH, as Lambda's /var/runtime/node_modules is
  const withRuntime = { ...quiet, NODE_PATH: path.join(ROOT, 'node_modules') };
  const runs = { bare: [] as number[], handler: [] as number[], sdk: [] as number[], runtime: [] as number[] };
  const rss = { bare: [] as number[], handler: [] as number[], sdk: [] as number[], runtime: [] as number[] };
  const load = (file: string, env: NodeJS.ProcessEnv, key: keyof typeof runs) => {
    const r = timeNode(file ? [`require(${JSON.stringify(file)})`] : [''], env);
    runs[key].push(r.ms); rss[key].push(r.maxRssKb);
  };
  // interleaved, after a warm-up, so disk cache and CPU frequency treat all alike
  timeNode([`require(${JSON.stringify(HANDLER)})`], quiet);
  timeNode([`require(${JSON.stringify(runtimeSdk)})`], withRuntime);
  for (let i = 0; i < RUNS; i++) {
    load('', quiet, 'bare');
    load(HANDLER, quiet, 'handler');
    load(sdk, quiet, 'sdk');
    load(runtimeSdk, withRuntime, 'runtime');
  }
  const widths = [52, 14, 18, 12, 12];
  const sdkMs = median(runs.sdk);
  row(['', 'bundle bytes', 'cold start (median)', 'ratio to bare', 'to SDK only'], widths);
  const line = (name: string, bytes: string, key: keyof typeof runs) =>
    row([name, bytes, ms(median(runs[key])), (median(runs[key]) / median(runs.bare)).toFixed(2), (median(runs[key]) / sdkMs).toFixed(2)], widths);
  line("bare node -e ''", '-', 'bare');
  line('the handler, SDK bundled (what the construct ships)', String(fs.statSync(HANDLER).size), 'handler');
  line('the handler on the runtime\'s SDK (SDK not bundled)', String(fs.statSync(runtimeSdk).size), 'runtime');
  line('baseline: a bundle of only the two SDK clients', String(fs.statSync(sdk).size), 'sdk');
  console.log(`  peak RSS after load: bare ${mb(median(rss.bare))}, handler ${mb(median(rss.handler))}, on the runtime's SDK ${mb(median(rss.runtime))}, SDK only ${mb(median(rss.sdk))} (${RUNS} runs each)`);
}

/** a proxy in front of moto that counts the requests per API */
async function countingProxy(target: string) {
  const counts = { secretsManager: 0, ssm: 0 };
  const port = await freePort();
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '');
    if (operation.startsWith('secretsmanager.')) counts.secretsManager++;
    if (operation.startsWith('AmazonSSM.')) counts.ssm++;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${port}`, counts, close: () => new Promise((r) => server.close(r)) };
}

type StepsReport = RunnerReport;

function runSteps(events: unknown[], env: Record<string, string>): Promise<StepsReport> {
  return runHandler(HANDLER, events, env, ['--expose-gc']);
}

async function rotationFigures(h: Harness): Promise<void> {
  console.log('\n2. Rotation (four steps against moto and the JFrog emulator, on 127.0.0.1)');
  h.jfrog.addUser('ci-bot', { password: 'ci-bot-Passw0rd!' });
  const adminToken = h.jfrog.seedToken('admin', 'applied-permissions/admin');
  const proxy = await countingProxy(h.moto.endpoint);
  try {
    const credentialsSecretArn = await h.plainSecret({ token: adminToken });
    const secretArn = await h.createSecret({ username: 'ci-bot' });
    const settings = { username: 'ci-bot', scope: 'applied-permissions/user', lifetimeSeconds: 61 * 86400, credentialsKind: 'ADMIN_TOKEN' as const, credentialsSecretArn };
    const env = { ...await h.configure(secretArn, settings), AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint, AWS_ENDPOINT_URL_SSM: proxy.endpoint, NODE_NO_WARNINGS: '1' };
    // RotateSecret stages the version (AWSPENDING, no value) before Secrets Manager invokes the function
    const rotation = async () => { const token = await h.startRotation(secretArn); return STEPS.map((Step) => ({ Step, SecretId: secretArn, ClientRequestToken: token })); };
    // two rotations first: from the third on, each one revokes the token two generations old
    await runSteps(await rotation(), env);
    await runSteps(await rotation(), env);

    const warm: number[] = []; const cold: number[] = []; const rss: number[] = []; const heap: number[] = [];
    let warmCalls = { jfrog: 0, secretsManager: 0, ssm: 0 };
    let coldCalls = { jfrog: 0, secretsManager: 0, ssm: 0 };
    const count = async (fn: () => Promise<void>) => {
      const before = { jfrog: h.jfrog.requests.length, ...proxy.counts };
      await fn();
      return { jfrog: h.jfrog.requests.length - before.jfrog, secretsManager: proxy.counts.secretsManager - before.secretsManager, ssm: proxy.counts.ssm - before.ssm };
    };
    const runs = Math.max(3, Math.round(RUNS / 3));
    for (let i = 0; i < runs; i++) {
      warmCalls = await count(async () => {
        const t0 = Date.now();
        const report = await runSteps(await rotation(), env);
        if (report.results.some((r) => !r.ok)) throw new Error(`a step failed: ${JSON.stringify(report.results)}`);
        warm.push(Date.now() - t0);
        rss.push(report.maxRssKb);
        heap.push(report.heapUsedKb);
      });
      coldCalls = await count(async () => {
        const t0 = Date.now();
        for (const event of await rotation()) {
          const report = await runSteps([event], env);
          if (!report.results[0].ok) throw new Error(`a step failed: ${report.results[0].errorMessage}`);
        }
        cold.push(Date.now() - t0);
      });
    }
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) bare.push(timeNode([''], { NODE_NO_WARNINGS: '1', PATH: process.env.PATH }).ms);
    const widths = [56, 14, 6, 16, 4];
    row(['', 'wall (median)', 'JFrog', 'Secrets Manager', 'SSM'], widths);
    row(['one warm function runs all four steps', ms(median(warm)), String(warmCalls.jfrog), String(warmCalls.secretsManager), String(warmCalls.ssm)], widths);
    row(['a cold function for each step', ms(median(cold)), String(coldCalls.jfrog), String(coldCalls.secretsManager), String(coldCalls.ssm)], widths);
    row(["baseline: four bare `node -e ''` starts", ms(4 * median(bare)), '-', '-', '-'], widths);
    row(["baseline: AWS's rotation template (lambda_function.py)", '-', '-', '10', '-'], widths);
    console.log(`  JFrog calls: mint, verify (testSecret), verify again before promotion, list this secret's tokens, revoke the one two generations old. peak RSS of the warm function through a rotation: ${mb(median(rss))} (${runs} runs)`);

    // the health check of many rotations in one invocation (what the shared function does every 6 hours)
    const many = 100;
    const functionId = `bench-${randomUUID().slice(0, 8)}`;
    const firstRotations: unknown[] = [];
    for (let i = 0; i < many; i++) {
      const arn = await h.createSecret({ username: 'ci-bot' });
      await h.configure(arn, { ...settings, functionId });
      const token = await h.startRotation(arn);
      firstRotations.push(...STEPS.map((Step) => ({ Step, SecretId: arn, ClientRequestToken: token })));
    }
    // the function's environment pins all 100 rotations' settings, as the deployment would
    const functionEnv: Record<string, string> = { ...h.functionEnv(functionId), NODE_NO_WARNINGS: '1' };
    // the first rotation of each, in one warm function, as a deployment of 100 rotations starts them
    const filled = await runSteps(firstRotations, functionEnv);
    if (filled.results.some((r) => !r.ok)) throw new Error(`a first rotation failed: ${filled.results.find((r) => !r.ok)?.errorMessage}`);
    // the health check with the credential check and the token counts: JFrog's requests counted at the emulator
    const jfrogBefore = h.jfrog.requests.length;
    const health = await runSteps([{ jfrogTokenRotationHealthCheck: {} }], functionEnv);
    const healthRequests = h.jfrog.requests.slice(jfrogBefore);
    const lists = healthRequests.filter((r) => r.method === 'GET' && r.path === '/access/api/v1/tokens').length;
    const credentialChecks = healthRequests.length - lists;
    console.log(`  ${many} first rotations in one warm function: ${ms(filled.results.reduce((a, r) => a + r.ms, 0))} in all, peak RSS ${mb(filled.maxRssKb)}`);
    console.log(`  live heap after a full collection: ${mb(median(heap))} after one rotation (4 invocations), ${mb(filled.heapUsedKb)} after those ${firstRotations.length} invocations`);
    console.log(`  health check of those ${many} rotations in one invocation: ${ms(health.results[0].ms)}, ${health.results[0].ok ? 'all healthy' : health.results[0].errorMessage}, peak RSS ${mb(health.maxRssKb)}`);
    console.log(`    JFrog calls: ${healthRequests.length} in all, ${(healthRequests.length / many).toFixed(2)} per rotation: ${lists} token lists (${(lists / many).toFixed(2)} per rotation; target 1) and ${credentialChecks} credential check${credentialChecks === 1 ? '' : 's'} for the 1 admin token all ${many} share (target: one per credential)`);
  } finally {
    await proxy.close();
  }
}

/** our construct vs plain Secrets with addRotationSchedule on one shared function */
function synthesize(kind: 'ours' | 'baseline', n: number): { ms: number; resources: number; bytes: number; environmentBytes: number } {
  const t0 = process.hrtime.bigint();
  const app = new App();
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'eu-west-1' } });
  if (kind === 'ours') {
    const admin = new secretsmanager.Secret(stack, 'AdminToken');
    for (let i = 0; i < n; i++) {
      new JfrogTokenRotation(stack, `Pipeline${i}`, {
        jfrogUrl: 'https://acme.jfrog.io', username: `ci-${i}`, scope: JfrogTokenScope.user(), credentials: JfrogCredentials.adminToken(admin),
      });
    }
  } else {
    const fn = new lambda.Function(stack, 'Rotator', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    for (let i = 0; i < n; i++) {
      new secretsmanager.Secret(stack, `Secret${i}`).addRotationSchedule('Schedule', { rotationLambda: fn, automaticallyAfter: Duration.days(30) });
    }
  }
  const assembly = app.synth();
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  const template = assembly.getStackByName('Bench').template;
  return { ms: elapsed, resources: Object.keys(template.Resources).length, bytes: JSON.stringify(template).length, environmentBytes: environmentBytes(template) };
}

/**
 * the rotation function's environment as Lambda counts it (names and values), a CloudFormation
 * reference counted as long as the ARN it resolves to
 */
function environmentBytes(template: any): number {
  const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.JFROG_ROTATION_PINS !== undefined);
  if (!fn) return 0;
  const realistic = (value: any): string => (typeof value === 'string' ? value
    : value?.['Fn::Join'] ? value['Fn::Join'][1].map(realistic).join(value['Fn::Join'][0])
      : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AdminToken0ABCD1234-aBcDeFgHiJkL-AbCdEf');
  return Object.entries<any>(fn.Properties.Environment.Variables).reduce((sum, [name, value]) => sum + name.length + realistic(value).length, 0);
}

function synthFigures(): void {
  console.log('\n3. Synthesis (in this process, after a warm-up; template bytes as compact JSON)');
  synthesize('ours', 10);
  synthesize('baseline', 10);
  const widths = [12, 24, 24, 10];
  row(['rotations', 'ours: resources / bytes', 'baseline: res. / bytes', ''], widths);
  const runs = Math.max(3, Math.round(RUNS / 3));
  for (const n of [1, 10, 100]) {
    const ours: number[] = []; const base: number[] = [];
    let o = synthesize('ours', n); let b = synthesize('baseline', n);
    for (let i = 0; i < runs; i++) {
      o = synthesize('ours', n); ours.push(o.ms);
      b = synthesize('baseline', n); base.push(b.ms);
    }
    row([String(n), `${o.resources} / ${o.bytes}`, `${b.resources} / ${b.bytes}`, ''], widths);
    console.log(`  ${' '.repeat(12)}the function's environment (pins of every rotation's settings): ${o.environmentBytes} of Lambda's 4096 bytes`);
    console.log(`  ${' '.repeat(12)}synth ${ms(median(ours))} vs baseline ${ms(median(base))}: ${(median(ours) / median(base)).toFixed(2)}x (${runs} runs)`);
  }
}

/**
 * redaction of 256 KB (Lambda's event limit) of text an invoker controls, in the shapes that made
 * the old JWT pattern rescan (quadratic: about 40 s for 120 KB of `eyJ`), beside plain text
 */
function redactionFigures(): void {
  console.log('\n4. Redaction of 256 KB (what an invoker can put into an event), ten registered secrets');
  const size = 256 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const inputs: Array<[string, string]> = [
    ['plain text', fill('the rotation of a secret failed; ')],
    ['"eyJ" repeated (no dot)', fill('eyJ')],
    ['"eyJa." repeated', fill('eyJa.')],
    ['"eyJaaaa.aaaa" repeated', fill('eyJaaaa.aaaa')],
    ['"bearer " repeated', fill('bearer ')],
    ['"cmVmdGtu" repeated', fill('cmVmdGtu')],
  ];
  forgetSecrets();
  for (let i = 0; i < 10; i++) registerSecret(`s3cret-value-${i}-${randomUUID()}`);
  const widths = [28, 12];
  row(['input', 'median'], widths);
  for (const [name, text] of inputs) {
    const times: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 7); i++) {
      const start = process.hrtime.bigint();
      redact(text);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    row([name, ms(median(times))], widths);
  }
  forgetSecrets();
}

async function main(): Promise<void> {
  if (!fs.existsSync(HANDLER)) throw new Error(`no bundled handler at ${HANDLER}: run npx projen bundle`);
  console.log(`cdk-jfrog-token-rotation benchmark, ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`);
  console.log(`median of ${RUNS} runs unless said otherwise (BENCH_RUNS to change)`);
  handlerFigures();
  const h = await Harness.start();
  try {
    await rotationFigures(h);
  } finally {
    await h.stop();
  }
  synthFigures();
  redactionFigures();
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
