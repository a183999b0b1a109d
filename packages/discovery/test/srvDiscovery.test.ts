import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { srvDiscovery } from '../src/srvDiscovery.js';
import { TestDnsServer, type ZoneEntry } from './dns/dnsServer.js';
import { get, startBackends, type TestBackend } from './helpers/backends.js';
import { nextEvent } from './helpers/events.js';
import { SnapshotRecorder } from './helpers/snapshots.js';

const name = '_http._tcp.api.test';
let dns: TestDnsServer;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  dns = await TestDnsServer.start();
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await dns.close();
});

/** SRV records for `name`, each target with one A record. */
function setSrv(
  records: readonly { target: string; address: string; port: number; priority: number; weight: number }[],
): void {
  const srv: NonNullable<ZoneEntry['srv']> = records.map(({ target, port, priority, weight }) => ({
    target,
    port,
    priority,
    weight,
    ttl: 5,
  }));
  dns.zone.set(name, { srv });
  for (const r of records) dns.zone.set(r.target, { a: [{ address: r.address, ttl: 5 }] });
}

function follow(): SnapshotRecorder {
  const recorder = new SnapshotRecorder(
    srvDiscovery({ name, servers: [dns.address], refresh: 100, timeout: 300, tries: 1 }),
  );
  cleanups.push(() => recorder.unsubscribe());
  return recorder;
}

describe('srvDiscovery', () => {
  it('resolves each target with the port, priority and weight of its record', async () => {
    setSrv([
      { target: 'a.api.test', address: '127.0.0.2', port: 8080, priority: 10, weight: 60 },
      { target: 'b.api.test', address: '127.0.0.3', port: 8081, priority: 20, weight: 0 },
    ]);
    const snap = await follow().next(() => true);
    expect(snap.backends).toEqual([
      { host: '127.0.0.2', port: 8080, priority: 10, weight: 60 },
      { host: '127.0.0.3', port: 8081, priority: 20, weight: 1 },
    ]);
  });

  it('leaves out a target with no address, and holds on NXDOMAIN for the SRV name', async () => {
    setSrv([{ target: 'a.api.test', address: '127.0.0.2', port: 8080, priority: 10, weight: 1 }]);
    dns.zone.set(name, {
      srv: [
        ...(dns.zone.get(name)?.srv ?? []),
        { target: 'gone.api.test', port: 8080, priority: 10, weight: 1, ttl: 5 },
      ],
    });
    const r = follow();
    expect((await r.next(() => true)).backends.map((b) => b.host)).toEqual(['127.0.0.2']);
    dns.zone.delete(name);
    expect(await r.next((s) => s.stale)).toMatchObject({ error: { code: 'LB_ERR_DISCOVERY_EMPTY' } });
  });

  it('keeps the last set, stale, when the server fails', async () => {
    setSrv([{ target: 'a.api.test', address: '127.0.0.2', port: 8080, priority: 10, weight: 1 }]);
    const r = follow();
    await r.next(() => true);
    dns.mode = 'servfail';
    const stale = await r.next((s) => s.stale);
    expect(stale).toMatchObject({
      error: { code: 'LB_ERR_DISCOVERY_FAILED' },
      backends: [{ host: '127.0.0.2' }],
    });
  });
});

describe('LoadBalancer with srvDiscovery', () => {
  let backends: TestBackend[];

  beforeEach(async () => {
    backends = await startBackends(['127.0.0.2', '127.0.0.3']);
    cleanups.push(() => Promise.all(backends.map((b) => b.close())));
  });

  it('sends nothing to the backup tier while the primary has a healthy backend, and fails over to it', async () => {
    const [primary, backup] = backends as [TestBackend, TestBackend];
    setSrv([
      { target: 'primary.api.test', address: '127.0.0.2', port: primary.port, priority: 10, weight: 5 },
      { target: 'backup.api.test', address: '127.0.0.3', port: backup.port, priority: 20, weight: 5 },
    ]);
    const discovery = srvDiscovery({ name, servers: [dns.address], refresh: 200, timeout: 300, tries: 1 });
    const lb = new LoadBalancer({
      loadBalancerPort: 0,
      discovery,
      healthCheck: { path: '/health', interval: 100, timeout: 200, rise: 1, fall: 1 },
    });
    cleanups.unshift(() => lb.stop({ timeout: 1_000 }));
    const first = nextEvent(lb, 'discoveryUpdated');
    await lb.start();
    await first;
    const lbPort = lb.address!.port;
    for (let i = 0; i < 6; i++) expect((await get(lbPort)).body).toBe('127.0.0.2');
    expect(backup.hits.filter((h) => h !== '/health')).toEqual([]);

    // The primary stops answering its health check: the backup tier takes over.
    const down = nextEvent(lb, 'backendDown', (s: BackendStatus) => s.host === '127.0.0.2');
    const backupOn = nextEvent(lb, 'backendWeightChanged', (s: BackendStatus) => s.host === '127.0.0.3');
    await primary.close();
    await Promise.all([down, backupOn]);
    for (let i = 0; i < 4; i++) expect((await get(lbPort)).body).toBe('127.0.0.3');
  });
});
