// Discovery goals, measured in one run against real peers: Debian's dnsmasq for DNS and SRV, and the test API
// server of the discovery tests (list + watch of EndpointSlices over HTTPS) for Kubernetes. A real LoadBalancer
// follows the source to HTTP backends on 127.0.0.2-127.0.0.13 under a closed-loop load of fresh connections.
//
//   - add → traffic: from a backend published (hosts file + SIGHUP, or a slice applied) to its first request
//     (goals: TTL + 1 s for DNS, 500 ms for the watch); remove: no new request after the drain began, and a
//     request in flight on it finishes;
//   - a rolling replacement of every backend under load: failed (idempotent GET) requests, goal 0;
//   - an outage of the DNS server (killed) and of the API server (stopped) under load: failed requests, goal 0;
//   - SRV: requests to the backup tier while a primary is healthy (goal 0), and weight shares over 10,000
//     requests (goal ±5 % of the configured share).
//
// Pinning: when `taskset` exists and there are 2+ CPUs, the run re-executes itself on CPU 1 (dnsmasq inherits it).
//
//   node --import tsx bench/discovery/run.ts             # 5 repetitions of each latency, 60 s outages
//   node --import tsx bench/discovery/run.ts --quick     # 2 repetitions, 5 s outages, 2,000 SRV requests
//   node --import tsx bench/discovery/run.ts --outage 30 --reps 3
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type BackendStatus,
  type DiscoverySource,
  dnsDiscovery,
  kubernetesDiscovery,
  LoadBalancer,
  type LoadBalancerConfig,
  srvDiscovery,
} from '@lb/all';
import { get, startBackends, type TestBackend } from '../../packages/discovery/test/helpers/backends.js';
import { nextEvent } from '../../packages/discovery/test/helpers/events.js';
import {
  endpointSlice,
  TestApiServer,
  type TestEndpoint,
} from '../../packages/discovery/test/kubernetes/testApiServer.js';
import { hasOpenssl, makeTestCertificates } from '../../packages/discovery/test/kubernetes/testCa.js';
import { Dnsmasq } from '../../packages/discovery/test/system/dnsmasq.js';
import { Load, type LoadResult } from '../../packages/discovery/test/system/load.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string): string | undefined =>
  args.includes(name) ? args[args.indexOf(name) + 1] : undefined;
const reps = Number(option('--reps') ?? (quick ? 2 : 5));
const outageSeconds = Number(option('--outage') ?? (quick ? 5 : 60));
const srvRequests = quick ? 2_000 : 10_000;
const clients = 4;

const has = (tool: string): boolean => spawnSync('which', [tool]).status === 0;
if (
  !args.includes('--no-pin') &&
  process.env.LB_BENCH_PINNED === undefined &&
  has('taskset') &&
  cpus().length >= 2
) {
  const run = spawnSync(
    'taskset',
    ['-c', '1', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, LB_BENCH_PINNED: '1' },
    },
  );
  process.exit(run.status ?? 1);
}

const hosts = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 2}`);
const domain = 'lbtest';
const name = `api.${domain}`;
const lines: string[] = [];
const say = (line: string): void => {
  lines.push(line);
  console.log(line);
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (values: readonly number[]): string =>
  `median ${Math.round(median(values))} ms (min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))}, n=${values.length})`;

const failuresOf = (result: LoadResult): string =>
  `${result.failures.length} failed of ${result.ok + result.failures.length}` +
  (result.failures.length > 0 ? ` (${[...new Set(result.failures)].slice(0, 3).join('; ')})` : '');

/** The id the balancer gives a discovered backend. */
const idOf = (host: string, port: number): string => `${host}:${port}`;

async function startBalancer(
  discovery: DiscoverySource,
  extra: Partial<LoadBalancerConfig> = {},
): Promise<{ lb: LoadBalancer; port: number }> {
  const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', discovery, ...extra });
  const first = nextEvent(lb, 'discoveryUpdated');
  await lb.start();
  await first;
  return { lb, port: lb.address!.port };
}

/** What one source driver can do: publish a set of hosts, and make the source unreachable and back. */
interface Driver {
  readonly label: string;
  readonly goalMs: number;
  source(port: number): DiscoverySource;
  publish(hosts: readonly string[]): Promise<void>;
  outage(): Promise<void>;
  recover(): Promise<void>;
  close(): Promise<void>;
}

async function dnsDriver(ttl: number): Promise<Driver> {
  const server = await Dnsmasq.start({ hosts: [], ttl, domain });
  return {
    label: `DNS (dnsmasq, TTL ${ttl} s)`,
    goalMs: ttl * 1000 + 1000,
    source: (port) => dnsDiscovery({ name, port, servers: [server.address], timeout: 500, tries: 2 }),
    publish: async (list) =>
      server.setHosts([`127.0.0.99 other.${domain}`, ...list.map((h) => `${h} ${name}`)]),
    outage: () => server.kill(),
    recover: () => server.restart(),
    close: () => server.close(),
  };
}

async function kubernetesDriver(port: number): Promise<Driver> {
  const certificates = hasOpenssl() ? makeTestCertificates() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-k8s-'));
  writeFileSync(join(dir, 'token'), 'token-1');
  if (certificates) writeFileSync(join(dir, 'ca.crt'), certificates.ca);
  const api = await TestApiServer.start(certificates);
  const slice = (list: readonly string[]) =>
    endpointSlice(
      'api-a',
      'api',
      list.map((ip): TestEndpoint => ({ ip })),
      [{ name: 'http', port }],
    );
  return {
    label: `Kubernetes watch (${certificates ? 'HTTPS' : 'HTTP'})`,
    goalMs: 500,
    source: () =>
      kubernetesDiscovery({
        service: 'api',
        namespace: 'default',
        port: 'http',
        apiServer: api.url,
        tokenPath: join(dir, 'token'),
        caPath: join(dir, 'ca.crt'),
      }),
    publish: async (list) => api.apply(slice(list)),
    outage: () => api.pause(),
    recover: () => api.resume(),
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Add → first request, and remove → drained with no new request, `reps` times. */
async function addAndRemove(driver: Driver, backends: TestBackend[], port: number): Promise<void> {
  const [a, b, c] = hosts as [string, string, string];
  await driver.publish([a, b]);
  const { lb, port: lbPort } = await startBalancer(driver.source(port));
  const load = new Load(lbPort, clients);
  const addMs: number[] = [];
  const addedMs: number[] = [];
  const drainMs: number[] = [];
  let strayRequests = 0;
  let inFlightFinished = 0;
  for (let i = 0; i < reps; i++) {
    const newcomer = backends[2]!;
    const added = nextEvent(lb, 'backendAdded', (s: BackendStatus) => s.id === idOf(c, port));
    const hit = newcomer.nextHit('/');
    const t0 = performance.now();
    await driver.publish([a, b, c]);
    await added;
    addedMs.push(performance.now() - t0);
    await hit;
    addMs.push(performance.now() - t0);

    // A slow request held on the backend that leaves, then the removal.
    let isHeld = false;
    const held = newcomer.nextHit('/slow').then(() => {
      isHeld = true;
    });
    const slow: Promise<{ status: number }>[] = [];
    while (!isHeld && slow.length < 30) {
      slow.push(get(lbPort, '/slow'));
      await Promise.race([held, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
    await held;
    const removed = nextEvent(lb, 'backendRemoved', (s: BackendStatus) => s.id === idOf(c, port));
    const draining = nextEvent(lb, 'backendDraining', (s: BackendStatus) => s.id === idOf(c, port));
    const t1 = performance.now();
    await driver.publish([a, b]);
    await draining;
    drainMs.push(performance.now() - t1);
    const hitsAtDrain = newcomer.hits.length;
    const inFlightAtDrain = lb.backends.find((s) => s.id === idOf(c, port))?.inFlight ?? 0;
    // Let the load run on: 200 more requests answered by the others.
    for (let n = 0; n < 100; n++) await Promise.race([backends[0]!.nextHit('/'), backends[1]!.nextHit('/')]);
    // Requests sent to it before the drain and still on their way may arrive; anything beyond is a new request.
    strayRequests += Math.max(0, newcomer.hits.length - hitsAtDrain - (inFlightAtDrain - 1));
    for (const x of backends) x.release();
    const answers = await Promise.all(slow);
    inFlightFinished += answers.filter((r) => r.status === 200).length === answers.length ? 1 : 0;
    await removed;
  }
  const result = await load.stop();
  await lb.stop({ timeout: 2_000 });
  say(`| ${driver.label} | added → first request | ${ms(addMs)} | ≤ ${driver.goalMs} ms |`);
  say(`| ${driver.label} | added → \`backendAdded\` | ${ms(addedMs)} | |`);
  say(`| ${driver.label} | removed → drain begins | ${ms(drainMs)} | ≤ ${driver.goalMs} ms |`);
  say(
    `| ${driver.label} | removed: new requests after the drain began; in-flight ones finished | ${strayRequests}; ${inFlightFinished}/${reps} runs | 0; all |`,
  );
  say(
    `| ${driver.label} | failed requests during the ${reps} add/remove cycles | ${failuresOf(result)} | 0 |`,
  );
}

/** Replaces every backend one by one under load; old backends shut down once removed. */
async function rolling(driver: Driver, port: number): Promise<void> {
  const old = hosts.slice(0, 4);
  const fresh = hosts.slice(4, 8);
  const backends = await startBackends([...old, ...fresh], port);
  await driver.publish(old);
  const { lb, port: lbPort } = await startBalancer(driver.source(port));
  const load = new Load(lbPort, clients);
  let current = [...old];
  const t0 = performance.now();
  for (let i = 0; i < old.length; i++) {
    const add = fresh[i]!;
    const remove = old[i]!;
    const added = nextEvent(lb, 'backendAdded', (s: BackendStatus) => s.id === idOf(add, port));
    current = [...current, add];
    await driver.publish(current);
    await added;
    // As a rolling deploy does: the old one goes only once the new one is serving.
    for (let n = 0; n < 50; n++) await backends[old.length + i]!.nextHit('/');
    const removed = nextEvent(lb, 'backendRemoved', (s: BackendStatus) => s.id === idOf(remove, port));
    current = current.filter((h) => h !== remove);
    await driver.publish(current);
    await removed;
    await backends[i]!.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = await load.stop();
  const served = fresh.every((h) => (result.byBody.get(h) ?? 0) > 0);
  await lb.stop({ timeout: 2_000 });
  await Promise.all(backends.slice(old.length).map((b) => b.close()));
  say(
    `| ${driver.label} | rolling replacement of 4 backends under load (${seconds.toFixed(1)} s) | ${failuresOf(result)}${served ? '' : ', a new backend got no traffic'} | 0 |`,
  );
}

/** Takes the source's server away for `outageSeconds` under load, then back. */
async function outage(driver: Driver, port: number): Promise<void> {
  const [a, b] = hosts as [string, string];
  await driver.publish([a, b]);
  const { lb, port: lbPort } = await startBalancer(driver.source(port));
  const load = new Load(lbPort, clients);
  const stale = nextEvent(lb, 'discoveryStale');
  await driver.outage();
  await stale;
  await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
  const staleAtEnd = lb.metrics().includes('lb_discovery_stale 1');
  const fresh = nextEvent(lb, 'discoveryUpdated');
  const t0 = performance.now();
  await driver.recover();
  await fresh;
  const recoverMs = performance.now() - t0;
  const result = await load.stop();
  const both = (result.byBody.get(a) ?? 0) > 0 && (result.byBody.get(b) ?? 0) > 0;
  await lb.stop({ timeout: 2_000 });
  say(
    `| ${driver.label} | ${outageSeconds} s outage of the server under load | ${failuresOf(result)}; stale throughout: ${staleAtEnd ? 'yes' : 'no'}; both kept: ${both ? 'yes' : 'no'}; fresh again ${Math.round(recoverMs)} ms after it returned | 0 |`,
  );
}

/** SRV: nothing to the backup tier while a primary is up, and weight shares over `srvRequests` requests. */
async function srv(port: number, backends: TestBackend[]): Promise<void> {
  const srvName = `_http._tcp.${name}`;
  const record = (target: string, priority: number, weight: number) => ({
    name: srvName,
    target: `${target}.${domain}`,
    port,
    priority,
    weight,
  });
  const server = await Dnsmasq.start({
    hosts: ['127.0.0.2 a.lbtest', '127.0.0.3 b.lbtest', '127.0.0.4 c.lbtest', '127.0.0.5 d.lbtest'],
    srv: [record('a', 0, 1), record('b', 0, 2), record('c', 0, 5), record('d', 1, 1)],
    ttl: 1,
    domain,
  });
  try {
    for (const strategy of ['weightedRoundRobin', 'random'] as const) {
      const source = srvDiscovery({ name: srvName, servers: [server.address], refresh: 1_000 });
      const { lb, port: lbPort } = await startBalancer(source, {
        strategy,
        healthCheck: { interval: 200, timeout: 200, fall: 1, rise: 1 },
      });
      const load = new Load(lbPort, 8);
      while (load.answered < srvRequests) await backends[0]!.nextHit('/');
      const result = await load.stop();
      const total = result.ok;
      const share = (host: string): number => (result.byBody.get(host) ?? 0) / total;
      const expected: [string, number][] = [
        ['127.0.0.2', 1 / 8],
        ['127.0.0.3', 2 / 8],
        ['127.0.0.4', 5 / 8],
      ];
      const worst = Math.max(...expected.map(([h, e]) => Math.abs(share(h) - e) / e));
      say(
        `| SRV, ${strategy} | weight shares 1:2:5 over ${total} requests | ${expected.map(([h]) => `${(share(h) * 100).toFixed(1)} %`).join(' / ')} (want 12.5 / 25 / 62.5 %); worst off by ${(worst * 100).toFixed(1)} % of its share; backup ${result.byBody.get('127.0.0.5') ?? 0}; ${failuresOf(result)} | ±5 %; backup 0 |`,
      );
      await lb.stop({ timeout: 2_000 });
    }

    // Two of the three primaries fail their health checks; one stays healthy, the backup must still get nothing.
    const source = srvDiscovery({ name: srvName, servers: [server.address], refresh: 1_000 });
    const { lb, port: lbPort } = await startBalancer(source, {
      healthCheck: { interval: 200, timeout: 200, fall: 1, rise: 1 },
    });
    const down = Promise.all(
      ['127.0.0.2', '127.0.0.3'].map((h) => nextEvent(lb, 'backendDown', (s: BackendStatus) => s.host === h)),
    );
    const closed = [backends[0]!, backends[1]!];
    await Promise.all(closed.map((b) => b.close()));
    await down;
    const load = new Load(lbPort, clients);
    while (load.answered < 2_000) await backends[2]!.nextHit('/');
    const result = await load.stop();
    say(
      `| SRV | backup tier while 1 of 3 primaries is healthy (2 down by health check), 2,000 requests | backup got ${result.byBody.get('127.0.0.5') ?? 0}; ${failuresOf(result)} | 0 |`,
    );
    await lb.stop({ timeout: 2_000 });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  say(
    `discovery bench ${started.toISOString()}: Node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}${process.env.LB_BENCH_PINNED ? ', pinned to CPU 1' : ''}; ${reps} repetitions, ${outageSeconds} s outages, ${clients} clients`,
  );
  say('| source | what | measured | goal |');
  say('| --- | --- | --- | --- |');

  let backends = await startBackends(hosts.slice(0, 3));
  const port = backends[0]!.port;
  const drivers = [await dnsDriver(1), await dnsDriver(5), await kubernetesDriver(port)];
  for (const driver of drivers) await addAndRemove(driver, backends, port);
  await Promise.all(backends.map((b) => b.close()));

  for (const driver of [drivers[0]!, drivers[2]!]) await rolling(driver, port);

  backends = await startBackends(hosts.slice(0, 2), port);
  for (const driver of [drivers[0]!, drivers[2]!]) await outage(driver, port);
  await Promise.all(backends.map((b) => b.close()));

  backends = await startBackends(hosts.slice(0, 4), port);
  await srv(port, backends);
  await Promise.all(backends.map((b) => b.close()));

  for (const driver of drivers) await driver.close();
  say(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
