import { formatMs, overloaded, percent } from './format.js';
import { type Scenario, serviceTimeQuantile } from './scenarios.js';
import type { SimulatedStrategy } from './strategiesDoc.js';

function floorLine(scenario: Scenario): string {
  const { config } = scenario;
  return (
    `Service time alone on a normal backend (no queueing, the floor): p50 ${formatMs(serviceTimeQuantile(config, 50))}, ` +
    `p99 ${formatMs(serviceTimeQuantile(config, 99))}.`
  );
}

function byName(rows: readonly SimulatedStrategy[], label: string): SimulatedStrategy {
  const row = rows.find((r) => r.label === label);
  if (row === undefined) throw new Error(`no simulated strategy ${label}`);
  return row;
}

function ranked(rows: readonly SimulatedStrategy[], index: number): SimulatedStrategy[] {
  return [...rows].sort((a, b) => a.results[index]!.p99Ms - b.results[index]!.p99Ms);
}

/** Within 15 % of each other on p99 in scenario `i`. */
function close(a: SimulatedStrategy, b: SimulatedStrategy, i: number): boolean {
  return Math.abs(a.results[i]!.p99Ms / b.results[i]!.p99Ms - 1) <= 0.15;
}

function ratio(a: number, b: number): string {
  const r = a / b;
  return r >= 10 ? `${Math.round(r).toLocaleString('en-US')}×` : `${r.toFixed(1)}×`;
}

/** The data-driven part of the interpretation: every number in it comes from this run. */
export function findings(rows: readonly SimulatedStrategy[], runs: readonly Scenario[]): string {
  const lc = byName(rows, 'leastConnections');
  const rr = byName(rows, 'roundRobin');
  const ewma = byName(rows, 'peakEwma');
  const fst = byName(rows, 'first');
  const [slow, variable] = [0, 1];
  const { backendCount, slowBackend, slotsPerBackend } = runs[slow]!.config;
  const factor = slowBackend?.factor ?? 1;
  const slowCapacityShare = 1 / factor / (backendCount - 1 + 1 / factor);
  const buried = rows.filter((r) => overloaded(r.results[slow]!.slowUtilisation));
  const stable = rows.filter((r) => !overloaded(r.results[slow]!.slowUtilisation));
  const bestSlow = ranked(rows, slow);
  const bestVariable = ranked(rows, variable);
  const worstVariable = bestVariable[bestVariable.length - 1]!;
  const floorSlow = serviceTimeQuantile(runs[slow]!.config, 99);
  const list = (set: readonly SimulatedStrategy[]): string => set.map((r) => `\`${r.label}\``).join(', ');
  const p99 = (row: SimulatedStrategy, i: number): string => formatMs(row.results[i]!.p99Ms);
  const firstParagraph = [
    `**\`first\` ranks with least connections** (${p99(fst, slow)} and ${p99(fst, variable)} against`,
    `${p99(lc, slow)} and ${p99(lc, variable)}) because every backend's \`maxConnections\` here equals its real`,
    `concurrency (${slotsPerBackend}): it then sends a request to a free slot whenever one exists, as least`,
    'connections does. It has no such luck when `maxConnections` is unset or too high: it then fills the first',
    'backend and queues there.',
  ];
  const adviceHolds = [slow, variable].every((i) => lc.results[i]!.p99Ms < 0.9 * rr.results[i]!.p99Ms);
  const paragraphs: string[][] = [
    [
      `**With one slow backend, load-oblivious strategies break.** ${list(buried)} send the slow backend`,
      `its even share (${percent(rr.results[slow]!.slowShare)} for round robin) although it can do only`,
      `${percent(slowCapacityShare)} of the work. Its queue then grows for the whole run, so their p99`,
      `(${p99(rr, slow)} for round robin) measures how long the run was, not a steady state: run twice as long and`,
      `it doubles. ${list(stable)} keep the slow backend within its capacity and stay in milliseconds; its share`,
      `tells how: ${stable.map((r) => `\`${r.label}\` ${percent(r.results[slow]!.slowShare)}`).join(', ')}.`,
    ],
    [
      `**Best p99 with a slow backend:** \`${bestSlow[0]!.label}\` (${p99(bestSlow[0]!, slow)}), then`,
      `\`${bestSlow[1]!.label}\` (${p99(bestSlow[1]!, slow)}) and \`${bestSlow[2]!.label}\` (${p99(bestSlow[2]!, slow)}).`,
      floorLine(runs[slow]!),
      ...(bestSlow[0] === ewma
        ? [
            `Peak EWMA gets within ${percent(ewma.results[slow]!.p99Ms / floorSlow - 1)} of that floor because it`,
            'learns from response times that the slow backend is slow and almost stops using it, while the',
            'in-flight counters only notice once requests have piled up there.',
          ]
        : []),
    ],
    [
      `**With equal backends and heavy-tailed service times** the tail is mostly the service time itself, so the`,
      `p99s are closer: best \`${bestVariable[0]!.label}\` (${p99(bestVariable[0]!, variable)}), worst`,
      `\`${worstVariable.label}\` (${p99(worstVariable, variable)}). The median shows the queueing better: round robin`,
      `${formatMs(rr.results[variable]!.p50Ms)} against least connections ${formatMs(lc.results[variable]!.p50Ms)}.`,
      floorLine(runs[variable]!),
      'Here a long request blocks a slot for a long time, and only the strategies that count requests in flight',
      'steer around it.',
    ],
    [
      `**Does the seed's advice hold?** "Use \`leastConnections\` for variable request processing times":`,
      adviceHolds ? 'yes.' : 'not in this run.',
      `When processing times vary, round robin's p99 is ${ratio(rr.results[variable]!.p99Ms, lc.results[variable]!.p99Ms)}`,
      `least connections' and its median ${ratio(rr.results[variable]!.p50Ms, lc.results[variable]!.p50Ms)};`,
      'least connections ranks',
      `${bestVariable.indexOf(lc) + 1} of ${rows.length} on p99; when a backend is slow its p99 is ${p99(lc, slow)}`,
      `against round robin's ${p99(rr, slow)}.`,
      ...(adviceHolds && ewma.results[slow]!.p99Ms < lc.results[slow]!.p99Ms
        ? [
            'The advice is incomplete rather than wrong: when backends differ in speed, the latency-aware',
            `\`peakEwma\` does better still (${p99(ewma, slow)}).`,
          ]
        : []),
      ...(close(byName(rows, 'powerOfTwoChoices'), lc, variable)
        ? [
            '`powerOfTwoChoices` gets close to least connections without a global ordering, which matters with',
            'several balancers.',
          ]
        : []),
      "Round robin, the seed's default, is only safe while the backends are truly equal: it has no feedback at all.",
    ],
  ];
  if (close(fst, lc, slow) && close(fst, lc, variable)) paragraphs.splice(3, 0, firstParagraph);
  const unreproducible = rows.filter((r) => !r.reproducible);
  if (unreproducible.length > 0) {
    paragraphs.push([
      `**Not reproducible:** ${list(unreproducible)} gave different results for the same seed, so they use`,
      'randomness or a clock the simulator could not inject; their rows are one sample, not the final word.',
    ]);
  }
  return paragraphs.map((p) => p.join(' ')).join('\n\n');
}
