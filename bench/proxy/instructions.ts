// Instructions per proxied request, counted by valgrind's callgrind. The balancer (lbProxy.mjs, from the built
// package) runs under callgrind twice, serving `--few` and then `--many` requests from one client over one
// keep-alive connection, one request at a time; (Ir(many) − Ir(few)) / (many − few) is meant to be the
// steady-state count per request, startup cancelling out. Node runs with `--interrupt-budget=4096` (default 67584)
// so V8 optimizes the hot functions within the first hundred requests rather than the first few thousand.
// Caveat, measured (docs/benchmarks.md): for a whole Node process the count is not deterministic. V8 compiles on
// background threads and installs the code when a compile ends, so how much compiler work falls between the two
// counts depends on timing, and so on the machine's load; runs of the same build differed by far more than a
// small change saves. Counting only the main thread (`--separate-threads=yes`) is the next step, not done yet.
// The backend is backend.mjs, outside valgrind. With `--tls` the client speaks HTTPS to the balancer.
//
//   node --import tsx bench/proxy/instructions.ts                 # HTTP, 2,000 and 6,000 requests
//   node --import tsx bench/proxy/instructions.ts --tls
//   node --import tsx bench/proxy/instructions.ts --few 1000 --many 3000 --keep /tmp/cg   # keep callgrind.out.*
//   LB_MODULE=/path/to/other/dist/index.js node --import tsx bench/proxy/instructions.ts   # another build
import { execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectNet, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort, has, stopChild } from './processes.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const tls = args.includes('--tls');
const few = Number(option('--few') ?? 2000);
const many = Number(option('--many') ?? 6000);
const keep = option('--keep');
if (!has('valgrind')) throw new Error('valgrind is required (apt-get install -y valgrind)');

const work = mkdtempSync(join(tmpdir(), 'lb-callgrind-'));
const out = keep ?? work;
mkdirSync(out, { recursive: true });
let cert: { key: string; cert: string } | undefined;
if (tls) {
  cert = { key: join(work, 'key.pem'), cert: join(work, 'cert.pem') };
  execFileSync(
    'openssl',
    [
      ...'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1'.split(' '),
      '-keyout',
      cert.key,
      '-out',
      cert.cert,
    ],
    { stdio: 'ignore', input: '' },
  );
}

/** Sends `count` GETs one after another on one connection; each response ends with the backend's 13 bytes. */
async function drive(port: number, count: number): Promise<void> {
  const socket: Socket = tls
    ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false })
    : connectNet(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, tls ? 'secureConnect' : 'connect');
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'latin1');
  let done = 0;
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the balancer closed the connection after ${done} responses`)));
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1');
      if (!pending.endsWith('Hello, world!')) return;
      if (!pending.startsWith('HTTP/1.1 200 ')) reject(new Error(`unexpected response: ${pending}`));
      pending = '';
      if (++done === count) resolve();
      else socket.write(request);
    });
    socket.write(request);
  });
  socket.destroy();
}

/** Total instructions (Ir) of the balancer serving `count` requests under callgrind. */
async function instructions(backendPort: number, count: number): Promise<number> {
  const port = await freePort();
  const file = join(out, `callgrind.out.${tls ? 'tls' : 'http'}.${count}`);
  const env = { ...process.env, ...(cert ? { LB_TLS_KEY: cert.key, LB_TLS_CERT: cert.cert } : {}) };
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${file}`,
      process.execPath,
      '--interrupt-budget=4096',
      join(here, 'lbProxy.mjs'),
      String(port),
      'roundRobin',
      String(backendPort),
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env },
  );
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  // Node starts in a minute or two under callgrind, much longer on a saturated machine; 20 minutes is the bound.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no balancer after 20 minutes:\n${stderr}`)), 1_200_000);
    child.once('message', () => resolve(clearTimeout(timer)));
    child.once('exit', () => reject(new Error(`valgrind exited:\n${stderr}`)));
  });
  await drive(port, count);
  // lbProxy.mjs exits when its parent disconnects, so callgrind writes its counts.
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
  const total = readFileSync(file, 'utf8').match(/^totals: (\d+)/m)?.[1];
  if (total === undefined) throw new Error(`callgrind wrote no totals:\n${stderr}`);
  return Number(total);
}

const backend = fork(join(here, 'backend.mjs'), [String(await freePort())]);
try {
  await once(backend, 'message');
  const backendPort = Number(backend.spawnargs.at(-1));
  const small = await instructions(backendPort, few);
  const large = await instructions(backendPort, many);
  const perRequest = (large - small) / (many - few);
  console.log(
    `${tls ? 'HTTPS' : 'HTTP'}: ${small} instructions for ${few} requests, ${large} for ${many}: ` +
      `${Math.round(perRequest)} per request${keep ? ` (callgrind files in ${keep})` : ''}`,
  );
} finally {
  await stopChild(backend);
  rmSync(work, { recursive: true, force: true });
}
