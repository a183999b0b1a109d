// gRPC unary calls through the balancer against HAProxy, both speaking HTTP/2 on each side (HAProxy:
// `bind … proto h2`, `server … proto h2`): the CPU seconds the process under test spends per 100k calls.
// Load: h2load (4 connections × 16 concurrent streams) posting one framed lbtest.Echo/Unary request; backends:
// two grpc-js servers. Pinning as bench/proxy/run.ts: the process under test on CPU 0, h2load and the backends
// on CPU 1. Three floors run beside them: `node:http2 answers` (a node:http2 server answering the call itself, the
// cost of Node's HTTP/2 server side), `node:http2 forwarder` (server stream piped to a client stream, nothing
// else: the floor of any gRPC proxy on node:http2) and `own session forwarder` (the same on the balancer's own
// HTTP/2 session: what our codec costs before any balancing). Each process is measured after `--warmup` calls
// (10,000 by default), so the JIT has compiled the hot path: the steady state a long-running balancer lives in.
// Run after `pnpm build`:
//   node --import tsx bench/proxy/grpc.ts [--calls 40000] [--runs 3] [--warmup 10000]
//   node --import tsx bench/proxy/grpc.ts --quick                    # 4000 calls, one run
//   node --import tsx bench/proxy/grpc.ts --only lb,own              # rows by key: lb, haproxy, answer, forwarder, own
//   node --import tsx bench/proxy/grpc.ts --baseline main=DIR,…
//       adds `lb@main` rows: the balancer built in DIR (a copy of packages/proxy/dist whose node_modules resolve)
//   node --import tsx bench/proxy/grpc.ts --cpu-prof DIR             # the Node rows write CPU profiles to DIR
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineBuilds } from './baselineBuilds.js';
import { startHaproxy } from './haproxy.js';
import { canPin, cpuSeconds, freePort, pinTo } from './processes.js';

const args = process.argv.slice(2);
const text = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const option = (name: string, fallback: number): number => Number(text(name) ?? fallback);
const quick = args.includes('--quick');
const CALLS = option('--calls', quick ? 4_000 : 40_000);
const RUNS = option('--runs', quick ? 1 : 3);
const WARMUP = option('--warmup', quick ? 2_000 : 10_000);
const only = text('--only')?.split(',');
const profileArg = text('--cpu-prof');
const profileDir = profileArg === undefined ? undefined : resolve(profileArg);
/** Other builds of the balancer measured in the same sitting, `label=dir` (a copy of packages/proxy/dist). */
const baselines = baselineBuilds(text('--baseline'));
const pinned = canPin;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function pin(pid: number, cpu: number): void {
  if (pinned) pinTo(pid, cpu);
}

async function started(child: ChildProcess): Promise<void> {
  await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => {
      throw new Error('a bench process exited before it was ready');
    }),
  ]);
}

/** One framed lbtest.EchoRequest { text: "hello" }: the 5-byte gRPC prefix, then the protobuf bytes. */
function requestBody(): Buffer {
  const message = Buffer.from([0x0a, 5, ...Buffer.from('hello')]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function h2load(port: number, bodyFile: string, calls: number): { ok: number; rps: number } {
  const out = execFileSync(
    'taskset',
    [
      '-c',
      pinned ? '1' : '0-63',
      'h2load',
      '-n',
      String(calls),
      '-c',
      '4',
      '-m',
      '16',
      '-d',
      bodyFile,
      '-H',
      'content-type: application/grpc',
      '-H',
      'te: trailers',
      `http://127.0.0.1:${port}/lbtest.Echo/Unary`,
    ],
    { encoding: 'utf8' },
  );
  const ok = Number(/status codes: (\d+) 2xx/.exec(out)?.[1] ?? 0);
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0);
  return { ok, rps };
}

interface Target {
  /** What `--only` names it by. */
  key: string;
  name: string;
  start(backends: number[]): Promise<{ pid: number; port: number; stop(): void }>;
}

/** A Node process under test: `script` with the port and the backends' ports as arguments. */
function nodeTarget(
  key: string,
  name: string,
  script: string,
  env: Record<string, string> = {},
  loader: string[] = [],
): Target {
  return {
    key,
    name,
    async start(backends) {
      const port = await freePort();
      const execArgv = profileDir
        ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${key}-${Date.now()}.cpuprofile`]
        : [];
      const child = fork(here(script), [String(port), ...backends.map(String)], {
        stdio: 'ignore',
        execArgv: [...loader, ...execArgv],
        env: { ...process.env, ...env },
      });
      await started(child);
      pin(child.pid!, 0);
      // Disconnecting lets it exit on its own, so a profile is written.
      return { pid: child.pid!, port, stop: () => (profileDir ? child.disconnect() : child.kill()) };
    },
  };
}

const lb = nodeTarget('lb', 'lb (h2c → h2c)', './lbGrpcProxy.mjs');
const lbBaselines = baselines.map((b) =>
  nodeTarget(`lb@${b.label}`, `lb@${b.label} (h2c → h2c)`, './lbGrpcProxy.mjs', {
    LB_MODULE: join(b.dir, 'index.js'),
  }),
);
const answer = nodeTarget('answer', 'node:http2 answers (floor a)', './grpcAnswerFloor.mjs');
const forwarder = nodeTarget('forwarder', 'node:http2 forwarder (floor b)', './grpcForwardFloor.mjs');
// Straight from the sources (the session is not exported from the package), so it runs under tsx.
const own = nodeTarget('own', 'own session forwarder (floor c)', './grpcOwnFloor.ts', {}, [
  '--import',
  'tsx',
]);

const haproxy: Target = {
  key: 'haproxy',
  name: 'HAProxy (proto h2 → proto h2)',
  async start(backends) {
    const port = await freePort();
    const peer = await startHaproxy({ port, backends, bind: ' proto h2', server: ' proto h2' });
    pin(peer.pid, 0);
    return { pid: peer.pid, port, stop: peer.stop };
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const backendPorts = [await freePort(), await freePort()];
const backends = backendPorts.map((port) => {
  const child = fork(here('./grpcBackend.mjs'), [String(port)], { stdio: 'ignore' });
  return child;
});
await Promise.all(backends.map(started));
for (const b of backends) pin(b.pid!, 1);
const dir = mkdtempSync(join(tmpdir(), 'lb-bench-grpc-'));
const bodyFile = join(dir, 'unary.bin');
writeFileSync(bodyFile, requestBody());

const targets = [lb, ...lbBaselines, haproxy, answer, forwarder, own].filter(
  (t) => only === undefined || only.includes(t.key),
);
const results = new Map<string, { cpu: number[]; rps: number[] }>();
try {
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, so a change in the machine's load touches both alike.
    for (const target of targets) {
      const sut = await target.start(backendPorts);
      h2load(sut.port, bodyFile, WARMUP); // sessions open, hot path compiled
      const before = cpuSeconds(sut.pid);
      const { ok, rps } = h2load(sut.port, bodyFile, CALLS);
      const spent = cpuSeconds(sut.pid) - before;
      sut.stop();
      if (ok !== CALLS) throw new Error(`${target.name}: ${ok} of ${CALLS} calls answered 2xx`);
      const entry = results.get(target.name) ?? { cpu: [], rps: [] };
      entry.cpu.push((spent / CALLS) * 100_000);
      entry.rps.push(rps);
      results.set(target.name, entry);
    }
  }
} finally {
  for (const b of backends) b.kill();
  rmSync(dir, { recursive: true, force: true });
}

const cpuOf = (target: Target) => {
  const r = results.get(target.name);
  return r === undefined ? undefined : median(r.cpu);
};
const haCpu = cpuOf(haproxy);
const fwCpu = cpuOf(forwarder);
console.log(
  `${CALLS} unary calls per run after ${WARMUP} to warm up, ${RUNS} runs, h2load -c 4 -m 16, ` +
    `${pinned ? 'pinned' : 'unpinned'}, ` +
    `load average ${loadavg()[0]!.toFixed(2)}`,
);
const ratio = (cpu: number, to: number | undefined) => (to === undefined ? '–' : `${(cpu / to).toFixed(2)}×`);
/**
 * The median over runs of this row's CPU over HAProxy's in the same run: runs are interleaved, so each pair
 * saw the same machine, and a sitting whose speed drifts (a VM's neighbours) moves both sides of a pair.
 */
const haRuns = results.get(haproxy.name)?.cpu;
const paired = (cpu: number[]) =>
  haRuns === undefined ? '–' : `${median(cpu.map((c, run) => c / haRuns[run]!)).toFixed(2)}×`;
console.log(
  '| process under test | calls/s (median) | CPU s per 100k calls (median) | runs | vs HAProxy | vs HAProxy, paired | vs forwarder |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of results) {
  const cpu = median(r.cpu);
  console.log(
    `| ${name} | ${Math.round(median(r.rps))} | ${cpu.toFixed(2)} | ${r.cpu.map((c) => c.toFixed(2)).join(', ')} | ${ratio(cpu, haCpu)} | ${paired(r.cpu)} | ${ratio(cpu, fwCpu)} |`,
  );
}
