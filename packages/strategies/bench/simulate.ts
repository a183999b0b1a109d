/**
 * Runs every built-in strategy through the discrete-event model and writes docs/strategies.md, the p99 chart
 * and the measured row of each docs/strategies/<name>.md page.
 *
 *   pnpm simulate              full run, writes the docs
 *   pnpm simulate -- --quick   a tenth of the requests, prints only
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { logBarChart } from './barChart.js';
import { formatMs } from './format.js';
import { replaceMarked } from './markdown.js';
import { roster } from './roster.js';
import { scenarios } from './scenarios.js';
import { simulate } from './simulation.js';
import { renderStrategiesDoc, type SimulatedStrategy, simulationRows } from './strategiesDoc.js';

const quick = process.argv.includes('--quick');
const requests = quick ? 30_000 : 300_000;
const docs = new URL('../../../docs/', import.meta.url);
const runs = scenarios(requests);

const rows: SimulatedStrategy[] = roster.map((entry) => {
  const results = runs.map((scenario) => {
    const config = { ...scenario.config, hashKeys: entry.keyed };
    const first = simulate(config, entry.make);
    // A second run with the same seed tells whether the strategy hides a source of randomness or real time.
    const second = simulate(config, entry.make);
    return { result: first, reproducible: isDeepStrictEqual(first, second) };
  });
  const row: SimulatedStrategy = {
    name: entry.name,
    label: entry.label,
    keyed: entry.keyed,
    results: results.map((r) => r.result),
    reproducible: results.every((r) => r.reproducible),
  };
  console.log(
    `${entry.label.padEnd(24)} ${runs
      .map((s, i) => `${s.id}: p50 ${formatMs(row.results[i]!.p50Ms)} p99 ${formatMs(row.results[i]!.p99Ms)}`)
      .join(
        '  ',
      )}  slow share ${(row.results[0]!.slowShare * 100).toFixed(1)}%${row.reproducible ? '' : '  NOT REPRODUCIBLE'}`,
  );
  return row;
});

if (quick) {
  console.log('\nquick mode: docs not written');
} else {
  mkdirSync(new URL('images/', docs), { recursive: true });
  const chart = logBarChart({
    title: `p99 latency per strategy (8 backends x 4 slots, 70 % load, ${requests.toLocaleString('en-US')} requests)`,
    axisLabel: 'p99 response time, logarithmic scale',
    labels: rows.map((r) => r.label),
    series: [
      { name: runs[0]!.title, color: '#d9534f', values: rows.map((r) => r.results[0]!.p99Ms) },
      { name: runs[1]!.title, color: '#337ab7', values: rows.map((r) => r.results[1]!.p99Ms) },
    ],
    format: formatMs,
  });
  writeFileSync(new URL('images/strategies-p99.svg', docs), chart);
  writeFileSync(new URL('strategies.md', docs), renderStrategiesDoc(rows, runs));
  for (const name of new Set(rows.map((r) => r.name))) {
    const page = new URL(`strategies/${name}.md`, docs);
    if (!existsSync(page)) continue;
    const variants = rows.filter((r) => r.name === name);
    writeFileSync(
      page,
      replaceMarked(readFileSync(page, 'utf8'), 'simulation', simulationRows(variants, runs)),
    );
  }
  console.log(
    '\nwrote docs/strategies.md, docs/images/strategies-p99.svg and the rows in docs/strategies/*.md',
  );
}
