// Crash and reload under keep-alive load, every peer in one run: our proxy mode, our shared-port mode, a
// hand-written node:cluster primary (nodeClusterReload.cjs) and PM2 cluster mode, two workers each, the same app.
// For each peer and event, `wrk -t1 -c32 -d10s` runs on kept-alive connections and, 3 s in, one worker is
// SIGKILLed (crash) or every worker is replaced (reload: SIGHUP to the primary, `pm2 reload` for PM2). wrk's
// socket errors and non-2xx answers are the failed requests; a probe of fresh-connection GETs every 20 ms gives
// the time from the kill to the first answer of a new pid; `ps` gives the time until no old worker is left.
//
//   node --import tsx bench/cluster/underLoad.ts            # 3 rounds per peer and event
//   node --import tsx bench/cluster/underLoad.ts --quick    # 1 round, 5 s wrk runs
//
// Needs `pnpm build` first (our cluster runs from dist), wrk on the PATH, and PM2 (a dev dependency of bench/).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  childPids,
  freePort,
  here,
  pm2,
  pm2Bin,
  pm2Home,
  sleep,
  spawnReady,
  stopChild,
} from './processes.js';

const quick = process.argv.includes('--quick');
const duration = quick ? 5 : 10;
const rounds = quick ? 1 : 3;
const eventAt = 3_000;
const workers = 2;

type Event = 'crash' | 'reload';

interface Running {
  /** The process whose children are the workers. */
  parent: () => number;
  reload: () => void;
  stop: () => Promise<void>;
}

interface Peer {
  name: string;
  start(port: number): Promise<Running>;
}

interface Outcome {
  rps: number;
  requests: number;
  socketErrors: number;
  non2xx: number;
  /** Kill → first answer from a new pid (crash only). */
  servingMs: number;
  /** Event → no old worker left and `workers` workers up. */
  replacedMs: number;
}

function primaryPeer(name: string, script: string, env: NodeJS.ProcessEnv): Peer {
  return {
    name,
    async start(port) {
      const { child } = await spawnReady(script, { ...env, PORT: String(port), WORKERS: String(workers) });
      return {
        parent: () => child.pid as number,
        reload: () => child.kill('SIGHUP'),
        stop: () => stopChild(child),
      };
    },
  };
}

const peers: Peer[] = [
  primaryPeer(`@lb proxy mode (${workers} workers)`, 'ours.mjs', { MODE: 'proxy' }),
  primaryPeer(`@lb shared port (${workers} workers)`, 'ours.mjs', { MODE: 'shared' }),
  primaryPeer(`node:cluster, hand-written (${workers} workers)`, 'nodeClusterReload.cjs', {}),
  {
    name: `PM2 cluster (${workers} instances)`,
    async start(port) {
      pm2(['start', join(here, 'app.cjs'), '-i', String(workers), '--name', 'lb-bench'], {
        PORT: String(port),
      });
      const daemon = Number(readFileSync(join(pm2Home, 'pm2.pid'), 'utf8'));
      await waitServing(port);
      while (childPids(daemon).length < workers) await sleep(50);
      return {
        parent: () => daemon,
        // `pm2 reload` returns once PM2 has replaced every instance; run it beside wrk, not blocking the timer.
        reload: () => {
          spawn(pm2Bin, ['reload', 'lb-bench'], {
            env: { ...process.env, PM2_HOME: pm2Home },
            stdio: 'ignore',
          });
        },
        stop: async () => {
          pm2(['delete', 'lb-bench']);
        },
      };
    },
  },
];

/** One GET on a fresh connection: the answering pid, or undefined on failure or after 2 s. */
function request(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(res.statusCode === 200 ? Number(body) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.setTimeout(2_000, () => {
      resolve(undefined);
      req.destroy();
    });
    req.on('error', () => resolve(undefined));
  });
}

async function waitServing(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await request(port)) !== undefined) return;
    await sleep(20);
  }
  throw new Error(`nothing serves port ${port}`);
}

function runWrk(port: number, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', '-c32', `-d${seconds}s`, `http://127.0.0.1:${port}/`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', () => resolve(out));
  });
}

function parseWrk(out: string): Pick<Outcome, 'rps' | 'requests' | 'socketErrors' | 'non2xx'> {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function measure(port: number, running: Running, event: Event): Promise<Outcome> {
  const load = runWrk(port, duration);
  await sleep(eventAt);
  const before = new Set(childPids(running.parent()));
  const t0 = performance.now();
  if (event === 'crash') process.kill([...before][0] as number, 'SIGKILL');
  else running.reload();
  let servingMs = Number.NaN;
  let replacedMs = Number.NaN;
  const deadline = t0 + 30_000;
  const probes: Promise<void>[] = [];
  while (
    performance.now() < deadline &&
    (Number.isNaN(replacedMs) || (event === 'crash' && Number.isNaN(servingMs)))
  ) {
    const now = childPids(running.parent());
    const old = now.filter((pid) => before.has(pid));
    const wanted = event === 'crash' ? old.length === workers - 1 : old.length === 0;
    if (Number.isNaN(replacedMs) && wanted && now.length === workers) replacedMs = performance.now() - t0;
    if (event === 'crash' && Number.isNaN(servingMs)) {
      probes.push(
        request(port).then((pid) => {
          if (pid !== undefined && !before.has(pid) && Number.isNaN(servingMs))
            servingMs = performance.now() - t0;
        }),
      );
    }
    await sleep(20);
  }
  await Promise.all(probes);
  return { ...parseWrk(await load), servingMs, replacedMs };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const load0 = loadavg()[0]?.toFixed(2);
  console.error(`node ${process.version}, ${availableParallelism()} CPUs, load ${load0}`);
  const rows: string[] = [];
  for (const peer of peers) {
    for (const event of ['crash', 'reload'] as const) {
      const results: Outcome[] = [];
      for (let round = 0; round < rounds; round++) {
        const port = await freePort();
        const running = await peer.start(port);
        try {
          await runWrk(port, 2);
          results.push(await measure(port, running, event));
        } finally {
          await running.stop();
        }
        // Whatever the peer's workers were draining finishes before the next peer's run.
        await sleep(500);
      }
      const ms = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(0));
      const row = [
        peer.name,
        event,
        results.map((r) => r.socketErrors).join(', '),
        results.map((r) => r.non2xx).join(', '),
        event === 'crash' ? `${ms(median(results.map((r) => r.servingMs)))} ms` : 'n/a',
        `${ms(median(results.map((r) => r.replacedMs)))} ms`,
        median(results.map((r) => r.rps)).toFixed(0),
      ];
      rows.push(`| ${row.join(' | ')} |`);
      console.error(rows.at(-1), JSON.stringify(results));
    }
  }
  try {
    pm2(['kill']);
  } catch {
    // No daemon.
  }
  rmSync(pm2Home, { recursive: true, force: true });
  console.log(
    `wrk -t1 -c32 -d${duration}s (keep-alive), event at ${eventAt / 1000} s, ${rounds} rounds; load average ${load0} before, ${loadavg()[0]?.toFixed(2)} after\n`,
  );
  console.log(
    '| peer | event | wrk socket errors per round | non-2xx per round | kill → new pid serving (median) | event → every old worker gone (median) | requests/s over the run (median) |',
  );
  console.log('| --- | --- | --- | --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
