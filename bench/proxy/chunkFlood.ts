// Chunk flood: the balancer's CPU for a body of tiny chunks against the same bytes in 64 KiB chunks, both ways.
// The balancer runs in a child process (lbProxy.mjs, from the built package: `pnpm --filter @lb/proxy build`);
// its CPU is utime + stime from /proc/<pid>/stat, so it has a resolution of one clock tick (usually 10 ms).
//
//   node --import tsx bench/proxy/chunkFlood.ts              # 1,000,000 one-byte chunks
//   node --import tsx bench/proxy/chunkFlood.ts 100000       # another count
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const count = Number(process.argv[2] ?? 1_000_000);
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** `count` body bytes framed as chunks of `size` bytes, with the last chunk. */
function chunked(size: number): Buffer {
  const chunk = `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`;
  return Buffer.from(`${chunk.repeat(Math.ceil(count / size))}0\r\n\r\n`, 'latin1');
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** A backend that reads a request to its last chunk, or answers any request with `reply`. */
function backend(reply: Buffer | undefined): Server {
  return createServer((socket) => {
    socket.on('error', () => {});
    let tail = '';
    socket.on('data', (data: Buffer) => {
      const text = tail + data.toString('latin1');
      tail = text.slice(-8);
      if (reply !== undefined && text.includes('\r\n\r\n')) socket.end(reply);
      else if (reply === undefined && text.endsWith('\r\n0\r\n\r\n'))
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
}

async function balancer(backendPort: number): Promise<{ child: ChildProcess; port: number }> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const child = fork(join(here, 'lbProxy.mjs'), [String(port), 'roundRobin', String(backendPort)]);
  process.once('exit', () => child.kill('SIGKILL'));
  await once(child, 'message');
  return { child, port };
}

/** Sends `request` on a new connection and resolves once the balancer closed it. */
async function exchange(port: number, request: Buffer): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = 0;
  socket.on('data', (data: Buffer) => {
    received += data.length;
  });
  // Not `end`: the balancer takes a half-close as the client going away.
  socket.write(request);
  await once(socket, 'close');
  return received;
}

async function run(direction: 'request' | 'response', size: number): Promise<void> {
  const body = chunked(size);
  const server = backend(
    direction === 'response'
      ? Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), body])
      : undefined,
  );
  const { child, port } = await balancer(await listen(server));
  const head = `${direction === 'request' ? 'POST' : 'GET'} / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n`;
  const request =
    direction === 'request'
      ? Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`), body])
      : Buffer.from(`${head}\r\n`);
  await exchange(port, request); // warm-up
  const before = cpuMs(child.pid!);
  const received = await exchange(port, request);
  const spent = cpuMs(child.pid!) - before;
  console.log(
    `${direction}: ${count} bytes in ${size}-byte chunks: ${spent.toFixed(0)} ms of balancer CPU, ${received} bytes back`,
  );
  child.kill('SIGKILL');
  server.close();
}

for (const direction of ['request', 'response'] as const) {
  for (const size of [1, 65_536]) await run(direction, size);
}
