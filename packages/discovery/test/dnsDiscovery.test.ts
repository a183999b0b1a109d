import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dnsDiscovery } from '../src/dnsDiscovery.js';
import { TestDnsServer } from './dns/dnsServer.js';
import { addresses, SnapshotRecorder } from './helpers/snapshots.js';

let dns: TestDnsServer;
const recorders: SnapshotRecorder[] = [];

beforeEach(async () => {
  dns = await TestDnsServer.start();
});

afterEach(async () => {
  for (const r of recorders.splice(0)) r.unsubscribe();
  await dns.close();
});

function follow(options: Partial<Parameters<typeof dnsDiscovery>[0]> = {}): SnapshotRecorder {
  const source = dnsDiscovery({
    name: 'api.test',
    port: 8080,
    servers: [dns.address],
    timeout: 200,
    tries: 1,
    ...options,
  });
  const recorder = new SnapshotRecorder(source);
  recorders.push(recorder);
  return recorder;
}

describe('dnsDiscovery', () => {
  it('publishes the A records as backends on the given port', async () => {
    dns.zone.set('api.test', {
      a: [
        { address: '127.0.0.3', ttl: 5 },
        { address: '127.0.0.2', ttl: 5 },
      ],
    });
    const snap = await follow().next(() => true);
    expect(snap).toMatchObject({ version: 1, stale: false });
    expect(addresses(snap)).toEqual(['127.0.0.2:8080', '127.0.0.3:8080']);
  });

  it('looks again when the TTL runs out and publishes only changes', async () => {
    dns.zone.set('api.test', { a: [{ address: '127.0.0.2', ttl: 1 }] });
    const r = follow();
    await r.next(() => true);
    // The second lookup comes at the 1 s TTL (less jitter); the same answer publishes nothing.
    await dns.nextQuery();
    dns.zone.set('api.test', {
      a: [
        { address: '127.0.0.2', ttl: 1 },
        { address: '127.0.0.4', ttl: 1 },
      ],
    });
    const changed = await r.next((s) => s.backends.length === 2);
    expect(changed.version).toBe(2);
    expect(addresses(changed)).toEqual(['127.0.0.2:8080', '127.0.0.4:8080']);
  });

  it('asks for AAAA records with family 6', async () => {
    dns.zone.set('api.test', { aaaa: [{ address: '::1', ttl: 5 }] });
    const snap = await follow({ family: 6 }).next(() => true);
    expect(snap.backends).toEqual([{ host: '::1', port: 8080 }]);
    expect(dns.queries).toContain('api.test AAAA');
  });

  it('keeps the last set, marked stale, while the server does not answer', async () => {
    dns.zone.set('api.test', { a: [{ address: '127.0.0.2', ttl: 1 }] });
    const r = follow();
    await r.next(() => true);
    dns.mode = 'silent';
    const stale = await r.next((s) => s.stale);
    expect(addresses(stale)).toEqual(['127.0.0.2:8080']);
    expect(stale.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    dns.mode = 'answer';
    const fresh = await r.next((s) => !s.stale, r.snapshots.length);
    expect(addresses(fresh)).toEqual(['127.0.0.2:8080']);
  });

  it('treats SERVFAIL as a failure, not as an empty answer', async () => {
    dns.zone.set('api.test', { a: [{ address: '127.0.0.2', ttl: 1 }] });
    const r = follow({ refresh: 50 });
    await r.next(() => true);
    dns.mode = 'servfail';
    const stale = await r.next((s) => s.stale);
    expect(stale.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    expect(stale.backends).toHaveLength(1);
  });

  it('empties the set on NXDOMAIN only after the hold', async () => {
    dns.zone.set('api.test', { a: [{ address: '127.0.0.2', ttl: 1 }] });
    const r = follow({ refresh: 50, hold: 300 });
    await r.next(() => true);
    dns.zone.delete('api.test');
    const held = await r.next((s) => s.stale);
    expect(held.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_EMPTY' });
    expect(held.backends).toHaveLength(1);
    const emptied = await r.next((s) => s.backends.length === 0);
    expect(emptied.stale).toBe(false);
  });

  it('fails over an unreachable server as stale', async () => {
    const r = follow({ servers: ['127.0.0.1:9'] });
    const snap = await r.next(() => true);
    expect(snap).toMatchObject({ stale: true, backends: [] });
  });

  it('refuses unknown options', () => {
    expect(() => dnsDiscovery({ name: 'x', port: 80, ttl: 5 } as never)).toThrow(/ttl/);
    expect(() => dnsDiscovery({ name: 'x', port: 0 })).toThrow(/port/);
  });
});
