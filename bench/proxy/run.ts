// Proxy benchmark: wrk at 64 keep-alive connections against direct, nginx, http-proxy, a bare http.request
// proxy and our LoadBalancer (roundRobin, leastConnections). Reports rps, p50/p99 and the CPU seconds the process
// under test spends per 100k requests (utime + stime from /proc/<pid>/stat).
//
//   node --import tsx bench/proxy/run.ts            # 3 interleaved rounds of 10 s
//   node --import tsx bench/proxy/run.ts --quick    # 1 round of 3 s, to check that everything works
//   node --import tsx bench/proxy/run.ts --only lb-roundRobin,bare
import { type ChildProcess, execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rounds = quick ? 1 : 3;
const duration = quick ? 3 : 10;
const warmup = quick ? 1 : 2;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

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
  p50: number;
  p99: number;
  cpuPer100k: number;
  util: number;
  load: number;
}

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

async function forkReady(script: string, argv: string[]): Promise<ChildProcess> {
  const child = fork(join(here, script), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await once(child, 'message');
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.destroy() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`port ${port} never opened`);
}

function nodeConfig(name: string, what: string, script: string, extra: string[] = []): Config {
  return {
    name,
    what,
    async start(backends) {
      const port = await freePort();
      const child = await forkReady(script, [String(port), ...extra, ...backends.map(String)]);
      return { pid: child.pid!, port, stop: () => stopChild(child) };
    },
  };
}

function ensureTools(): boolean {
  const has = (tool: string) => spawnSync('which', [tool]).status === 0;
  if ((!has('nginx') || !has('wrk')) && process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', 'nginx', 'wrk'], { stdio: 'ignore' });
  }
  if (!has('wrk')) throw new Error('wrk is required (apt-get install -y wrk)');
  return has('nginx');
}

const nginx: Config = {
  name: 'nginx',
  what: 'nginx, 1 worker, upstream keepalive 64',
  async start(backends) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'lb-bench-nginx-'));
    const upstreams = backends.map((p) => `server 127.0.0.1:${p};`).join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; upstream b { ${upstreams} keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://b; proxy_http_version 1.1;
    proxy_set_header Connection ""; } } }`,
    );
    const master = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    await waitForPort(port);
    const children = readFileSync(`/proc/${master.pid}/task/${master.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/);
    const worker = Number(children[0]);
    const stop = async (): Promise<void> => {
      // Killing only the master would leave its worker running, holding the port.
      process.kill(worker, 'SIGKILL');
      await stopChild(master);
    };
    return { pid: worker, port, stop };
  },
};

function runWrk(port: number, seconds: number): { requests: number; rps: number; p50: number; p99: number } {
  const out = execFileSync(
    'timeout',
    [
      '-k',
      '5',
      String(seconds + 15),
      'wrk',
      '-t1',
      '-c64',
      `-d${seconds}s`,
      '--latency',
      `http://127.0.0.1:${port}/`,
    ],
    { encoding: 'utf8' },
  );
  const toMs = (value: string, unit: string) =>
    Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const latency = (pct: string) => {
    const m = out.match(new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`));
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/);
  if (errors) process.stderr.write(`  wrk reported: ${errors[0]}\n`);
  return {
    requests: Number(out.match(/(\d+) requests in/)![1]),
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    p50: latency('50'),
    p99: latency('99'),
  };
}

async function measure(config: Config, backends: number[], direct: Sut): Promise<Result> {
  const sut = config.name === 'direct' ? direct : await config.start(backends);
  try {
    runWrk(sut.port, warmup);
    const load = loadavg()[0]!;
    const before = cpuSeconds(sut.pid);
    const startedAt = process.hrtime.bigint();
    const run = runWrk(sut.port, duration);
    const wall = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const cpu = cpuSeconds(sut.pid) - before;
    return {
      rps: run.rps,
      p50: run.p50,
      p99: run.p99,
      cpuPer100k: (cpu / run.requests) * 100_000,
      util: cpu / wall,
      load,
    };
  } finally {
    if (sut !== direct) await sut.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const withNginx = ensureTools();
if (!existsSync(join(here, '../../packages/proxy/dist/index.js'))) {
  execFileSync('pnpm', ['--filter', '@lb/proxy', 'build'], { stdio: 'inherit' });
}
const configs: Config[] = [
  { name: 'direct', what: 'wrk → one backend', start: async () => direct },
  ...(withNginx ? [nginx] : []),
  nodeConfig('http-proxy', 'http-proxy 1.18 + Agent(64)', 'httpProxy.mjs'),
  nodeConfig('bare', 'bare http.request + Agent(64)', 'bareProxy.mjs'),
  nodeConfig('lb-roundRobin', '@lb/proxy LoadBalancer, roundRobin', 'lbProxy.mjs', ['roundRobin']),
  nodeConfig('lb-leastConnections', '@lb/proxy LoadBalancer, leastConnections', 'lbProxy.mjs', [
    'leastConnections',
  ]),
].filter((c) => !only || only.has(c.name));

const backendPorts = [await freePort(), await freePort()];
const backendProcs = await Promise.all(backendPorts.map((p) => forkReady('backend.mjs', [String(p)])));
const direct: Sut = { pid: backendProcs[0]!.pid!, port: backendPorts[0]!, stop: async () => {} };
const results = new Map<string, Result[]>();
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
  await Promise.all(backendProcs.map(stopChild));
}

const nginxRps = results.get('nginx') ? median(results.get('nginx')!.map((r) => r.rps)) : undefined;
const nginxCpu = results.get('nginx') ? median(results.get('nginx')!.map((r) => r.cpuPer100k)) : undefined;
console.log(`Node ${process.version}, ${rounds} round(s) of ${duration} s, wrk -t1 -c64, unpinned.\n`);
console.log(
  '| config | what | rps (median) | p50 / p99 ms | CPU-s per 100k | SUT util | vs nginx CPU | load avg |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const config of configs) {
  const list = results.get(config.name) ?? [];
  if (list.length === 0) continue;
  const cpu = median(list.map((r) => r.cpuPer100k));
  const ratio = nginxCpu ? `${(cpu / nginxCpu).toFixed(2)}×` : 'n/a';
  console.log(
    `| ${config.name} | ${config.what} | ${Math.round(median(list.map((r) => r.rps)))} | ${median(list.map((r) => r.p50)).toFixed(2)} / ${median(list.map((r) => r.p99)).toFixed(2)} | ${cpu.toFixed(2)} | ${Math.round(median(list.map((r) => r.util)) * 100)}% | ${ratio} | ${median(list.map((r) => r.load)).toFixed(2)} |`,
  );
}
if (nginxRps === undefined) console.log('\nnginx was not available, so there is no nginx ratio.');
