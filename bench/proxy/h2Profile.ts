// A CPU profile of the balancer (lbProxy.mjs with `http2: true`, or another build through `--module`) under the
// h2.ts load: h2load -t1 -c8 -m8 (h2c) for `--seconds`, the balancer pinned to CPU 0 and run with
// `node --cpu-prof`, h2load and the two HTTP/1.1 backends on CPU 1. Prints the busy samples' shares (idle left
// out): the top functions by self time, and by inclusive time those of the balancer's own bundle. With `--floor`
// the process profiled is h2Floor.mjs instead (node:http2 answering itself), for Node's own share.
//
//   node --import tsx bench/proxy/h2Profile.ts --seconds 8
//   node --import tsx bench/proxy/h2Profile.ts --floor
//   node --import tsx bench/proxy/h2Profile.ts --module /path/to/other/dist/index.js --top 40
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canPin, cpuSeconds, freePort, pinTo, stopChild } from './processes.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option('--seconds') ?? 8);
const top = Number(option('--top') ?? 30);
const module = option('--module');
const floor = args.includes('--floor');
const dir = option('--keep') ?? mkdtempSync(join(tmpdir(), 'lb-h2-profile-'));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const pin = (pid: number, cpu: number) => canPin && pinTo(pid, cpu);
const ready = async (
  script: string,
  argv: string[],
  env: Record<string, string>,
  execArgv: string[] = [],
) => {
  const child = fork(join(here, script), argv, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
    execArgv,
  });
  await once(child, 'message');
  return child;
};

const backendPorts = [await freePort(), await freePort()];
const backends = await Promise.all(backendPorts.map((p) => ready('backend.mjs', [String(p)], {})));
for (const backend of backends) pin(backend.pid!, 1);
const port = await freePort();
const lb = await ready(
  floor ? 'h2Floor.mjs' : 'lbProxy.mjs',
  [String(port), 'roundRobin', ...backendPorts.map(String)],
  { LB_HTTP2: '1', ...(module ? { LB_MODULE: module } : {}) },
  ['--cpu-prof', `--cpu-prof-dir=${dir}`],
);
pin(lb.pid!, 0);
const h2load = (s: number): number => {
  const command = ['h2load', '-t1', '-c8', '-m8', `-D${s}`, `http://127.0.0.1:${port}/`];
  const out = execFileSync(
    'timeout',
    ['-k', '5', String(s + 20), ...(canPin ? ['taskset', '-c', '1'] : []), ...command],
    { encoding: 'utf8' },
  );
  return Number(out.match(/(\d+) succeeded/)?.[1] ?? 0);
};
let done: number;
let cpu: number;
try {
  h2load(2);
  const before = cpuSeconds(lb.pid!);
  done = h2load(seconds);
  cpu = cpuSeconds(lb.pid!) - before;
} finally {
  // lbProxy.mjs exits on disconnect, which is when `--cpu-prof` writes the profile.
  const exited = once(lb, 'exit');
  lb.disconnect();
  await exited;
  await Promise.all(backends.map(stopChild));
}

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
};
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const key = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
for (const id of profile.samples) {
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') continue;
  busy++;
  self.set(key(node), (self.get(key(node)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(key(byId.get(at)!));
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
}
const share = (n: number) => `${((n / busy) * 100).toFixed(1)}%`.padStart(6);
const ours = module ?? 'packages/proxy/dist/';
console.log(
  `${done} requests, ${((cpu / done) * 100_000).toFixed(2)} CPU-s per 100k (profiler running), ${busy} busy ` +
    `samples; profile ${join(dir, file)}\n\nself time:`,
);
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${share(n)}  ${name}`);
console.log('\ninclusive, the balancer bundle:');
for (const [name, n] of [...inclusive]
  .filter(([name]) => name.includes(ours.includes('/') ? 'dist/' : ours))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  console.log(`${share(n)}  ${name}`);
}
