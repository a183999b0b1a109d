/**
 * Measures nanoseconds per request (pick + onRequestStart + onRequestEnd) for every built-in strategy at 10,
 * 1,000 and 100,000 backends, and writes the "Strategies: pick cost" section of docs/benchmarks.md.
 *
 *   pnpm bench              full run (two to three minutes), writes the section
 *   pnpm bench -- --quick   short rounds, prints only
 *
 * Each strategy runs in a child process of its own, so one strategy's classes cannot make the shared timing
 * loop's call sites polymorphic and slow down the next one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { replaceSection } from './markdown.js';
import { memoryBaseline } from './memoryBaseline.js';
import { type PickCostRow, renderPickCostSection } from './pickCostDoc.js';
import { growthExponent, measurePickCosts, type PickCost, type TimingPlan } from './pickTimer.js';
import { seededRandom } from './rng.js';
import { type RosterEntry, roster } from './roster.js';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const sizes = [10, 1_000, 100_000] as const;
const plan: TimingPlan = quick
  ? { iterations: 20_000, rounds: 3, warmup: 20_000 }
  : { iterations: 300_000, rounds: 11, warmup: 300_000 };

const entries = roster;

function measure(entry: RosterEntry): PickCostRow {
  // A fixed clock and seed: the benchmark times the strategy, not performance.now or Math.random.
  const env = (n: number) => {
    let tick = 0;
    return { now: () => (tick += 0.01), random: seededRandom(n) };
  };
  const [costs, baseline] = measurePickCosts(
    [
      { make: (n) => entry.make(env(n)), keyed: entry.keyed },
      // Timed in the same process and interleaved, so the floor is measured under the same machine load.
      { make: (n) => memoryBaseline(env(n).random), keyed: false },
    ],
    sizes,
    plan,
  );
  const k = (c: readonly PickCost[]) => growthExponent(c[1]!.nsPerPick, sizes[1], c[2]!.nsPerPick, sizes[2]);
  return { label: entry.label, costs: costs!, exponent: k(costs!), baselineExponent: k(baseline!) };
}

function inChild(entry: RosterEntry): PickCostRow {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), `--only=${entry.label}`];
  if (quick) args.push('--quick');
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`${entry.label}: ${child.stderr}`);
  return JSON.parse(child.stdout) as PickCostRow;
}

if (onlyArg !== undefined) {
  const entry = entries.find((e) => e.label === onlyArg.slice('--only='.length));
  if (entry === undefined) throw new Error(`no strategy labelled ${onlyArg}`);
  process.stdout.write(JSON.stringify(measure(entry)));
} else {
  const loadBefore = loadavg()[0]!;
  const rows = entries.map((entry) => {
    const row = inChild(entry);
    const [small, , large] = row.costs;
    console.log(
      `${row.label.padEnd(26)} ${row.costs.map((c) => `${c.nsPerPick.toFixed(0).padStart(6)} ns`).join(' ')}  ` +
        `100k/10 ${(large!.nsPerPick / small!.nsPerPick).toFixed(1)}x  k=${row.exponent.toFixed(2)} (baseline ${row.baselineExponent.toFixed(2)})  ` +
        `setup@100k ${large!.setupMs.toFixed(0)} ms`,
    );
    return row;
  });
  const load = Math.max(loadBefore, loadavg()[0]!);
  if (quick) {
    console.log('\nquick mode: docs/benchmarks.md not written');
  } else {
    const file = new URL('../../../docs/benchmarks.md', import.meta.url);
    const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const section = renderPickCostSection(rows, sizes, plan, {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      load,
      date: new Date().toISOString().slice(0, 10),
    });
    writeFileSync(file, replaceSection(doc, 'Strategies: pick cost', section));
    console.log('\nwrote the "Strategies: pick cost" section of docs/benchmarks.md');
  }
}
