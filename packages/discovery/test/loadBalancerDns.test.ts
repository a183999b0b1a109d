import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dnsDiscovery } from '../src/dnsDiscovery.js';
import { TestDnsServer } from './dns/dnsServer.js';
import { get, startBackends, type TestBackend } from './helpers/backends.js';
import { nextEvent } from './helpers/events.js';

let dns: TestDnsServer;
let backends: TestBackend[];
let lb: LoadBalancer;
/** The port every backend serves on. */
let port: number;

const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

beforeEach(async () => {
  dns = await TestDnsServer.start();
  backends = await startBackends(hosts);
  port = backends[0]!.port;
});

afterEach(async () => {
  await lb?.stop({ timeout: 1_000 });
  await Promise.all(backends.map((b) => b.close()));
  await dns.close();
});

function setRecords(...addresses: string[]): void {
  dns.zone.set('api.test', { a: addresses.map((address) => ({ address, ttl: 1 })) });
}

/** Starts a balancer that follows `api.test` and waits for its first snapshot. */
async function startBalancer(hold?: number): Promise<number> {
  const discovery = dnsDiscovery({
    name: 'api.test',
    port,
    servers: [dns.address],
    timeout: 300,
    tries: 1,
    ...(hold === undefined ? {} : { hold }),
  });
  lb = new LoadBalancer({ loadBalancerPort: 0, discovery });
  const first = nextEvent(lb, 'discoveryUpdated');
  await lb.start();
  await first;
  return lb.address!.port;
}

const idOf = (host: string): string => `${host}:${port}`;
const isBackend =
  (host: string) =>
  (status: BackendStatus): boolean =>
    status.id === idOf(host);

describe('LoadBalancer with dnsDiscovery', () => {
  it('sends traffic to a backend added to DNS after its TTL', async () => {
    setRecords('127.0.0.2');
    const lbPort = await startBalancer();
    expect((await get(lbPort)).body).toBe('127.0.0.2');
    const added = nextEvent(lb, 'backendAdded', isBackend('127.0.0.3'));
    setRecords('127.0.0.2', '127.0.0.3');
    await added;
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(lbPort)).body);
    expect(bodies).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
  });

  it('drains a backend removed from DNS: no new requests, the in-flight one finishes', async () => {
    setRecords('127.0.0.2', '127.0.0.3');
    const lbPort = await startBalancer();
    const [b2, b3] = backends as [TestBackend, TestBackend];
    // Round robin puts one of two slow requests on each backend.
    const slowOn3 = b3.nextHit('/slow');
    const slow = [get(lbPort, '/slow'), get(lbPort, '/slow')];
    await slowOn3;
    const draining = nextEvent(lb, 'backendDraining', isBackend('127.0.0.3'));
    setRecords('127.0.0.2');
    await draining;
    const before = b3.hits.length;
    for (let i = 0; i < 4; i++) expect((await get(lbPort)).body).toBe('127.0.0.2');
    expect(b3.hits.length).toBe(before);
    const removed = nextEvent(lb, 'backendRemoved', isBackend('127.0.0.3'));
    b2.release();
    b3.release();
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await removed;
    expect(lb.backends.map((b) => b.id)).toEqual([idOf('127.0.0.2')]);
  });

  it('replaces every backend one by one under load with no failed request', async () => {
    setRecords('127.0.0.2', '127.0.0.3');
    const lbPort = await startBalancer();
    let running = true;
    const failures: string[] = [];
    const seen = new Set<string>();
    const client = async (): Promise<void> => {
      while (running) {
        const answer = await get(lbPort).catch((err: Error) => ({ status: 0, body: err.message }));
        if (answer.status === 200) seen.add(answer.body);
        else failures.push(`${answer.status} ${answer.body}`);
      }
    };
    const load = [client(), client(), client()];
    // A rolling deploy: a new backend comes up and is published, then an old one leaves DNS and, once the
    // balancer has drained and dropped it, shuts down.
    const steps: [add: string, remove: string, keep: string][] = [
      ['127.0.0.4', '127.0.0.2', '127.0.0.3'],
      ['127.0.0.5', '127.0.0.3', '127.0.0.4'],
    ];
    for (const [add, remove, keep] of steps) {
      const added = nextEvent(lb, 'backendAdded', isBackend(add));
      setRecords(keep, add, remove);
      await added;
      const removed = nextEvent(lb, 'backendRemoved', isBackend(remove));
      setRecords(keep, add);
      await removed;
      await backends[hosts.indexOf(remove)]!.close();
    }
    for (let i = 0; i < 4; i++) seen.add((await get(lbPort)).body);
    running = false;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(seen.has('127.0.0.5')).toBe(true);
    expect(lb.backends.map((b) => b.id).sort()).toEqual([idOf('127.0.0.4'), idOf('127.0.0.5')]);
  }, 30_000);

  it('keeps serving the last set while the DNS server is down, and says so', async () => {
    setRecords('127.0.0.2', '127.0.0.3');
    const lbPort = await startBalancer();
    const stale = nextEvent(lb, 'discoveryStale');
    dns.mode = 'silent';
    const [error] = await stale;
    expect(error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(lbPort)).body);
    expect(bodies).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    expect(lb.metrics()).toContain('lb_discovery_stale 1');
    const fresh = nextEvent(lb, 'discoveryUpdated');
    dns.mode = 'answer';
    await fresh;
    expect(lb.metrics()).toContain('lb_discovery_stale 0');
    expect(lb.metrics()).toMatch(/lb_discovery_updates_total 2/);
  });

  it('keeps serving through NXDOMAIN until the hold has passed, then drains', async () => {
    setRecords('127.0.0.2');
    const lbPort = await startBalancer(3_000);
    const held = nextEvent(lb, 'discoveryStale');
    dns.zone.delete('api.test');
    const [error] = await held;
    expect(error).toMatchObject({ code: 'LB_ERR_DISCOVERY_EMPTY' });
    expect((await get(lbPort)).body).toBe('127.0.0.2');
    const removed = nextEvent(lb, 'backendRemoved', isBackend('127.0.0.2'));
    await removed;
    expect(lb.backends).toEqual([]);
    expect((await get(lbPort)).status).toBe(503);
  });
});
