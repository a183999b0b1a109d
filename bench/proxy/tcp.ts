/**
 * TCP mode benchmark: CPU seconds the proxy process spends per 100,000 HTTP requests, for a raw `net` pipe
 * (connect, `pipe` both ways, nothing else) and for `TcpLoadBalancer`, both in front of the same two node:http
 * backends and loaded by wrk with 64 connections. CPU comes from /proc/<pid>/stat (user + system), so the
 * number does not depend on how busy the rest of the machine is, only on the work the proxy does.
 *
 *   pnpm --filter @lb/proxy build && pnpm exec tsx bench/proxy/tcp.ts            # 10 s per run, 3 runs
 *   pnpm --filter @lb/proxy build && pnpm exec tsx bench/proxy/tcp.ts --quick    # 2 s, 1 run (smoke test)
 *
 * Two load shapes: `keep-alive` (64 long connections, the cost of piping bytes) and `close` (a new connection
 * per request, the cost of accepting, picking a backend and connecting).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const role = process.argv[2];
const self = fileURLToPath(import.meta.url);

/** Starts `role` in a child process and resolves with its pid and port once it listens. */
async function startChild(childRole: string, ...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', self, childRole, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, port: Number(line) };
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), counted from after the command name; clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function wrk(port: number, seconds: number, close: boolean): Promise<number> {
  const args = ['-t1', '-c64', `-d${seconds}s`, ...(close ? ['-H', 'Connection: close'] : [])];
  const { stdout } = await promisify(execFile)('wrk', [...args, `http://127.0.0.1:${port}/`]);
  const match = /(\d+) requests in/.exec(stdout);
  if (!match) throw new Error(`cannot read wrk output:\n${stdout}`);
  return Number(match[1]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = quick ? 2 : 10;
  const runs = quick ? 1 : 3;
  const backends = await Promise.all([startChild('backend'), startChild('backend')]);
  const ports = backends.map((b) => String(b.port));
  const rows: string[] = [];
  const load = loadavg()[0]!;
  try {
    for (const shape of ['keep-alive', 'close'] as const) {
      const result: Record<string, { cpu: number; rps: number }> = {};
      for (const proxy of ['raw', 'lb'] as const) {
        const cpu: number[] = [];
        const rps: number[] = [];
        for (let run = 0; run < runs; run++) {
          const { child, port } = await startChild(proxy, ...ports);
          await wrk(port, 1, shape === 'close');
          const before = cpuSeconds(child.pid!);
          const requests = await wrk(port, seconds, shape === 'close');
          cpu.push(((cpuSeconds(child.pid!) - before) / requests) * 100_000);
          rps.push(requests / seconds);
          child.kill();
          await once(child, 'exit');
        }
        result[proxy] = { cpu: median(cpu), rps: median(rps) };
      }
      const { raw, lb } = result as Record<'raw' | 'lb', { cpu: number; rps: number }>;
      rows.push(
        `| ${shape} | ${raw.cpu.toFixed(2)} | ${lb.cpu.toFixed(2)} | ${(lb.cpu / raw.cpu).toFixed(2)}× | ` +
          `${Math.round(raw.rps)} | ${Math.round(lb.rps)} |`,
      );
    }
  } finally {
    for (const b of backends) b.child.kill();
  }
  console.log(
    '| load shape | raw pipe CPU-s / 100k | TcpLoadBalancer CPU-s / 100k | ratio | raw req/s | lb req/s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log(
    `\n${runs} run(s) of ${seconds} s each, median; Node ${process.version}; load average ${load.toFixed(2)}.`,
  );
}

async function backend(): Promise<void> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  console.log((server.address() as { port: number }).port);
}

/** The baseline: what any TCP proxy must do at least, alternating between the backends. */
async function rawPipe(ports: number[]): Promise<void> {
  let next = 0;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const port = ports[next++ % ports.length]!;
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', destroy);
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  console.log((server.address() as { port: number }).port);
}

async function balancer(ports: number[]): Promise<void> {
  const { TcpLoadBalancer } = await import('../../packages/proxy/dist/index.js');
  const lb = new TcpLoadBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy: 'roundRobin' },
    ports.map((port, id) => ({ id, host: '127.0.0.1', port })),
  );
  await lb.start();
  console.log(lb.address!.port);
}

const ports = process.argv.slice(3).map(Number);
if (role === 'backend') await backend();
else if (role === 'raw') await rawPipe(ports);
else if (role === 'lb') await balancer(ports);
else await main();
