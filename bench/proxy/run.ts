// Proxy benchmark: wrk at 64 keep-alive connections against direct, nginx, HAProxy, http-proxy, a bare
// http.request proxy and our LoadBalancer (roundRobin, leastConnections), over plain HTTP and, for nginx, HAProxy
// and the LoadBalancer, over HTTPS (TLS terminated by the proxy; backends stay plain HTTP). `node-floor` rows are
// a Node server answering by itself: the cost of Node's socket (and TLS) machinery, below any Node proxy; `node-pipe`
// rows copy bytes between each client and its own backend connection without parsing: the socket work of a
// keep-alive proxy, the floor of any proxy written on Node. Reports rps, p50/p99
// and the CPU seconds the process under test spends per 100k requests (utime + stime from /proc/<pid>/stat).
//
// Pinning (when `taskset` exists and there are 2+ CPUs): the process under test on CPU 0, wrk and both backends
// on CPU 1 (for `direct`, the measured backend moves to CPU 0). `--no-pin` runs everything unpinned.
//
//   node --import tsx bench/proxy/run.ts            # 3 interleaved rounds of 10 s
//   node --import tsx bench/proxy/run.ts --quick    # 1 round of 3 s, to check that everything works
//   node --import tsx bench/proxy/run.ts --only lb-roundRobin,haproxy,lb-roundRobin-tls
//   node --import tsx bench/proxy/run.ts --no-tls   # plain HTTP only
//   node --import tsx bench/proxy/run.ts --rounds 5 --seconds 6
//   node --import tsx bench/proxy/run.ts --close    # `Connection: close`: a new connection for every request
//   node --import tsx bench/proxy/run.ts --only lb-roundRobin,lb-roundRobin-h2c   # HTTP/1.1 vs h2c to the backends
//   node --import tsx bench/proxy/run.ts --gate     # before each measurement, wait (up to 30 s) for the SUT's CPU to be quiet
//   node --import tsx bench/proxy/run.ts --baseline old=DIR,head=DIR2
//       adds lb-roundRobin@old rows (plain and TLS): the balancer built in DIR (a copy of packages/proxy/dist
//       whose node_modules resolve, for instance built from `git archive`) measured in the same run
import { type ChildProcess, execFileSync, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineBuilds } from './baselineBuilds.js';
import { startHaproxy } from './haproxy.js';
import { startNginx } from './nginx.js';
import { canPin, cpuTimes, freePort, has, pinTo, stopChild } from './processes.js';
import { parseWrk, type WrkResult, wrkCommand } from './wrk.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const close = args.includes('--close');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option('--rounds') ?? (quick ? 1 : 3));
const duration = Number(option('--seconds') ?? (quick ? 3 : 10));
const warmup = quick ? 1 : 2;
const only = option('--only') ? new Set(option('--only')!.split(',')) : undefined;
/** Other builds of the balancer to run beside this one, `label=dir` (a copy of packages/proxy/dist), comma-separated. */
const baselines = baselineBuilds(option('--baseline'));
const withTls = !args.includes('--no-tls');
const gate = args.includes('--gate');
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const pinned = !args.includes('--no-pin') && canPin;
/** The CPU of the process under test, and the CPU of wrk and the backends. */
const SUT_CPU = 0;
const LOAD_CPU = 1;

interface Sut {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

interface Config {
  name: string;
  what: string;
  tls: boolean;
  /** Measured against the h2c backends (`backendH2.mjs`) instead of the HTTP/1.1 ones. */
  h2c?: boolean;
  start(backends: number[]): Promise<Sut>;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  cpuPer100k: number;
  userPer100k: number;
  sysPer100k: number;
  util: number;
  /** Share of the process under test's CPU that other processes used during the run (pinned runs only). */
  others: number;
  load: number;
}

/** Busy seconds of one CPU so far, everything but idle and iowait (/proc/stat). */
function cpuBusy(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `))!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / ticks;
}

/**
 * With `--gate`, waits (at most 30 s) until other processes use under 10% of the process under test's CPU over
 * one second, so a measurement does not start in a burst of someone else's work.
 */
async function quietGate(): Promise<void> {
  if (!gate || !pinned) return;
  for (let i = 0; i < 30; i++) {
    const before = cpuBusy(SUT_CPU);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (cpuBusy(SUT_CPU) - before < 0.1) return;
  }
}

/** Moves every thread of `pid` to `cpu` (no-op unpinned). */
function pin(pid: number, cpu: number): void {
  if (pinned) pinTo(pid, cpu);
}

async function forkReady(
  script: string,
  argv: string[],
  env?: Record<string, string>,
): Promise<ChildProcess> {
  const child = fork(join(here, script), argv, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  await once(child, 'message');
  return child;
}

/** A self-signed RSA-2048 certificate for 127.0.0.1, made once per run. */
interface Cert {
  key: string;
  cert: string;
  /** Certificate then key in one file, as HAProxy's `crt` wants it. */
  combined: string;
}

function makeCert(): Cert {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1'.split(' '),
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore', input: '' },
  );
  const combined = join(dir, 'combined.pem');
  writeFileSync(combined, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { key, cert, combined };
}

function nodeConfig(
  name: string,
  what: string,
  script: string,
  extra: string[] = [],
  env: () => Record<string, string> = () => ({}),
  tls = false,
): Config {
  return {
    name,
    what,
    tls,
    async start(backends) {
      const port = await freePort();
      const child = await forkReady(script, [String(port), ...extra, ...backends.map(String)], env());
      pin(child.pid!, SUT_CPU);
      return { pid: child.pid!, port, stop: () => stopChild(child) };
    },
  };
}

function ensureTools(): void {
  const missing = ['nginx', 'haproxy', 'wrk'].filter((tool) => !has(tool));
  if (missing.length > 0 && process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'ignore' });
  }
  if (!has('wrk')) throw new Error('wrk is required (apt-get install -y wrk)');
}

function nginx(cert: Cert | undefined): Config {
  return {
    name: cert ? 'nginx-tls' : 'nginx',
    what: `nginx, 1 worker, upstream keepalive 64${cert ? ', listen ssl (TLS 1.2 and 1.3)' : ''}`,
    tls: cert !== undefined,
    async start(backends) {
      const port = await freePort();
      // nginx 1.22 leaves TLS 1.3 out by default; the others negotiate it, so nginx gets it too.
      const ssl = cert
        ? `ssl_certificate ${cert.cert}; ssl_certificate_key ${cert.key}; ssl_protocols TLSv1.2 TLSv1.3;`
        : '';
      const peer = await startNginx({ port, backends, ...(cert ? { listen: ' ssl', server: ssl } : {}) });
      pin(peer.master, SUT_CPU);
      pin(peer.worker, SUT_CPU);
      return { pid: peer.worker, port, stop: () => peer.stop() };
    },
  };
}

function haproxy(cert: Cert | undefined): Config {
  return {
    name: cert ? 'haproxy-tls' : 'haproxy',
    what: `HAProxy, nbthread 1, http-reuse always${cert ? ', bind ssl crt' : ''}`,
    tls: cert !== undefined,
    async start(backends) {
      const port = await freePort();
      const bind = cert ? ` ssl crt ${cert.combined}` : '';
      const peer = await startHaproxy({ port, backends, bind });
      pin(peer.pid, SUT_CPU);
      return { pid: peer.pid, port, stop: peer.stop };
    },
  };
}

function runWrk(port: number, tls: boolean, seconds: number): WrkResult {
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  const [command, ...rest] = wrkCommand(url, seconds, 64, pinned ? LOAD_CPU : undefined, close);
  return parseWrk(execFileSync(command!, rest, { encoding: 'utf8' }));
}

/** The TLS version and cipher a default OpenSSL client (as wrk is) negotiates with the server on `port`. */
function negotiated(port: number): string {
  const out = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-brief'], {
    input: '',
    encoding: 'utf8',
    timeout: 5000,
  });
  const text = `${out.stdout}\n${out.stderr}`;
  const version = text.match(/Protocol version: (\S+)/)?.[1] ?? '?';
  const cipher = text.match(/Ciphersuite: (\S+)/)?.[1] ?? '?';
  const group = text.match(/Server Temp Key: ([^,\n]+)/)?.[1] ?? '?';
  return `${version} ${cipher} ${group}`;
}

const ciphers = new Map<string, string>();

async function measure(config: Config, backends: number[], direct: Sut): Promise<Result> {
  const sut = config.name === 'direct' ? direct : await config.start(config.h2c ? h2cPorts : backends);
  if (config.name === 'direct') pin(sut.pid, SUT_CPU);
  try {
    if (config.tls && !ciphers.has(config.name)) ciphers.set(config.name, negotiated(sut.port));
    await quietGate();
    runWrk(sut.port, config.tls, warmup);
    const load = loadavg()[0]!;
    const before = cpuTimes(sut.pid);
    const busyBefore = cpuBusy(SUT_CPU);
    const startedAt = process.hrtime.bigint();
    const run = runWrk(sut.port, config.tls, duration);
    const wall = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const after = cpuTimes(sut.pid);
    const busy = cpuBusy(SUT_CPU) - busyBefore;
    const user = after.user - before.user;
    const sys = after.sys - before.sys;
    const per100k = (seconds: number) => (seconds / run.requests) * 100_000;
    return {
      rps: run.rps,
      p50: run.p50,
      p99: run.p99,
      cpuPer100k: per100k(user + sys),
      userPer100k: per100k(user),
      sysPer100k: per100k(sys),
      util: (user + sys) / wall,
      others: pinned ? Math.max(0, busy - user - sys) / wall : Number.NaN,
      load,
    };
  } finally {
    if (sut !== direct) await sut.stop();
    else pin(sut.pid, LOAD_CPU);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

ensureTools();
if (!existsSync(join(here, '../../packages/proxy/dist/index.js'))) {
  execFileSync('pnpm', ['--filter', '@lb/proxy', 'build'], { stdio: 'inherit' });
}
const cert = withTls ? makeCert() : undefined;
const tlsEnv = (): Record<string, string> => (cert ? { LB_TLS_KEY: cert.key, LB_TLS_CERT: cert.cert } : {});
const lbConfigs = (strategies: string[], baseline?: { label: string; dir: string }): Config[] => {
  const moduleEnv: Record<string, string> = baseline ? { LB_MODULE: join(baseline.dir, 'index.js') } : {};
  const suffix = baseline ? `@${baseline.label}` : '';
  const list: Config[] = [];
  for (const strategy of strategies) {
    const what = `@lb/proxy LoadBalancer${baseline ? ` (build ${baseline.label})` : ''}, ${strategy}`;
    list.push(nodeConfig(`lb-${strategy}${suffix}`, what, 'lbProxy.mjs', [strategy], () => moduleEnv));
    if (cert) {
      const env = () => ({ ...moduleEnv, ...tlsEnv() });
      list.push(
        nodeConfig(`lb-${strategy}-tls${suffix}`, `${what}, tls`, 'lbProxy.mjs', [strategy], env, true),
      );
    }
  }
  return list;
};
const configs: Config[] = [
  { name: 'direct', what: 'wrk → one backend', tls: false, start: async () => direct },
  ...(has('nginx') ? [nginx(undefined), ...(cert ? [nginx(cert)] : [])] : []),
  ...(has('haproxy') ? [haproxy(undefined), ...(cert ? [haproxy(cert)] : [])] : []),
  nodeConfig('node-floor', 'Node net server answering itself (no proxying)', 'floor.mjs'),
  ...(cert
    ? [nodeConfig('node-floor-tls', 'Node tls server answering itself', 'floor.mjs', [], tlsEnv, true)]
    : []),
  nodeConfig('node-pipe', 'Node net pipe, one backend connection per client, no parsing', 'pipeFloor.mjs'),
  ...(cert
    ? [nodeConfig('node-pipe-tls', 'Node tls → net pipe, no parsing', 'pipeFloor.mjs', [], tlsEnv, true)]
    : []),
  nodeConfig('http-proxy', 'http-proxy 1.18 + Agent(64)', 'httpProxy.mjs'),
  nodeConfig('bare', 'bare http.request + Agent(64)', 'bareProxy.mjs'),
  ...lbConfigs(['roundRobin', 'leastConnections']),
  {
    ...nodeConfig(
      'lb-roundRobin-h2c',
      '@lb/proxy LoadBalancer, roundRobin, h2c to the backends',
      'lbProxy.mjs',
      ['roundRobin'],
      () => ({ LB_UPSTREAM_PROTOCOL: 'h2c' }),
    ),
    h2c: true,
  },
  ...baselines.flatMap((baseline) => lbConfigs(['roundRobin'], baseline)),
].filter((c) => !only || only.has(c.name));

const backendPorts = [await freePort(), await freePort()];
const backendProcs = await Promise.all(backendPorts.map((p) => forkReady('backend.mjs', [String(p)])));
for (const proc of backendProcs) pin(proc.pid!, LOAD_CPU);
// The h2c backends, only when a row needs them.
const h2cPorts = configs.some((c) => c.h2c) ? [await freePort(), await freePort()] : [];
const h2cProcs = await Promise.all(h2cPorts.map((p) => forkReady('backendH2.mjs', [String(p)])));
for (const proc of h2cProcs) pin(proc.pid!, LOAD_CPU);
const direct: Sut = { pid: backendProcs[0]!.pid!, port: backendPorts[0]!, stop: async () => {} };
const results = new Map<string, Result[]>();
const startedAt = new Date();
try {
  for (let round = 0; round < rounds; round++) {
    const order = [...configs].sort(() => Math.random() - 0.5);
    for (const config of order) {
      process.stderr.write(`round ${round + 1}/${rounds}: ${config.name}\n`);
      const result = await measure(config, backendPorts, direct);
      results.set(config.name, [...(results.get(config.name) ?? []), result]);
    }
  }
} finally {
  await Promise.all([...backendProcs, ...h2cProcs].map(stopChild));
  if (cert) rmSync(join(cert.key, '..'), { recursive: true, force: true });
}

const medianOf = (name: string, pick: (r: Result) => number) => {
  const list = results.get(name);
  return list && list.length > 0 ? median(list.map(pick)) : undefined;
};
const version = (command: string, flag: string, pattern: RegExp) => {
  const out = spawnSync(command, [flag], { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.match(pattern)?.[1] ?? '?';
};
console.log(
  `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}, ` +
    `nginx ${version('nginx', '-v', /nginx\/(\S+)/)}, HAProxy ${version('haproxy', '-v', /version (\S+)/)}; ` +
    `${rounds} round(s) of ${duration} s, wrk -t1 -c64${close ? " -H 'Connection: close'" : ''}, ` +
    `${pinned ? `pinned (process under test on CPU ${SUT_CPU}, wrk and backends on CPU ${LOAD_CPU})` : 'unpinned'}; ` +
    `one-minute load average at the end: ${loadavg()[0]!.toFixed(2)}.\n`,
);
console.log(
  '| config | what | rps (median) | p50 / p99 ms | CPU-s per 100k (min–max) | user / sys | SUT util | others on its CPU | vs nginx | vs HAProxy | load avg |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
/** The lowest and highest CPU-s per 100k of a config's rounds, when there were several. */
const spread = (name: string): string => {
  const list = (results.get(name) ?? []).map((r) => r.cpuPer100k);
  return list.length > 1 ? ` (${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)})` : '';
};
for (const config of configs) {
  const name = config.name;
  const cpu = medianOf(name, (r) => r.cpuPer100k);
  if (cpu === undefined) continue;
  const ratio = (peer: string) => {
    const reference = medianOf(config.tls ? `${peer}-tls` : peer, (r) => r.cpuPer100k);
    return reference ? `${(cpu / reference).toFixed(2)}×` : 'n/a';
  };
  const m = (pick: (r: Result) => number) => medianOf(name, pick)!;
  console.log(
    `| ${name} | ${config.what} | ${Math.round(m((r) => r.rps))} | ${m((r) => r.p50).toFixed(2)} / ${m((r) => r.p99).toFixed(2)} | ${cpu.toFixed(2)}${spread(name)} | ${m((r) => r.userPer100k).toFixed(2)} / ${m((r) => r.sysPer100k).toFixed(2)} | ${Math.round(m((r) => r.util) * 100)}% | ${pinned ? `${Math.round(m((r) => r.others) * 100)}%` : 'n/a'} | ${ratio('nginx')} | ${ratio('haproxy')} | ${m((r) => r.load).toFixed(2)} |`,
  );
}
if (ciphers.size > 0) {
  console.log('\nNegotiated with a default OpenSSL client (as wrk is):');
  for (const [name, cipher] of ciphers) console.log(`- ${name}: ${cipher}`);
}
