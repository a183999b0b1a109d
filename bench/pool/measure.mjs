// One measurement in a fresh process: `node measure.mjs <pool> <tiny|fib27|fib32|mem> [tasks]`; prints JSON.
import { pools } from './pools.mjs';

const [poolName, scenario, countArg] = process.argv.slice(2);
const pool = await pools[poolName]();
// Warm-up: threads started, handlers loaded and compiled.
await Promise.all([1, 2, 3, 4].map((i) => pool.run('inc', i)));
await Promise.all([1, 2, 3, 4].map(() => pool.run('fib', 15)));
await Promise.all([1, 2, 3, 4].map(() => pool.run('mem', 1000)));

const result = { pool: poolName, scenario };
if (scenario === 'tiny') {
  const count = Number(countArg ?? 100_000);
  const promises = new Array(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) promises[i] = pool.run('inc', i);
  result.submitMs = performance.now() - start;
  const values = await Promise.all(promises);
  const ms = performance.now() - start;
  if (values[count - 1] !== count) throw new Error(`wrong result ${values[count - 1]}`);
  result.tasksPerSecond = Math.round(count / (ms / 1000));
} else {
  const [name, n] = scenario === 'mem' ? ['mem', 30_000] : ['fib', scenario === 'fib27' ? 27 : 32];
  const count = Number(countArg ?? 40);
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, () => pool.run(name, n)));
  result.wallMs = performance.now() - start;
}
result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
await pool.close();
process.stdout.write(JSON.stringify(result));
process.exit(0);
