// A system test: the DNS sources against Debian's dnsmasq, a real DNS server, and a real LoadBalancer following
// it to real HTTP backends on 127.0.0.2-5. It runs in `pnpm test:system`, and every test fails, none skips,
// when dnsmasq is missing (`Dnsmasq.start` says so). dnsmasq runs on a free high port of 127.0.0.1 with `--conf-file=/dev/null`: the machine's own
// dnsmasq, its config and port 53 are left alone.
import { Resolver } from 'node:dns/promises';
import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dnsDiscovery } from '../../src/dnsDiscovery.js';
import { srvDiscovery } from '../../src/srvDiscovery.js';
import { get, startBackends, type TestBackend } from '../helpers/backends.js';
import { nextEvent } from '../helpers/events.js';
import { addresses, SnapshotRecorder } from '../helpers/snapshots.js';
import { Dnsmasq, type SrvRecord } from './dnsmasq.js';
import { Load } from './load.js';

const domain = 'lbtest';
const name = `api.${domain}`;
const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
/** Seconds: dnsmasq's `--local-ttl`, which the DNS source follows (clamped to at least 1 s). */
const ttl = 1;

let dns: Dnsmasq | undefined;
let backends: TestBackend[];
let port: number;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  backends = await startBackends(hosts);
  port = backends[0]!.port;
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await Promise.all(backends.map((b) => b.close()));
  await dns?.close();
  dns = undefined;
});

/** Host-file lines giving `name` these addresses; `other.lbtest` keeps the domain non-empty. */
const records = (...addresses: string[]): string[] => [
  `127.0.0.9 other.${domain}`,
  ...addresses.map((a) => `${a} ${name}`),
];

async function startDns(lines: string[], srv?: readonly SrvRecord[]): Promise<Dnsmasq> {
  dns = await Dnsmasq.start({ hosts: lines, ttl, domain, ...(srv === undefined ? {} : { srv }) });
  return dns;
}

/** A balancer following `api.lbtest` through dnsmasq; resolves once the first snapshot is applied. */
async function startBalancer(server: Dnsmasq, hold?: number): Promise<{ lb: LoadBalancer; lbPort: number }> {
  const discovery = dnsDiscovery({
    name,
    port,
    servers: [server.address],
    timeout: 300,
    tries: 1,
    ...(hold === undefined ? {} : { hold }),
  });
  const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', discovery });
  const first = nextEvent(lb, 'discoveryUpdated');
  await lb.start();
  cleanups.push(() => lb.stop({ timeout: 2_000 }));
  await first;
  return { lb, lbPort: lb.address!.port };
}

const idOf = (host: string): string => `${host}:${port}`;
const isBackend =
  (host: string) =>
  (status: BackendStatus): boolean =>
    status.id === idOf(host);
const backendAt = (host: string): TestBackend => backends[hosts.indexOf(host)]!;

describe('dnsDiscovery and srvDiscovery against dnsmasq', () => {
  it('follows A and AAAA records, and each change after their TTL', async () => {
    const server = await startDns([...records('127.0.0.2', '127.0.0.3'), `::1 ${name}`]);
    // The TTL the source follows is the one dnsmasq gives its local records.
    const resolver = new Resolver({ timeout: 500, tries: 2 });
    resolver.setServers([server.address]);
    expect(await resolver.resolve4(name, { ttl: true })).toEqual([
      { address: '127.0.0.2', ttl },
      { address: '127.0.0.3', ttl },
    ]);

    const both = new SnapshotRecorder(
      dnsDiscovery({ name, port: 80, family: 'both', servers: [server.address], timeout: 300, tries: 1 }),
    );
    cleanups.push(both.unsubscribe);
    const v6 = new SnapshotRecorder(
      dnsDiscovery({ name, port: 80, family: 6, servers: [server.address], timeout: 300, tries: 1 }),
    );
    cleanups.push(v6.unsubscribe);
    const first = await both.next((s) => !s.stale);
    expect(addresses(first).sort()).toEqual(['127.0.0.2:80', '127.0.0.3:80', '::1:80']);
    expect(addresses(await v6.next((s) => !s.stale))).toEqual(['::1:80']);

    // A change is seen at the next lookup, which comes when the TTL runs out: no restart, no cache to flush.
    const seen = both.snapshots.length;
    server.setHosts([...records('127.0.0.3', '127.0.0.4'), `::2 ${name}`]);
    const changed = await both.next((s) => !s.stale && addresses(s).includes('127.0.0.4:80'), seen);
    expect(addresses(changed).sort()).toEqual(['127.0.0.3:80', '127.0.0.4:80', '::2:80']);
    expect(changed.version).toBeGreaterThan(first.version);
  }, 20_000);

  it('sends traffic to a backend added to the hosts file once the balancer has added it', async () => {
    const server = await startDns(records('127.0.0.2'));
    const { lb, lbPort } = await startBalancer(server);
    const load = new Load(lbPort);
    const order: string[] = [];
    const added = nextEvent(lb, 'backendAdded', isBackend('127.0.0.3')).then(() => order.push('added'));
    const hit = backendAt('127.0.0.3')
      .nextHit('/')
      .then(() => order.push('hit'));
    order.push('published');
    server.setHosts(records('127.0.0.2', '127.0.0.3'));
    await Promise.all([added, hit]);
    const result = await load.stop();
    expect(order).toEqual(['published', 'added', 'hit']);
    expect(result.failures).toEqual([]);
    expect(lb.backends.map((b) => b.id)).toEqual([idOf('127.0.0.2'), idOf('127.0.0.3')]);
  }, 20_000);

  it('drains a backend removed from the hosts file: no new request, its in-flight one finishes', async () => {
    const server = await startDns(records('127.0.0.2', '127.0.0.3'));
    const { lb, lbPort } = await startBalancer(server);
    const b3 = backendAt('127.0.0.3');
    // Round robin puts one of two slow requests on each backend.
    const slowOn3 = b3.nextHit('/slow');
    const slow = [get(lbPort, '/slow'), get(lbPort, '/slow')];
    await slowOn3;
    const load = new Load(lbPort);
    const draining = nextEvent(lb, 'backendDraining', isBackend('127.0.0.3'));
    server.setHosts(records('127.0.0.2'));
    await draining;
    // Requests the balancer sent to 127.0.0.3 before the drain may still be on their way (the slow one is there).
    const hitsWhenDraining = b3.hits.length;
    const inFlightWhenDraining = lb.backends.find((b) => b.id === idOf('127.0.0.3'))!.inFlight;
    // Requests keep flowing after the drain began, all of them to 127.0.0.2.
    await backendAt('127.0.0.2').nextHit('/');
    await backendAt('127.0.0.2').nextHit('/');
    const removed = nextEvent(lb, 'backendRemoved', isBackend('127.0.0.3'));
    for (const b of backends) b.release();
    expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200]);
    await removed;
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(b3.hits.length).toBeLessThanOrEqual(hitsWhenDraining + inFlightWhenDraining - 1);
    expect(lb.backends.map((b) => b.id)).toEqual([idOf('127.0.0.2')]);
  }, 20_000);

  it('keeps the set through NXDOMAIN until the hold has passed, then empties it', async () => {
    const server = await startDns(records('127.0.0.2'));
    const { lb, lbPort } = await startBalancer(server, 3_000);
    const order: string[] = [];
    const held = nextEvent(lb, 'discoveryStale');
    const removed = nextEvent(lb, 'backendRemoved', isBackend('127.0.0.2')).then(() => order.push('removed'));
    server.setHosts(records());
    const [error] = await held;
    order.push('held');
    expect(error).toMatchObject({ code: 'LB_ERR_DISCOVERY_EMPTY' });
    // Still served while held.
    expect(await get(lbPort)).toEqual({ status: 200, body: '127.0.0.2' });
    expect(lb.metrics()).toContain('lb_discovery_stale 1');
    await removed;
    expect(order).toEqual(['held', 'removed']);
    expect(lb.backends).toEqual([]);
    expect((await get(lbPort)).status).toBe(503);
  }, 20_000);

  it('keeps serving the last set while dnsmasq is dead, marked stale, and follows it again when it is back', async () => {
    const server = await startDns(records('127.0.0.2', '127.0.0.3'));
    const { lb, lbPort } = await startBalancer(server);
    const load = new Load(lbPort);
    const stale = nextEvent(lb, 'discoveryStale');
    await server.kill();
    const [error] = await stale;
    expect(error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    expect(lb.metrics()).toContain('lb_discovery_stale 1');
    // Both backends keep taking traffic while the server is down.
    await Promise.all([backendAt('127.0.0.2').nextHit('/'), backendAt('127.0.0.3').nextHit('/')]);
    expect(lb.backends.map((b) => b.id)).toEqual([idOf('127.0.0.2'), idOf('127.0.0.3')]);

    // The zone changes while the server is down; the restarted server answers with it.
    server.setHosts(records('127.0.0.2', '127.0.0.3', '127.0.0.4'));
    const fresh = nextEvent(lb, 'discoveryUpdated');
    const added = nextEvent(lb, 'backendAdded', isBackend('127.0.0.4'));
    await server.restart();
    const [snapshot] = await fresh;
    expect(snapshot).toMatchObject({ stale: false });
    await added;
    await backendAt('127.0.0.4').nextHit('/');
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(lb.metrics()).toContain('lb_discovery_stale 0');
  }, 30_000);

  it('sends SRV traffic to the lowest priority by weight, and to the backup once the primaries are gone', async () => {
    const srvName = `_http._tcp.${name}`;
    const srv = [
      { name: srvName, target: `a.${domain}`, port, priority: 0, weight: 1 },
      { name: srvName, target: `b.${domain}`, port, priority: 0, weight: 3 },
      { name: srvName, target: `c.${domain}`, port, priority: 1, weight: 1 },
    ];
    const targets = ['127.0.0.2 a.lbtest', '127.0.0.3 b.lbtest', '127.0.0.4 c.lbtest'];
    const server = await startDns(targets, srv);

    const recorder = new SnapshotRecorder(
      srvDiscovery({ name: srvName, servers: [server.address], timeout: 300, tries: 1, refresh: 1_000 }),
    );
    cleanups.push(recorder.unsubscribe);
    const snapshot = await recorder.next((s) => !s.stale);
    expect(
      [...snapshot.backends]
        .sort((x, y) => x.host.localeCompare(y.host))
        .map((b) => [b.host, b.priority, b.weight]),
    ).toEqual([
      ['127.0.0.2', 0, 1],
      ['127.0.0.3', 0, 3],
      ['127.0.0.4', 1, 1],
    ]);

    const discovery = srvDiscovery({
      name: srvName,
      servers: [server.address],
      timeout: 300,
      tries: 1,
      refresh: 1_000,
    });
    const lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      strategy: 'weightedRoundRobin',
      discovery,
    });
    const first = nextEvent(lb, 'discoveryUpdated');
    await lb.start();
    cleanups.push(() => lb.stop({ timeout: 2_000 }));
    await first;
    const lbPort = lb.address!.port;
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const { body } = await get(lbPort);
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    expect(counts.get('127.0.0.4') ?? 0).toBe(0);
    expect(Math.abs((counts.get('127.0.0.3') ?? 0) / 400 - 0.75)).toBeLessThanOrEqual(0.05);
    expect(Math.abs((counts.get('127.0.0.2') ?? 0) / 400 - 0.25)).toBeLessThanOrEqual(0.05);

    // The primaries' names lose their addresses: a target with no address is left out, the backup takes over.
    const load = new Load(lbPort);
    const removed = Promise.all([
      nextEvent(lb, 'backendRemoved', isBackend('127.0.0.2')),
      nextEvent(lb, 'backendRemoved', isBackend('127.0.0.3')),
    ]);
    server.setHosts(['127.0.0.4 c.lbtest']);
    await removed;
    await backendAt('127.0.0.4').nextHit('/');
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(lb.backends.map((b) => b.id)).toEqual([idOf('127.0.0.4')]);
  }, 30_000);
});
