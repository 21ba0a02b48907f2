import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort } from '../support/ports';

const VENV = path.join(__dirname, '..', '..', '.tmp', 'moto-venv');
/** moto's server with Secrets Manager's rotation corners patched to behave as the real service (see the file) */
const LAUNCHER = path.join(__dirname, 'moto_server.py');

/** the python that has moto's server: the system one, else a local virtualenv we make */
function motoPython(): string {
  const has = (python: string) => spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
  if (has('python3')) return 'python3';
  const venvPython = path.join(VENV, 'bin', 'python');
  if (fs.existsSync(venvPython) && has(venvPython)) return venvPython;
  const made = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' }).status === 0
    && spawnSync(venvPython, ['-m', 'pip', 'install', '--quiet', 'moto[server]>=5,<6'], { stdio: 'inherit' }).status === 0;
  if (made && has(venvPython)) return venvPython;
  throw new Error('the Secrets Manager emulator needs moto 5 with its server: run `python3 -m pip install "moto[server]>=5,<6"` (or make PyPI reachable so the tests can install it into .tmp/moto-venv)');
}

/** moto's server on a free loopback port, for Secrets Manager */
export class MotoServer {
  public static async start(): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn(motoPython(), [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
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

  private constructor(private readonly child: ChildProcess, public readonly endpoint: string) {}

  public async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get(`${this.endpoint}/moto-api/`, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => { req.destroy(); resolve(false); });
    });
  }
}
