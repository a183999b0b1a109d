/**
 * What routes, hooks and the PROXY protocol cost: CPU seconds the balancer process spends per 100,000 requests
 * (utime + stime from /proc/<pid>/stat), its shapes measured in one run, rows alternated in a new random order
 * every round, medians reported with the ratio to their reference row.
 *
 * - `plain` against `routed` (wrk -t1 -c64, keep-alive): no routing, against 100 routes (the matching one last)
 *   plus an `onRequest` and an `onResponse` hook that each set one header. Goal: routed ≤ 1.10× plain.
 * - `plain-paced` against `routed-paced`: the same at a fixed 500 req/s from `proxyLoad.mjs` (64 keep-alive
 *   connections), so both rows wake up as often and only the per-request work differs.
 * - `proxy-off` against `proxy-v1` / `proxy-v2`: the same load generator (`proxyLoad.mjs`, since wrk cannot send
 *   a PROXY header) against the plain balancer, sending no header, or a v1 or v2 header to a balancer that
 *   requires one; with keep-alive (64 connections at 500 req/s, one header per connection) and with a
 *   connection per request (16 connections at 200 req/s, one header per request). Goal: ≤ 1.02× proxy-off.
 *
 * Pinned when `taskset` exists and there are 2+ CPUs: the balancer on CPU 0; the load and both backends on CPU 1.
 *
 *   pnpm --filter @lb/proxy build && node --import tsx bench/proxy/features.ts              # 7 rounds of 6 s
 *   node --import tsx bench/proxy/features.ts --quick                                       # 1 round of 2 s
 *   node --import tsx bench/proxy/features.ts --rounds 7 --seconds 10 --only plain,routed
 */
import { type ChildProcess, execFileSync, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option('--rounds') ?? (quick ? 1 : 7));
const seconds = Number(option('--seconds') ?? (quick ? 2 : 6));
const only = option('--only') ? new Set(option('--only')!.split(',')) : undefined;
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const pinned = spawnSync('which', ['taskset']).status === 0 && cpus().length >= 2;
const SUT_CPU = 0;
const LOAD_CPU = 1;

/** One measured shape: the balancer's mode and the load that drives it. */
interface Row {
  name: string;
  mode: 'plain' | 'routed' | 'proxy';
  /** `wrk`, or the load generator's PROXY header, connection shape and rate (0: as fast as it can). */
  load:
    | { kind: 'wrk'; path: string; host: string }
    | { kind: 'gen'; header: string; shape: string; rate: number; path?: string; host?: string };
  /** The row this one is compared with. */
  reference?: string;
}

const allRows: Row[] = [
  { name: 'plain', mode: 'plain', load: { kind: 'wrk', path: '/app/x', host: 'app.example.com' } },
  {
    name: 'routed',
    mode: 'routed',
    load: { kind: 'wrk', path: '/app/x', host: 'app.example.com' },
    reference: 'plain',
  },
  // The same two at a fixed rate below what either can do: the same wake-ups per second for both.
  ...(['plain', 'routed'] as const).map(
    (mode): Row => ({
      name: `${mode}-paced`,
      mode,
      load: {
        kind: 'gen',
        header: 'none',
        shape: 'keepalive',
        rate: 500,
        path: '/app/x',
        host: 'app.example.com',
      },
      ...(mode === 'routed' ? { reference: 'plain-paced' } : {}),
    }),
  ),
  ...(['keepalive', 'close'] as const).flatMap((shape): Row[] => {
    const rate = shape === 'close' ? 200 : 500;
    return [
      { name: `proxy-off-${shape}`, mode: 'plain', load: { kind: 'gen', header: 'none', shape, rate } },
      ...['v1', 'v2'].map(
        (header): Row => ({
          name: `proxy-${header}-${shape}`,
          mode: 'proxy',
          load: { kind: 'gen', header, shape, rate },
          reference: `proxy-off-${shape}`,
        }),
      ),
    ];
  }),
];
const rows = allRows.filter((row) => !only || only.has(row.name));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function pin(pid: number, cpu: number): void {
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

async function forkReady(script: string, argv: string[]): Promise<ChildProcess> {
  const child = fork(join(here, script), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await once(child, 'message');
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Runs the row's load for `secs` seconds against `port`; returns the requests answered. */
function drive(row: Row, port: number, secs: number): number {
  const onLoadCpu = (command: string[]) =>
    pinned ? ['taskset', '-c', String(LOAD_CPU), ...command] : command;
  if (row.load.kind === 'wrk') {
    const wrk = ['timeout', '-k', '5', String(secs + 15), 'wrk', '-t1', '-c64', `-d${secs}s`];
    const target = ['-H', `Host: ${row.load.host}`, `http://127.0.0.1:${port}${row.load.path}`];
    const [command, ...rest] = onLoadCpu([...wrk, ...target]);
    const out = execFileSync(command!, rest, { encoding: 'utf8' });
    const non2xx = out.match(/Non-2xx or 3xx responses: (\d+)/);
    if (non2xx) throw new Error(`${row.name}: wrk reported ${non2xx[0]}`);
    // Timeouts happen on a busy machine; they cost no CPU in the balancer, so they are noted, not fatal.
    const socketErrors = out.match(/Socket errors: (.*)/);
    if (socketErrors) process.stderr.write(`  ${row.name}: wrk reported ${socketErrors[0]}\n`);
    return Number(out.match(/(\d+) requests in/)![1]);
  }
  const connections = row.load.shape === 'close' ? '16' : '64';
  const gen = [process.execPath, join(here, 'proxyLoad.mjs'), String(port), connections, String(secs)];
  const { header, shape, rate, path = '/', host = 'a' } = row.load;
  const [command, ...rest] = onLoadCpu([
    ...['timeout', '-k', '5', String(secs + 15), ...gen],
    ...[header, shape, String(rate), path, host],
  ]);
  const result = JSON.parse(execFileSync(command!, rest, { encoding: 'utf8' })) as {
    requests: number;
    errors: number;
  };
  if (result.errors > 0) process.stderr.write(`  ${row.name}: ${result.errors} connection errors\n`);
  return result.requests;
}

async function measure(row: Row, backends: number[]): Promise<{ cpuPer100k: number; rps: number }> {
  const port = await freePort();
  const child = await forkReady('lbFeatures.mjs', [String(port), row.mode, ...backends.map(String)]);
  pin(child.pid!, SUT_CPU);
  try {
    drive(row, port, quick ? 1 : 2); // warm-up: JIT, pools
    const before = cpuSeconds(child.pid!);
    const startedAt = performance.now();
    const requests = drive(row, port, seconds);
    const wall = (performance.now() - startedAt) / 1000;
    const cpu = cpuSeconds(child.pid!) - before;
    if (requests === 0) throw new Error(`${row.name}: no request was answered`);
    return { cpuPer100k: (cpu / requests) * 100_000, rps: requests / wall };
  } finally {
    await stopChild(child);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const backendPorts = [await freePort(), await freePort()];
const backendProcs = await Promise.all(backendPorts.map((p) => forkReady('backend.mjs', [String(p)])));
for (const proc of backendProcs) pin(proc.pid!, LOAD_CPU);
const results = new Map<string, { cpuPer100k: number; rps: number }[]>();
const loads: number[] = [];
const startedAt = new Date();
try {
  for (let round = 0; round < rounds; round++) {
    for (const row of [...rows].sort(() => Math.random() - 0.5)) {
      process.stderr.write(`round ${round + 1}/${rounds}: ${row.name}\n`);
      loads.push(loadavg()[0]!);
      const result = await measure(row, backendPorts);
      results.set(row.name, [...(results.get(row.name) ?? []), result]);
    }
  }
} finally {
  await Promise.all(backendProcs.map(stopChild));
}

console.log(
  `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${rounds} round(s) of ` +
    `${seconds} s, rows in a new random order each round; ` +
    `${pinned ? `balancer on CPU ${SUT_CPU}, load and backends on CPU ${LOAD_CPU}` : 'unpinned'}; ` +
    `one-minute load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}.\n`,
);
console.log(
  '| row | CPU-s per 100k, median (min–max) | vs reference (median of per-round ratios) | req/s (median) |',
);
console.log('|---|---|---|---|');
for (const row of rows) {
  const list = results.get(row.name) ?? [];
  const cpu = list.map((r) => r.cpuPer100k);
  const reference = row.reference === undefined ? undefined : results.get(row.reference);
  // Paired by round: both rows of a round ran within a minute of each other, under similar outside load.
  const ratio =
    reference === undefined
      ? '—'
      : `${median(cpu.map((c, i) => c / reference[i]!.cpuPer100k)).toFixed(3)}× ${row.reference}`;
  console.log(
    `| ${row.name} | ${median(cpu).toFixed(3)} (${Math.min(...cpu).toFixed(3)}–${Math.max(...cpu).toFixed(3)}) | ${ratio} | ${Math.round(median(list.map((r) => r.rps)))} |`,
  );
}
