/**
 * Worker-pool benchmark: every pool with 2 threads, a fresh process per measurement, medians of several runs.
 *
 *   pnpm exec tsx bench/pool/run.ts            # full: 100k tiny tasks, 5 runs
 *   pnpm exec tsx bench/pool/run.ts --quick    # smoke test: 10k tiny tasks, 1 run
 *   RUNS=3 SCENARIOS=fib32 pnpm exec tsx bench/pool/run.ts
 *
 * Prints two tables: every pool at its defaults, then the peers at their best settings (several tasks in
 * flight per thread, as HybridProcessor does), and a third comparing CPU-bound work with bare threads.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const runs = quick ? 1 : Number(process.env.RUNS ?? 5);
const tinyCount = quick ? 10_000 : 100_000;
const lbPools = ['lb-inline', 'lb-inline-literal', 'lb-module'];
const defaultPools = ['raw', ...lbPools, 'piscina', 'tinypool', 'workerpool', 'poolifier'];
const bestPools = ['raw', ...lbPools, 'piscina-best', 'poolifier-best'];
const pools = [...new Set([...defaultPools, ...bestPools])];
const allScenarios = ['tiny', 'fib27', 'fib32', 'mem'];
// SCENARIOS=fib27,fib32 re-runs a subset; rows for skipped scenarios show NaN.
const scenarios = process.env.SCENARIOS?.split(',') ?? allScenarios;
const measure = fileURLToPath(new URL('./measure.mjs', import.meta.url));

interface Measurement {
  pool: string;
  scenario: string;
  submitMs?: number;
  tasksPerSecond?: number;
  wallMs?: number;
  peakRssMb: number;
}

const failures = new Map<string, number>();

/** One measurement; a run that crashes or never settles its tasks is counted and retried (up to 3 tries). */
async function once(pool: string, scenario: string): Promise<Measurement> {
  const args = [measure, pool, scenario, ...(scenario === 'tiny' ? [String(tinyCount)] : [])];
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(process.execPath, args, { timeout: 600_000, maxBuffer: 1 << 20 });
      return JSON.parse(stdout) as Measurement;
    } catch (error) {
      const key = `${pool}/${scenario}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
      process.stderr.write(
        `${key} failed (attempt ${attempt}): exit ${(error as { code?: unknown }).code}\n`,
      );
      if (attempt === 3) throw error;
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const results = new Map<string, Measurement[]>();
// Runs are interleaved (every pool once, then again) so a burst of machine noise hits all pools alike.
for (let i = 0; i < runs; i++) {
  for (const scenario of scenarios) {
    for (const pool of pools) {
      const key = `${pool}/${scenario}`;
      const m = await once(pool, scenario);
      results.set(key, [...(results.get(key) ?? []), m]);
      process.stderr.write(`run ${i + 1}/${runs} ${key}: ${JSON.stringify(m)}\n`);
    }
  }
}

const pick = (pool: string, scenario: string, field: keyof Measurement) =>
  median((results.get(`${pool}/${scenario}`) ?? []).map((m) => Number(m[field])));

const best = (pool: string, scenario: string) =>
  Math.min(...(results.get(`${pool}/${scenario}`) ?? []).map((m) => Number(m.wallMs)));

const has = (pool: string, scenario: string) => (results.get(`${pool}/${scenario}`) ?? []).length > 0;

function wall(pool: string, scenario: string, digits: number): string {
  if (!has(pool, scenario)) return '–';
  return `${pick(pool, scenario, 'wallMs').toFixed(digits)} / ${best(pool, scenario).toFixed(digits)}`;
}

function table(names: string[]): string {
  const rows = names.map((pool) => {
    const tiny = has(pool, 'tiny')
      ? `${Math.round(pick(pool, 'tiny', 'tasksPerSecond')).toLocaleString('en')} | ${Math.round(pick(pool, 'tiny', 'submitMs'))} | ${pick(pool, 'tiny', 'peakRssMb')}`
      : '– | – | –';
    return `| ${pool} | ${tiny} | ${wall(pool, 'fib27', 1)} | ${wall(pool, 'fib32', 0)} | ${wall(pool, 'mem', 0)} |`;
  });
  return `| pool | tiny: tasks/s | tiny: submit ms | tiny: peak RSS MB | 40×fib(27) ms, median / best | 40×fib(32) ms, median / best | 40×mem ms, median / best |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}`;
}

/** Median wall time against the bare threads' median, in percent (positive = slower). */
function versusRaw(pool: string, scenario: string): string {
  if (!has(pool, scenario) || !has('raw', scenario)) return '–';
  const ratio = pick(pool, scenario, 'wallMs') / pick('raw', scenario, 'wallMs') - 1;
  return `${ratio >= 0 ? '+' : '−'}${Math.abs(ratio * 100).toFixed(1)}%`;
}

const cpuRows = pools
  .filter((pool) => pool !== 'raw')
  .map(
    (pool) =>
      `| ${pool} | ${versusRaw(pool, 'fib27')} | ${versusRaw(pool, 'fib32')} | ${versusRaw(pool, 'mem')} |`,
  );

console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${runs} run(s), medians.
${tinyCount.toLocaleString('en')} tiny tasks (x => x + 1) submitted at once; 40 × fib(27), 40 × fib(32) and 40 × mem(30,000) (sort 30,000 small objects).

Every pool at its defaults:

${table(defaultPools)}

Peers at their best settings (Piscina concurrentTasksPerWorker: 16; poolifier enableTasksQueue with concurrency 16 and task stealing):

${table(bestPools)}

CPU-bound work against bare threads (median wall time vs raw):

| pool | 40×fib(27) | 40×fib(32) | 40×mem |
|---|---:|---:|---:|
${cpuRows.join('\n')}`);
for (const [key, count] of failures) {
  console.log(`\n${key}: ${count} failed attempt(s) (exit 13 means tasks never settled), retried.`);
}
