import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort } from '../support/ports';

const VENV = path.join(__dirname, '..', '..', '.tmp', 'moto-venv');
/** moto's server with Secrets Manager's rotation corners patched to behave as the real service (see the file) */
const LAUNCHER = path.join(__dirname, 'moto_server.py');

/** the python that has moto's server (and so botocore): the system one, else a local virtualenv we make */
export function motoPython(): string {
  const has = (python: string) => spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
  if (has('python3')) return 'python3';
  const venvPython = path.join(VENV, 'bin', 'python');
  if (fs.existsSync(venvPython) && has(venvPython)) return venvPython;
  const made = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' }).status === 0
    && spawnSync(venvPython, ['-m', 'pip', 'install', '--quiet', 'moto[server]>=5,<6'], { stdio: 'inherit' }).status === 0;
  if (made && has(venvPython)) return venvPython;
  throw new Error('the Secrets Manager emulator needs moto 5 with its server: run `python3 -m pip install "moto[server]>=5,<6"` (or make PyPI reachable so the tests can install it into .tmp/moto-venv)');
}

/**
 * where a server to share is recorded (MOTO_SHARED_FILE): mutation testing runs the same test
 * file once per mutant, and one server for all those runs saves its start each time. the
 * server ends with the process that started it (moto_server.py watches its parent)
 */
const SHARED_FILE = process.env.MOTO_SHARED_FILE;

/** moto's server on a free loopback port, for Secrets Manager */
export class MotoServer {
  public static async start(): Promise<MotoServer> {
    if (SHARED_FILE && fs.existsSync(SHARED_FILE)) {
      const shared = new MotoServer(undefined, JSON.parse(fs.readFileSync(SHARED_FILE, 'utf8')).endpoint);
      if (await shared.ready()) return shared;
    }
    const server = await MotoServer.spawn(!!SHARED_FILE);
    if (SHARED_FILE) {
      fs.mkdirSync(path.dirname(SHARED_FILE), { recursive: true });
      fs.writeFileSync(SHARED_FILE, JSON.stringify({ endpoint: server.endpoint }));
      return new MotoServer(undefined, server.endpoint);
    }
    return server;
  }

  /** @param detached a shared server: nothing of this test file may hold on to it (its log goes nowhere) */
  private static async spawn(detached: boolean): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn(motoPython(), [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', detached ? 'ignore' : 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    if (detached) child.unref();
    let stderr = '';
    child.stderr?.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    const server = new MotoServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    while (!(await server.ready())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`moto's server did not start on port ${port}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return server;
  }

  /** @param child undefined for a shared server, which outlives this test file */
  private constructor(private readonly child: ChildProcess | undefined, public readonly endpoint: string) {}

  public async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }

  private ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get(`${this.endpoint}/moto-api/`, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => { req.destroy(); resolve(false); });
    });
  }
}
