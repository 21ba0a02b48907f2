import * as http from 'http';
import { AddressInfo } from 'net';

/** one scripted answer: a status and body, after an optional delay */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body: string;
  readonly delayMs?: number;
}

/**
 * a local HTTP server that answers as AWS's JSON protocol does, from a script: each request takes
 * the next queued answer (or the default), and is recorded with its headers and body
 */
export class ScriptedAwsServer {
  public static async start(defaultBody: string): Promise<ScriptedAwsServer> {
    const scripted = new ScriptedAwsServer(defaultBody);
    await new Promise<void>((r) => scripted.server.listen(0, '127.0.0.1', r));
    return scripted;
  }

  /** answers still to give, in order */
  public answers: ScriptedAnswer[] = [];
  /** every request so far */
  public seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  /** AWS credentials the SDK signs with (the server checks none) */
  public readonly credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  private readonly server: http.Server;

  private constructor(defaultBody: string) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        this.seen.push({ headers: req.headers, body });
        const answer = this.answers.shift() ?? { status: 200, body: defaultBody };
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(answer.body);
        }, answer.delayMs ?? 0).unref();
      });
    });
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** forget the script and what was seen (between tests) */
  public reset(): void {
    this.answers = [];
    this.seen = [];
  }

  public stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
