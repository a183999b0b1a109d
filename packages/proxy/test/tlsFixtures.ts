import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material made fresh for a test run: nothing secret is ever checked in. */
export interface TestPki {
  /** The CA that signed `server` and `client`. */
  readonly ca: string;
  /** A CA that signed nothing here, to see verification fail. */
  readonly otherCa: string;
  /** Valid for `localhost` and `127.0.0.1`. */
  readonly server: { readonly key: string; readonly cert: string };
  /** A client certificate for mutual TLS. */
  readonly client: { readonly key: string; readonly cert: string };
}

/** Creates a test CA, a server and a client certificate with `openssl` (P-256 keys, quick to make). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'lb-tls-'));
  const file = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    for (const ca of ['ca', 'other-ca']) {
      run(
        'req',
        '-x509',
        ...keyArgs,
        '-keyout',
        file(`${ca}.key`),
        '-out',
        file(`${ca}.crt`),
        '-days',
        '2',
        '-subj',
        `/CN=lb test ${ca}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
      );
    }
    const leaf = (name: string, extensions: string) => {
      writeFileSync(file(`${name}.ext`), extensions);
      run(
        'req',
        ...keyArgs,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
        '-subj',
        `/CN=${name}`,
      );
      run(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.crt'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-out',
        file(`${name}.crt`),
        '-days',
        '2',
        '-extfile',
        file(`${name}.ext`),
      );
      return {
        key: readFileSync(file(`${name}.key`), 'utf8'),
        cert: readFileSync(file(`${name}.crt`), 'utf8'),
      };
    };
    const server = leaf(
      'localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    const client = leaf('lb-client', 'extendedKeyUsage=clientAuth\n');
    return {
      ca: readFileSync(file('ca.crt'), 'utf8'),
      otherCa: readFileSync(file('other-ca.crt'), 'utf8'),
      server,
      client,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
