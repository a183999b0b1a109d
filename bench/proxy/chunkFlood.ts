// Chunk flood: a body of `count` one-byte chunks (about 6 bytes on the wire each, 6 MB for a million), for our
// balancer (lbProxy.mjs, from the built package: `pnpm --filter @lb/proxy build`) and nginx, in the same run.
//
// 1. CPU: what one flooded body costs the process under test, against the same bytes in 64 KiB chunks, as a
//    request and as a response; utime + stime from /proc/<pid>/stat, one clock tick (10 ms) of resolution.
// 2. Other clients: wrk (64 keep-alive connections, --latency) measures the p50 and p99 of ordinary GETs through
//    the same process, alone and while a flood client sends one flooded POST after another, each on a new
//    connection; the two phases alternate their order from round to round.
//
// Pinning (when taskset exists and there are 2+ CPUs): the process under test on CPU 0; wrk, the backend and
// this script (the flood client and the response-direction backend) on CPU 1.
//
//   node --import tsx bench/proxy/chunkFlood.ts                       # 1,000,000 chunks, 3 rounds of 10 s
//   node --import tsx bench/proxy/chunkFlood.ts --count 100000 --rounds 1 --seconds 3
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx } from './nginx.js';
import { canPin, cpuTimes, freePort, has, pinTo, stopChild } from './processes.js';
import { parseWrk, type WrkResult, wrkCommand } from './wrk.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const count = option('--count', 1_000_000);
const rounds = option('--rounds', 3);
const seconds = option('--seconds', 10);
const SUT_CPU = 0;
const LOAD_CPU = 1;

interface Sut {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

type SutName = 'lb' | 'nginx';

async function startSut(name: SutName, backendPort: number): Promise<Sut> {
  const port = await freePort();
  let sut: Sut;
  if (name === 'lb') {
    const child = fork(join(here, 'lbProxy.mjs'), [String(port), 'roundRobin', String(backendPort)]);
    await once(child, 'message');
    sut = { pid: child.pid!, port, stop: () => stopChild(child) };
  } else {
    // Unlimited body size (the default, 1 MB, would refuse the flood with 413); everything else as nginx ships it:
    // the request body is buffered (to a temporary file) before it goes to the backend with a Content-Length.
    const nginx = await startNginx({ port, backends: [backendPort], server: 'client_max_body_size 0;' });
    if (canPin) pinTo(nginx.master, SUT_CPU);
    sut = { pid: nginx.worker, port, stop: () => nginx.stop() };
  }
  if (canPin) pinTo(sut.pid, SUT_CPU);
  return sut;
}

const cpuSeconds = (pid: number) => {
  const { user, sys } = cpuTimes(pid);
  return user + sys;
};

/** `count` body bytes framed as chunks of `size` bytes, with the last chunk. */
function chunked(size: number): Buffer {
  const chunk = `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;
  return Buffer.from(`${chunk.repeat(Math.ceil(count / size))}0\r\n\r\n`, 'latin1');
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** A backend that answers any request head with `reply` and closes. */
function replyingBackend(reply: Buffer): Server {
  return createServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (data: Buffer) => {
      head += data.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end(reply);
    });
  });
}

async function forkBackend(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(join(here, 'floodBackend.mjs'), [String(port)]);
  await once(child, 'message');
  if (canPin) pinTo(child.pid!, LOAD_CPU);
  return { child, port };
}

/**
 * Sends `request` on a new connection and resolves with the bytes received once the peer closed it, or after
 * 60 s (then the connection is destroyed); throws unless the response was a 200.
 */
async function exchange(port: number, request: Buffer): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.setTimeout(60_000, () => socket.destroy());
  let received = 0;
  let start = '';
  socket.on('data', (data: Buffer) => {
    if (received < 16) start += data.toString('latin1', 0, 16);
    received += data.length;
  });
  // Not `end`: a balancer may take a half-close as the client going away.
  socket.write(request);
  await once(socket, 'close');
  if (!start.startsWith('HTTP/1.1 200 ')) throw new Error(`a flooded exchange got ${JSON.stringify(start)}`);
  return received;
}

function flooded(method: 'POST' | 'GET', body: Buffer | undefined): Buffer {
  const head = `${method} / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n`;
  return body === undefined
    ? Buffer.from(`${head}\r\n`)
    : Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`), body]);
}

/** Part 1: the CPU one body of `size`-byte chunks costs `name`, as a request or as a response. */
async function cpuPerBody(
  name: SutName,
  direction: 'request' | 'response',
  size: number,
  flood: { port: number },
): Promise<string> {
  const body = chunked(size);
  const server =
    direction === 'response'
      ? replyingBackend(
          Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), body]),
        )
      : undefined;
  const backendPort = server === undefined ? flood.port : await listen(server);
  const sut = await startSut(name, backendPort);
  try {
    const request = direction === 'request' ? flooded('POST', body) : flooded('GET', undefined);
    await exchange(sut.port, request); // warm-up
    const before = cpuSeconds(sut.pid);
    const received = await exchange(sut.port, request);
    const ms = (cpuSeconds(sut.pid) - before) * 1000;
    return `| ${name} | ${direction} | ${size === 1 ? 'one-byte' : `${size / 1024} KiB`} chunks | ${ms.toFixed(0)} | ${received} |`;
  } finally {
    await sut.stop();
    server?.close();
  }
}

function wrk(port: number): Promise<WrkResult> {
  const [command, ...rest] = wrkCommand(
    `http://127.0.0.1:${port}/`,
    seconds,
    64,
    canPin ? LOAD_CPU : undefined,
  );
  return new Promise((resolve, reject) => {
    execFile(command!, rest, { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(parseWrk(stdout)),
    );
  });
}

interface Phase extends WrkResult {
  /** CPU the process under test used over the phase, as a share of one CPU. */
  util: number;
  floods: number;
}

/** wrk for `seconds`, with a flood client sending one flooded POST after another when `withFlood`. */
async function phase(sut: Sut, withFlood: boolean): Promise<Phase> {
  const request = flooded('POST', chunked(1));
  let stopped = false;
  let floods = 0;
  const flooding = (async () => {
    while (withFlood && !stopped) {
      await exchange(sut.port, request);
      floods++;
    }
  })();
  const before = cpuSeconds(sut.pid);
  const startedAt = process.hrtime.bigint();
  const result = await wrk(sut.port);
  const wall = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const util = (cpuSeconds(sut.pid) - before) / wall;
  stopped = true;
  await flooding;
  return { ...result, util, floods };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (!has('wrk') || !has('nginx'))
  throw new Error('wrk and nginx are required (apt-get install -y wrk nginx)');
if (canPin) pinTo(process.pid, LOAD_CPU);
const floodBackend = await forkBackend();
const started = new Date();
const names: SutName[] = ['lb', 'nginx'];
const cpuRows: string[] = [];
const phases = new Map<string, Phase[]>();
try {
  for (const name of names) {
    for (const direction of ['request', 'response'] as const) {
      for (const size of [1, 65_536]) cpuRows.push(await cpuPerBody(name, direction, size, floodBackend));
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const sut = await startSut(name, floodBackend.port);
      try {
        await wrk(sut.port); // warm-up, as long as a phase
        for (const withFlood of round % 2 === 0 ? [false, true] : [true, false]) {
          process.stderr.write(`round ${round + 1}/${rounds}: ${name}, ${withFlood ? 'flood' : 'alone'}\n`);
          const key = `${name} ${withFlood ? 'flood' : 'alone'}`;
          phases.set(key, [...(phases.get(key) ?? []), await phase(sut, withFlood)]);
        }
      } finally {
        await sut.stop();
      }
    }
  }
} finally {
  await stopChild(floodBackend.child);
}

console.log(
  `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${count} chunks; ` +
    `${canPin ? `pinned (process under test on CPU ${SUT_CPU}, the rest on CPU ${LOAD_CPU})` : 'unpinned'}; ` +
    `one-minute load average at the end: ${loadavg()[0]!.toFixed(2)}.\n`,
);
console.log('| process | direction | body | CPU ms | bytes back |\n|---|---|---|---:|---:|');
for (const row of cpuRows) console.log(row);
console.log(
  `\nOther clients (wrk -t1 -c64, ${rounds} round(s) of ${seconds} s per phase, medians; min–max over rounds):\n`,
);
console.log(
  '| process | phase | p50 ms | p99 ms | rps | its CPU | floods sent |\n|---|---|---:|---:|---:|---:|---:|',
);
for (const [key, list] of phases) {
  const [name, what] = key.split(' ');
  const spread = (pick: (p: Phase) => number, digits: number) => {
    const values = list.map(pick);
    const range =
      values.length > 1
        ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`
        : '';
    return `${median(values).toFixed(digits)}${range}`;
  };
  console.log(
    `| ${name} | ${what} | ${spread((p) => p.p50, 2)} | ${spread((p) => p.p99, 2)} | ${Math.round(median(list.map((p) => p.rps)))} | ${Math.round(median(list.map((p) => p.util)) * 100)}% | ${what === 'flood' ? spread((p) => p.floods, 0) : '–'} |`,
  );
}
