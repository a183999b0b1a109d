/**
 * Worker-pool benchmark: every pool with 2 threads, a fresh process per measurement, medians of several runs.
 *
 *   pnpm exec tsx bench/pool/run.ts            # full: 100k tiny tasks, 5 runs
 *   pnpm exec tsx bench/pool/run.ts --quick    # smoke test: 10k tiny tasks, 1 run
 *   RUNS=3 SCENARIOS=fib32 pnpm exec tsx bench/pool/run.ts
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const runs = quick ? 1 : Number(process.env.RUNS ?? 5);
const tinyCount = quick ? 10_000 : 100_000;
const pools = [
  'raw',
  'lb-inline',
  'lb-inline-literal',
  'lb-module',
  'piscina',
  'tinypool',
  'workerpool',
  'poolifier',
];
const allScenarios = ['tiny', 'fib27', 'fib32'];
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

const rows = pools.map((pool) => {
  const tps = pick(pool, 'tiny', 'tasksPerSecond');
  const fib = (scenario: string, digits: number) =>
    `${pick(pool, scenario, 'wallMs').toFixed(digits)} / ${best(pool, scenario).toFixed(digits)}`;
  return `| ${pool} | ${Math.round(tps).toLocaleString('en')} | ${Math.round(pick(pool, 'tiny', 'submitMs'))} | ${pick(pool, 'tiny', 'peakRssMb')} | ${fib('fib27', 1)} | ${fib('fib32', 0)} |`;
});
console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${runs} run(s), medians.
${tinyCount.toLocaleString('en')} tiny tasks (x => x + 1) submitted at once; 40 × fib(27) and 40 × fib(32).

| pool | tiny: tasks/s | tiny: submit ms | tiny: peak RSS MB | 40×fib(27) ms, median / best | 40×fib(32) ms, median / best |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}`);
for (const [key, count] of failures) {
  console.log(`\n${key}: ${count} failed attempt(s) (exit 13 means tasks never settled), retried.`);
}
