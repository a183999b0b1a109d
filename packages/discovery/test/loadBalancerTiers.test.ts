import type { BackendStatus } from '@lb/proxy';
import { LoadBalancer, TcpLoadBalancer } from '@lb/proxy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { get, startBackends, type TestBackend } from './helpers/backends.js';
import { nextEvent } from './helpers/events.js';
import { ManualSource } from './helpers/manualSource.js';

let backends: TestBackend[];
let port: number;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  backends = await startBackends(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  port = backends[0]!.port;
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await Promise.all(backends.map((b) => b.close()));
});

async function bodies(lbPort: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push((await get(lbPort)).body);
  return out;
}

describe('the discovery option', () => {
  it('follows a source of your own from start() to stop()', async () => {
    const source = new ManualSource();
    const lb = new LoadBalancer({ loadBalancerPort: 0, discovery: source });
    expect(source.subscribers).toBe(0);
    await lb.start();
    expect(source.subscribers).toBe(1);
    const updated = nextEvent(lb, 'discoveryUpdated');
    source.publish([{ host: '127.0.0.2', port }]);
    await updated;
    expect(await bodies(lb.address!.port, 2)).toEqual(['127.0.0.2', '127.0.0.2']);
    await lb.stop({ timeout: 1_000 });
    expect(source.subscribers).toBe(0);
  });

  it('never applies a stale snapshot, even an empty one', async () => {
    const source = new ManualSource();
    const lb = new LoadBalancer({ loadBalancerPort: 0, discovery: source });
    stops.push(() => lb.stop({ timeout: 1_000 }));
    await lb.start();
    source.publish([{ host: '127.0.0.2', port }]);
    const stale = nextEvent(lb, 'discoveryStale');
    source.publish([], true);
    await stale;
    expect(lb.backends.map((b) => b.id)).toEqual([`127.0.0.2:${port}`]);
    expect(await bodies(lb.address!.port, 1)).toEqual(['127.0.0.2']);
  });

  it('sends nothing to a backup tier while the primary tier has a backend up', async () => {
    const source = new ManualSource();
    const lb = new LoadBalancer({ loadBalancerPort: 0, discovery: source });
    stops.push(() => lb.stop({ timeout: 1_000 }));
    await lb.start();
    const lbPort = lb.address!.port;
    source.publish([
      { host: '127.0.0.2', port, priority: 10 },
      { host: '127.0.0.3', port, priority: 10 },
      { host: '127.0.0.4', port, priority: 20 },
    ]);
    expect(new Set(await bodies(lbPort, 6))).toEqual(new Set(['127.0.0.2', '127.0.0.3']));

    lb.setBackendHealth(`127.0.0.2:${port}`, 'down');
    expect(new Set(await bodies(lbPort, 4))).toEqual(new Set(['127.0.0.3']));

    const backupOn = nextEvent(
      lb,
      'backendWeightChanged',
      (s: BackendStatus) => s.id === `127.0.0.4:${port}`,
    );
    lb.setBackendHealth(`127.0.0.3:${port}`, 'down');
    await backupOn;
    expect(new Set(await bodies(lbPort, 4))).toEqual(new Set(['127.0.0.4']));

    const backupOff = nextEvent(
      lb,
      'backendWeightChanged',
      (s: BackendStatus) => s.id === `127.0.0.4:${port}`,
    );
    lb.setBackendHealth(`127.0.0.3:${port}`, 'up');
    await backupOff;
    expect(new Set(await bodies(lbPort, 4))).toEqual(new Set(['127.0.0.3']));
  });

  it('works for TcpLoadBalancer too', async () => {
    const source = new ManualSource();
    const lb = new TcpLoadBalancer({ loadBalancerPort: 0, discovery: source });
    stops.push(() => lb.stop({ timeout: 1_000 }));
    await lb.start();
    const updated = nextEvent(lb, 'discoveryUpdated');
    source.publish([{ host: '127.0.0.3', port }]);
    await updated;
    // The TCP balancer forwards the bytes of an HTTP request unchanged.
    expect(await bodies(lb.address!.port, 1)).toEqual(['127.0.0.3']);
  });

  it('refuses a discovery option that is not a source', () => {
    expect(() => new LoadBalancer({ loadBalancerPort: 0, discovery: {} as never })).toThrow(/discovery/);
  });
});
