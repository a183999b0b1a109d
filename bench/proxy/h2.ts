// HTTP/2 ingress benchmark: h2load (h2c, prior knowledge) against HAProxy (`bind … proto h2`), nginx
// (`listen … http2`), a naive Node proxy (node:http2 compatibility server → http.request + Agent(64)) and our
// LoadBalancer with `http2: true`; every backend is the same plain HTTP/1.1 Node server as in run.ts. The
// `node-h2-floor` row is a `node:http2` server answering each stream itself (no proxying): Node's own HTTP/2 cost
// per request, below any Node HTTP/2 proxy. Reports rps and the CPU seconds the process under test spends per
// 100k requests (utime + stime from /proc/<pid>/stat).
//
// Pinning as run.ts: the process under test on CPU 0, h2load and both backends on CPU 1.
//
//   node --import tsx bench/proxy/h2.ts                 # 3 interleaved rounds of 10 s
//   node --import tsx bench/proxy/h2.ts --quick         # 1 round of 3 s
//   node --import tsx bench/proxy/h2.ts --rounds 5 --seconds 8 --only lb-h2c,haproxy-h2c
//   node --import tsx bench/proxy/h2.ts --rate 4000 --only lb-h2c,lb-h2c@main --baseline main=DIR
//       h2load paced at 4,000 requests/s in all (`--rps` per connection) instead of flat out: every row then
//       serves the same rate, so CPU per request compares at the same batching even when other work takes
//       CPU 0 (a row that cannot keep up serves fewer and says so in its rps)
//   node --import tsx bench/proxy/h2.ts --baseline main=DIR
//       adds an lb-h2c@main row: the balancer built in DIR (a copy of packages/proxy/dist whose node_modules
//       resolve @lb/core and @lb/strategies) measured in the same run, interleaved with the others
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineBuilds } from './baselineBuilds.js';
import { startHaproxy } from './haproxy.js';
import { canPin, cpuSeconds, freePort, pinTo, stopChild, waitForPort } from './processes.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option('--rounds') ?? (quick ? 1 : 3));
const duration = Number(option('--seconds') ?? (quick ? 3 : 10));
const only = option('--only') ? new Set(option('--only')!.split(',')) : undefined;
const baselines = baselineBuilds(option('--baseline'));
const pinned = !args.includes('--no-pin') && canPin;
const rate = option('--rate') ? Number(option('--rate')) : undefined;
const SUT_CPU = 0;
const LOAD_CPU = 1;
/** h2load's load: 8 connections with up to 8 streams each, 64 in flight as wrk's 64 connections in run.ts. */
const CLIENTS = 8;
const STREAMS = 8;

interface Sut {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

interface Config {
  name: string;
  what: string;
  start(backends: number[]): Promise<Sut>;
}

interface Result {
  rps: number;
  cpuPer100k: number;
  util: number;
}

function pin(pid: number, cpu: number): void {
  if (pinned) pinTo(pid, cpu);
}

async function forkReady(
  script: string,
  argv: string[],
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = fork(join(here, script), argv, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  await once(child, 'message');
  return child;
}

function nodeConfig(
  name: string,
  what: string,
  script: string,
  extra: string[],
  env: Record<string, string>,
): Config {
  return {
    name,
    what,
    async start(backends) {
      const port = await freePort();
      const child = await forkReady(script, [String(port), ...extra, ...backends.map(String)], env);
      pin(child.pid!, SUT_CPU);
      return { pid: child.pid!, port, stop: () => stopChild(child) };
    },
  };
}

function haproxy(): Config {
  return {
    name: 'haproxy-h2c',
    what: 'HAProxy, nbthread 1, bind … proto h2, http-reuse always',
    async start(backends) {
      const port = await freePort();
      const peer = await startHaproxy({ port, backends, bind: ' proto h2' });
      pin(peer.pid, SUT_CPU);
      return { pid: peer.pid, port, stop: peer.stop };
    },
  };
}

function nginx(): Config {
  return {
    name: 'nginx-h2c',
    // nginx 1.22 ends an HTTP/2 connection after `keepalive_requests` streams (1,000 by default; the older
    // `http2_max_requests` is obsolete since 1.19.7 and only warns): h2load would count the streams cut off.
    what: 'nginx, 1 worker, listen … http2 (h2c), keepalive_requests 1e9, upstream keepalive 64',
    async start(backends) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'lb-bench-nginx-h2-'));
      const upstreams = backends.map((p) => `server 127.0.0.1:${p};`).join(' ');
      writeFileSync(
        join(dir, 'nginx.conf'),
        `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; upstream b { ${upstreams} keepalive 64; }
  server { listen 127.0.0.1:${port} http2; http2_max_concurrent_streams 128;
    keepalive_requests 1000000000; keepalive_timeout 60s;
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`,
      );
      const master = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
        stdio: 'ignore',
      });
      await waitForPort(port, master);
      const worker = Number(
        readFileSync(`/proc/${master.pid}/task/${master.pid}/children`, 'utf8').trim().split(/\s+/)[0],
      );
      pin(master.pid!, SUT_CPU);
      pin(worker, SUT_CPU);
      return {
        pid: worker,
        port,
        stop: async () => {
          process.kill(worker, 'SIGKILL');
          await stopChild(master);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** Runs h2load for `seconds` and returns the requests that succeeded and the rate h2load reports. */
function runH2load(port: number, seconds: number): { done: number; rps: number } {
  const command = [
    'timeout',
    '-k',
    '5',
    String(seconds + 20),
    'h2load',
    '-t1',
    `-c${CLIENTS}`,
    `-m${STREAMS}`,
    `-D${seconds}`,
    ...(rate ? [`--rps=${rate / CLIENTS}`] : []),
    `http://127.0.0.1:${port}/`,
  ];
  const [cmd, ...rest] = pinned ? ['taskset', '-c', String(LOAD_CPU), ...command] : command;
  const out = execFileSync(cmd!, rest, { encoding: 'utf8' });
  const requests = out.match(
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed/,
  );
  if (!requests) throw new Error(`h2load said:\n${out}`);
  if (Number(requests[5]) > 0) process.stderr.write(`  h2load: ${requests[0]}\n`);
  if (!/h2c|h2/.test(out.match(/Application protocol: (\S+)/)?.[1] ?? '')) throw new Error('not HTTP/2');
  return { done: Number(requests[4]), rps: Number(out.match(/([\d.]+) req\/s/)![1]) };
}

async function measure(config: Config, backends: number[]): Promise<Result> {
  const sut = await config.start(backends);
  try {
    runH2load(sut.port, quick ? 1 : 2);
    const before = cpuSeconds(sut.pid);
    const startedAt = process.hrtime.bigint();
    const run = runH2load(sut.port, duration);
    const wall = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const cpu = cpuSeconds(sut.pid) - before;
    return { rps: run.rps, cpuPer100k: (cpu / run.done) * 100_000, util: cpu / wall };
  } finally {
    await sut.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (!existsSync(join(here, '../../packages/proxy/dist/index.js'))) {
  throw new Error('build @lb/proxy first: pnpm --filter @lb/proxy build');
}
const configs: Config[] = [
  haproxy(),
  nginx(),
  nodeConfig(
    'node-naive-h2',
    'node:http2 compat server → http.request + Agent(64)',
    'naiveH2Proxy.mjs',
    [],
    {},
  ),
  nodeConfig('node-h2-floor', 'node:http2 stream API answering itself, no proxying', 'h2Floor.mjs', [], {}),
  nodeConfig('lb-h2c', '@lb/proxy LoadBalancer, roundRobin, http2: true', 'lbProxy.mjs', ['roundRobin'], {
    LB_HTTP2: '1',
  }),
  ...baselines.map(({ label, dir }) =>
    nodeConfig(
      `lb-h2c@${label}`,
      `@lb/proxy LoadBalancer (build ${label}), roundRobin, http2: true`,
      'lbProxy.mjs',
      ['roundRobin'],
      { LB_HTTP2: '1', LB_MODULE: join(dir, 'index.js') },
    ),
  ),
].filter((c) => !only || only.has(c.name));

const backendPorts = [await freePort(), await freePort()];
const backendProcs = await Promise.all(backendPorts.map((p) => forkReady('backend.mjs', [String(p)])));
for (const proc of backendProcs) pin(proc.pid!, LOAD_CPU);
const results = new Map<string, Result[]>();
const startedAt = new Date();
try {
  for (let round = 0; round < rounds; round++) {
    for (const config of [...configs].sort(() => Math.random() - 0.5)) {
      process.stderr.write(`round ${round + 1}/${rounds}: ${config.name}\n`);
      results.set(config.name, [...(results.get(config.name) ?? []), await measure(config, backendPorts)]);
    }
  }
} finally {
  await Promise.all(backendProcs.map(stopChild));
}

console.log(
  `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${rounds} round(s) of ` +
    `${duration} s, h2load -t1 -c${CLIENTS} -m${STREAMS}${rate ? ` --rps=${rate / CLIENTS}` : ''} (h2c); ` +
    `${pinned ? `pinned (process under test on CPU ${SUT_CPU}, h2load and backends on CPU ${LOAD_CPU})` : 'unpinned'}; ` +
    `one-minute load average at the end: ${loadavg()[0]!.toFixed(2)}.\n`,
);
console.log('| config | what | rps (median) | CPU-s per 100k (min–max) | SUT util | vs HAProxy | vs nginx |');
console.log('|---|---|---|---|---|---|---|');
const cpuOf = (name: string) => {
  const list = results.get(name);
  return list ? median(list.map((r) => r.cpuPer100k)) : undefined;
};
for (const config of configs) {
  const list = results.get(config.name)!;
  const cpu = cpuOf(config.name)!;
  const all = list.map((r) => r.cpuPer100k);
  const ratio = (peer: string) => {
    const reference = cpuOf(peer);
    return reference ? `${(cpu / reference).toFixed(2)}×` : 'n/a';
  };
  console.log(
    `| ${config.name} | ${config.what} | ${Math.round(median(list.map((r) => r.rps)))} | ${cpu.toFixed(2)} (${Math.min(...all).toFixed(2)}–${Math.max(...all).toFixed(2)}) | ${Math.round(median(list.map((r) => r.util)) * 100)}% | ${ratio('haproxy-h2c')} | ${ratio('nginx-h2c')} |`,
  );
}
