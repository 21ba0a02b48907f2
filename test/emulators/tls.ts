import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface TestTls {
  readonly dir: string;
  /** the test CA, for NODE_EXTRA_CA_CERTS */
  readonly caPath: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** a throw-away CA and a server certificate for 127.0.0.1 and localhost, made with openssl */
export function makeTestTls(): TestTls {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jfrog-emulator-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=cdk-jfrog-token-rotation test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'server.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  return { dir, caPath: path.join(dir, 'ca.pem'), ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key') };
}
