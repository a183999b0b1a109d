// What a large discovery snapshot costs the balancer: `setBackends` with n new backends (as a first snapshot of
// a big Service), then `setBackends([])` dropping all of them (idle, so each drains at once and is removed).
// Median of 3 fresh balancers per size. `--baseline DIR` also measures the balancer built in DIR (a checkout
// whose packages/proxy/dist is built), in a process of its own, for a before/after in one sitting.
//
//   node --import tsx bench/discovery/snapshot.ts
//   node --import tsx bench/discovery/snapshot.ts --sizes 1000,2000 --baseline /path/to/old/checkout
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string): string | undefined =>
  args.includes(name) ? args[args.indexOf(name) + 1] : undefined;
const sizes = (option('--sizes') ?? '1000,5000,10000').split(',').map(Number);
const baseline = option('--baseline');
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Balancer {
  setBackends(list: readonly { id: string; host: string; port: number }[]): Promise<void>;
}
type Make = () => Balancer;

async function measure(dir: string, n: number): Promise<{ add: number; drop: number }> {
  const proxy = (await import(pathToFileURL(resolve(dir, 'packages/proxy/dist/index.js')).href)) as {
    LoadBalancer: new (config: Record<string, unknown>) => Balancer;
  };
  const make: Make = () =>
    new proxy.LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', outlierDetection: false });
  const list = Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 80,
  }));
  const add: number[] = [];
  const drop: number[] = [];
  for (let r = 0; r < 3; r++) {
    const lb = make();
    let t = performance.now();
    await lb.setBackends(list);
    add.push(performance.now() - t);
    t = performance.now();
    await lb.setBackends([]);
    drop.push(performance.now() - t);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
  return { add: median(add), drop: median(drop) };
}

if (option('--child') !== undefined) {
  const result = await measure(option('--child')!, Number(option('--n')));
  process.stdout.write(JSON.stringify(result));
} else {
  console.log('| build | backends | add all (median of 3) | drop all (median of 3) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [label, dir] of [
    ['this tree', root],
    ...(baseline ? [['baseline', resolve(baseline)]] : []),
  ] as const) {
    for (const n of sizes) {
      // One process per measurement, so one build's heap and JIT state do not colour the other's.
      const run = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--child', dir, '--n', String(n)],
        { encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(run.stderr);
      const { add, drop } = JSON.parse(run.stdout) as { add: number; drop: number };
      console.log(`| ${label} | ${n} | ${Math.round(add)} ms | ${Math.round(drop)} ms |`);
    }
  }
}
