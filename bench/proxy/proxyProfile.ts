/**
 * What the PROXY protocol costs a balancer per connection, as shares of its busy CPU in a profile, for two
 * builds of @lb/proxy side by side (issue #14). The CPU per request of an end-to-end run moves more with other
 * load on the machine than a 2% goal; a profile's shares do not depend on that load.
 *
 *   pnpm --filter @lb/proxy build
 *   node --import tsx bench/proxy/proxyProfile.ts --before <dir>/index.js [--after <dir>/index.js]
 *     [--pairs 5] [--seconds 8] [--quick]
 *
 * `--before` and `--after` are builds of `packages/proxy/dist/index.js` (`--after` defaults to this tree's);
 * a copy of another commit's `dist` serves as `--before` if it sits inside this repository, where it finds
 * `@lb/core`. Each pair runs both builds one after the other (which goes first alternates): `lbFeatures.mjs
 * proxy` pinned to CPU 0 under `node --cpu-prof --cpu-prof-interval 250`, loaded by `proxyLoad.mjs` with a v1
 * header and a new connection for every request (16 connections, unpaced), backends and load on CPU 1.
 *
 * Each sample of the balancer's busy time (idle excluded) goes to the innermost frame of its stack that is the
 * balancer's code (Node's internals count for their caller): the codec (`protocol/proxy/*`: parse), reading it
 * (`ProxyHeaderReader` with the socket's `pause` and `unshift` it calls, or the connection's own
 * `readProxyHeader`), the trust check (`acceptProxied` and the trust list, but for the peer's address, which a
 * connection without PROXY reads too). The rest, the hand-over to the HTTP connection included, is not PROXY
 * work: every connection has it. A stream's next-tick `resume_` is shown apart: every connection has one
 * (attaching a `data` listener starts the socket flowing), and the reader's hand-over resumes it once more.
 * Prints the medians and ranges of each share per build.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canPin, freePort, pinTo, stopChild } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback?: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const quick = args.includes('--quick');
/** `--explain`: also print the commonest stacks (innermost six frames) of each share. */
const explain = args.includes('--explain');
const explained = new Map<string, number>();
const beforeDist = option('before');
if (beforeDist === undefined) throw new Error('--before <path to an index.js of @lb/proxy> is required');
const afterDist = option('after', join(here, '../../packages/proxy/dist/index.js'))!;
const pairs = Number(option('pairs', quick ? '1' : '5'));
const seconds = Number(option('seconds', quick ? '2' : '8'));
const SUT_CPU = 0;
const LOAD_CPU = 1;

type Share = 'parse' | 'reading' | 'trust check';
const shareNames: Share[] = ['parse', 'reading', 'trust check'];

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples with this node innermost, by line (1-based); code V8 inlined here keeps its own lines. */
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** The lines (0-based) of a bundle: the source file of each, and the range of a few PROXY methods. */
interface BundleLines {
  fileOf(line: number): string;
  /** The method (`readProxyHeader`, `acceptProxied`) whose body holds `line`, if it is one of them. */
  methodAt(line: number): string | undefined;
}

/** Reads a bundle's `// src/…` markers (tsup leaves them between files) and the PROXY methods' bodies. */
function bundleLines(bundle: string): BundleLines {
  const starts: [line: number, file: string][] = [];
  const methods: [from: number, to: number, name: string][] = [];
  const lines = readFileSync(bundle, 'utf8').split('\n');
  lines.forEach((text, line) => {
    if (text.startsWith('// src/')) starts.push([line, text.slice(3)]);
    const method = /^ {2}(readProxyHeader|acceptProxied)\(/.exec(text);
    if (method === null) return;
    let end = line;
    while (end < lines.length && lines[end] !== '  }') end++;
    methods.push([line, end, method[1]!]);
  });
  return {
    fileOf: (line) => {
      let file = '';
      for (const [start, name] of starts) {
        if (start > line) break;
        file = name;
      }
      return file;
    },
    methodAt: (line) => methods.find(([from, to]) => line >= from && line <= to)?.[2],
  };
}

/**
 * What the code at one line of the bundle is: a share, `other`, or undefined for the trust list, which is
 * asked on accept (under `acceptProxied`) and for forwarded headers (every request), so is what its caller is.
 */
function lineKind(line: number, lines: BundleLines): string | undefined {
  const file = lines.fileOf(line);
  if (file.startsWith('src/protocol/proxy/')) return file.endsWith('relayedAddress.ts') ? 'reading' : 'parse';
  if (file === 'src/downstream/proxyHeaderReader.ts') return 'reading';
  const method = lines.methodAt(line);
  if (method === 'readProxyHeader') return 'reading';
  if (method === 'acceptProxied') return 'trust check';
  if (file === 'src/protocol/http1/trustProxy.ts') return undefined;
  // Everything else of the balancer, the hand-over to the HTTP connection included: every connection has it.
  return 'other';
}

/**
 * What one frame is, as far as PROXY work goes: a share, `other` (the balancer's own work, or the peer address
 * a connection without PROXY reads too), or undefined for Node's internals (the sample belongs to the frame
 * that called them). Callers are whole frames in a profile even when V8 inlined them, so a frame of the bundle
 * is known by the line it starts at.
 */
function frameKind(frame: CallFrame, lines: BundleLines, bundle: string): string | undefined {
  const { functionName: name, url } = frame;
  if (url !== bundle) {
    if (name === 'Socket._getpeername' || name === 'remoteAddress') return 'other';
    // A stream starting to flow on the next tick: shown apart, as every connection has one.
    if (name === 'resume_') return 'resume';
    return undefined;
  }
  return lineKind(frame.lineNumber, lines);
}

/**
 * Shares of the busy samples, in percent, by the innermost frame of each sample's stack that is the balancer's
 * code. A sample in the balancer's own code goes by its line: code V8 inlined into another function is counted
 * in that function's frame, but with its own lines.
 */
function shares(
  profile: Profile,
  bundle: string,
  side: string,
): Record<Share, number> & { resume: number; busy: number } {
  const lines = bundleLines(fileURLToPath(bundle));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const kindOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = kindOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const own = frameKind(node.callFrame, lines, bundle);
    const up = parent.get(id);
    const kind = own ?? (up === undefined ? 'other' : classify(up));
    kindOf.set(id, kind);
    return kind;
  };
  const counts = new Map<string, number>();
  const add = (kind: string, n: number) => counts.set(kind, (counts.get(kind) ?? 0) + n);
  let busy = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.url !== bundle || node.positionTicks === undefined) continue;
    for (const { line, ticks } of node.positionTicks)
      add(lineKind(line - 1, lines) ?? classify(node.id), ticks);
  }
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busy++;
    const kind = classify(id);
    if (node.callFrame.url !== bundle || node.positionTicks === undefined) add(kind, 1);
    if (explain && kind !== 'other') {
      const stack: string[] = [];
      for (let at: number | undefined = id; at !== undefined && stack.length < 6; at = parent.get(at))
        stack.push(byId.get(at)!.callFrame.functionName || '(anonymous)');
      const key = `${side} ${kind}: ${stack.join(' < ')}`;
      explained.set(key, (explained.get(key) ?? 0) + 1);
    }
  }
  const percent = (kind: string) => (100 * (counts.get(kind) ?? 0)) / Math.max(1, busy);
  return {
    parse: percent('parse'),
    reading: percent('reading'),
    'trust check': percent('trust check'),
    resume: percent('resume'),
    busy,
  };
}

async function forkReady(script: string, argv: string[], options: Parameters<typeof fork>[2] = {}) {
  const child = fork(join(here, script), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], ...options });
  await once(child, 'message');
  return child;
}

/** One profiled run of the balancer built at `dist`; its shares. */
async function profiled(dist: string, backends: number[]) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-proxy-profile-'));
  const bundle = pathToFileURL(resolve(dist)).href;
  const child = await forkReady('lbFeatures.mjs', [String(port), 'proxy', ...backends.map(String)], {
    execArgv: ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', dir],
    env: { ...process.env, LB_PROXY_DIST: bundle },
  });
  try {
    if (canPin) pinTo(child.pid!, SUT_CPU);
    const load = (secs: number) => {
      const command = [process.execPath, join(here, 'proxyLoad.mjs'), String(port), '16', String(secs)];
      const bounded = ['timeout', '-k', '5', String(secs + 15), ...command, 'v1', 'close', '0'];
      const [program, ...rest] = canPin ? ['taskset', '-c', String(LOAD_CPU), ...bounded] : bounded;
      return JSON.parse(execFileSync(program!, rest, { encoding: 'utf8' })) as { requests: number };
    };
    load(1); // warm-up: JIT, pools
    const { requests } = load(seconds);
    if (requests === 0) throw new Error('no request was answered');
    const exited = once(child, 'exit');
    child.disconnect();
    await exited;
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the balancer wrote no profile');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    return { ...shares(profile, bundle, dist === beforeDist ? 'before' : 'after'), requests };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const backendPorts = [await freePort(), await freePort()];
const backends: ChildProcess[] = await Promise.all(
  backendPorts.map((port) => forkReady('backend.mjs', [String(port)])),
);
if (canPin) for (const backend of backends) pinTo(backend.pid!, LOAD_CPU);
type Run = Awaited<ReturnType<typeof profiled>>;
const runs: { before: Run[]; after: Run[] } = { before: [], after: [] };
const loads: number[] = [];
try {
  for (let pair = 0; pair < pairs; pair++) {
    const order = pair % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const side of order) {
      process.stderr.write(`pair ${pair + 1}/${pairs}: ${side}\n`);
      loads.push(loadavg()[0]!);
      runs[side].push(await profiled(side === 'before' ? beforeDist : afterDist, backendPorts));
    }
  }
} finally {
  await Promise.all(backends.map(stopChild));
}

const cell = (values: number[]) =>
  `${median(values).toFixed(2)}% (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
console.log(
  `Node ${process.version}; ${pairs} pair(s) of ${seconds} s; one-minute load average ` +
    `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; busy samples per run ` +
    `${Math.min(...[...runs.before, ...runs.after].map((r) => r.busy))}–` +
    `${Math.max(...[...runs.before, ...runs.after].map((r) => r.busy))}\n`,
);
console.log('| share of busy CPU (median, range) | before | after |\n| --- | ---: | ---: |');
for (const name of shareNames) {
  console.log(
    `| ${name} | ${cell(runs.before.map((r) => r[name]))} | ${cell(runs.after.map((r) => r[name]))} |`,
  );
}
const total = (r: Record<Share, number>) => shareNames.reduce((sum, name) => sum + r[name], 0);
console.log(`| what PROXY v1 adds | ${cell(runs.before.map(total))} | ${cell(runs.after.map(total))} |`);
console.log(
  `| (not counted above) a stream's next-tick \`resume_\`, which every connection has | ` +
    `${cell(runs.before.map((r) => r.resume))} | ${cell(runs.after.map((r) => r.resume))} |`,
);
if (explain) {
  const top = [...explained].sort((a, b) => b[1] - a[1]).slice(0, 40);
  for (const [key, count] of top) console.log(`${count}\t${key}`);
}
