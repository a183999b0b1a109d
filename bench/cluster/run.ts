// Cluster benchmark, every setup in one run so the numbers sit side by side: the same trivial app as one
// process, under node:cluster, under PM2 cluster mode, under our proxy mode and our shared-port mode. wrk gives
// requests/s and p99; a probe of fresh-connection GETs measures, per SIGKILLed worker, the time until a new pid
// answers and how many requests failed meanwhile; and the time from start() to all-ready for 4 workers.
//
//   node --import tsx bench/cluster/run.ts            # 10 s wrk runs, 5 crashes per setup
//   node --import tsx bench/cluster/run.ts --quick    # 3 s wrk runs, 2 crashes: checks that everything works
//
// Needs `pnpm build` first (the cluster runs from dist) and wrk on the PATH.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ClusterManager } from '@lb/all';
import { childPids, freePort, here, pm2, pm2Home, sleep, spawnReady, stopChild } from './processes.js';

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 10;
const crashes = quick ? 2 : 5;
const workers = 2;

interface Setup {
  name: string;
  /** Starts the setup on `port`; resolves with its worker pids once it serves, and a stop function. */
  start(port: number): Promise<{ pids: () => number[]; stop: () => Promise<void> }>;
  /** Whether a crashed worker comes back (a bare process does not). */
  restarts: boolean;
}

function pm2Pids(): number[] {
  const list = JSON.parse(pm2(['jlist'])) as Array<{ pid: number; pm2_env: { status: string } }>;
  return list.filter((p) => p.pm2_env.status === 'online' && p.pid > 0).map((p) => p.pid);
}

function ourSetup(name: string, mode: 'proxy' | 'shared'): Setup {
  return {
    name,
    restarts: true,
    async start(port) {
      const { child } = await spawnReady('ours.mjs', {
        PORT: String(port),
        MODE: mode,
        WORKERS: String(workers),
      });
      return { pids: () => childPids(child.pid as number), stop: () => stopChild(child) };
    },
  };
}

const setups: Setup[] = [
  {
    name: 'single process',
    restarts: false,
    async start(port) {
      const child = spawn(process.execPath, [join(here, 'app.cjs')], {
        env: { ...process.env, PORT: String(port) },
      });
      await waitServing(port);
      return { pids: () => [child.pid as number], stop: () => stopChild(child) };
    },
  },
  {
    name: `node:cluster (${workers} workers)`,
    restarts: true,
    async start(port) {
      const { child } = await spawnReady('nodeCluster.cjs', { PORT: String(port), WORKERS: String(workers) });
      return { pids: () => childPids(child.pid as number), stop: () => stopChild(child) };
    },
  },
  {
    name: `PM2 cluster (${workers} instances)`,
    restarts: true,
    async start(port) {
      pm2(['start', join(here, 'app.cjs'), '-i', String(workers), '--name', 'lb-bench'], {
        PORT: String(port),
      });
      await waitServing(port);
      while (pm2Pids().length < workers) await sleep(50);
      return {
        pids: pm2Pids,
        stop: async () => {
          pm2(['delete', 'lb-bench']);
        },
      };
    },
  },
  ourSetup(`@lb proxy mode (${workers} workers)`, 'proxy'),
  ourSetup(`@lb shared-port mode (${workers} workers)`, 'shared'),
];

async function waitServing(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (typeof (await request(port, 1_000)) === 'number') return;
    await sleep(20);
  }
  throw new Error(`nothing serves port ${port}`);
}

/** One GET on a fresh connection: the answering pid, undefined on failure, 'hung' after `timeout` ms. */
function request(port: number, timeout = 2_000): Promise<number | undefined | 'hung'> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(res.statusCode === 200 ? Number(body) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.setTimeout(timeout, () => {
      resolve('hung');
      req.destroy();
    });
    req.on('error', () => resolve(undefined));
  });
}

function wrk(port: number): { rps: number; p99: number } {
  const out = execFileSync(
    'wrk',
    ['-t1', '-c32', `-d${duration}s`, '--latency', `http://127.0.0.1:${port}/`],
    {
      encoding: 'utf8',
    },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99raw = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = p99raw?.[2] === 'us' ? 0.001 : p99raw?.[2] === 's' ? 1000 : 1;
  return { rps, p99: Number(p99raw?.[1]) * unit };
}

/**
 * SIGKILLs one worker while a probe opens a new connection every 5 ms (without waiting for earlier ones, so a
 * hung request does not hold the probe up). Measures the time from the kill to the first answer from a new pid,
 * and counts the requests that failed and those still unanswered after 2 s (hung).
 */
async function crash(
  port: number,
  pids: () => number[],
): Promise<{ replacedMs: number; failed: number; hung: number }> {
  const before = new Set(pids());
  const victim = [...before][0] as number;
  let replacedAt = 0;
  let killedAt = 0;
  let failed = 0;
  let hung = 0;
  const outstanding: Promise<void>[] = [];
  const stopAt = Date.now() + 10_000;
  while (replacedAt === 0 && Date.now() < stopAt) {
    if (killedAt === 0 && outstanding.length === 20) {
      killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
    }
    outstanding.push(
      request(port).then((outcome) => {
        if (outcome === 'hung') hung += 1;
        else if (outcome === undefined) failed += 1;
        else if (killedAt > 0 && !before.has(outcome) && replacedAt === 0) replacedAt = performance.now();
      }),
    );
    await sleep(5);
  }
  await Promise.all(outstanding);
  return { replacedMs: replacedAt === 0 ? Number.NaN : replacedAt - killedAt, failed, hung };
}

async function startupTime(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const manager = new ClusterManager({ processes: 4, basePort: 0 }, [join(here, 'app.cjs')], {
      handleSignals: false,
      stdout: process.stderr,
    });
    const t0 = performance.now();
    await manager.start();
    times.push(performance.now() - t0);
    await manager.stop();
  }
  return median(times);
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  console.error(`node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}`);
  const rows: string[] = [];
  for (const setup of setups) {
    const port = await freePort();
    let running: Awaited<ReturnType<Setup['start']>>;
    try {
      running = await setup.start(port);
    } catch (err) {
      rows.push(`| ${setup.name} | did not start: ${String(err)} | | | | |`);
      continue;
    }
    try {
      wrk(port);
      const { rps, p99 } = wrk(port);
      let crashCell = 'n/a (no restarts)';
      if (setup.restarts) {
        const results = [];
        for (let i = 0; i < crashes; i++) {
          results.push(await crash(port, running.pids));
          while (running.pids().length < workers) await sleep(50);
          await sleep(1_200);
        }
        const times = results.map((r) => r.replacedMs).filter((t) => !Number.isNaN(t));
        crashCell = `${median(times).toFixed(0)} ms (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)})`;
        crashCell += ` | ${results.map((r) => r.failed).join(', ')} | ${results.map((r) => r.hung).join(', ')}`;
      } else crashCell += ' | – | –';
      rows.push(`| ${setup.name} | ${rps.toFixed(0)} | ${p99.toFixed(2)} | ${crashCell} |`);
      console.error(rows.at(-1));
    } finally {
      await running.stop();
    }
  }
  try {
    pm2(['kill']);
  } catch {
    // No daemon.
  }
  rmSync(pm2Home, { recursive: true, force: true });
  const startup = await startupTime();
  console.log(
    `wrk -t1 -c32 -d${duration}s, ${crashes} SIGKILLs per setup, load average ${loadavg()[0]?.toFixed(2)}\n`,
  );
  console.log(
    '| setup | requests/s | p99 (ms) | SIGKILL → new pid serving, median (min–max) | failed GETs per crash | hung ≥ 2 s per crash |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`\nstart() → all ready, 4 workers (median of 3): ${startup.toFixed(0)} ms`);
}

await main();
