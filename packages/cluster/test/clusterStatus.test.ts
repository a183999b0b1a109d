import type { ClusterStatus } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, get } from './helpers.js';

afterEach(cleanUp);

describe('the admin server of a cluster', () => {
  it('lists the workers next to the balancer stats at /status, and serves the dashboard at /', async () => {
    const manager = cluster({ enableLoadBalancer: true, loadBalancerPort: 0, adminPort: 0 });
    await manager.start();
    const admin = manager.adminAddress?.port as number;
    const status = JSON.parse((await get(admin, '/status')).body) as ClusterStatus;
    expect(status.workers.map((w) => [w.id, w.pid, w.state, w.restarts])).toEqual(
      manager.workers.map((w) => [w.id, w.pid, 'ready', 0]),
    );
    // The balancer lists backends in the order workers became ready, which varies.
    expect(status.balancer?.backends.map((b) => b.id).sort()).toEqual(
      manager.workers.map((w) => w.backendId).sort(),
    );
    expect((await get(admin, '/')).body).toContain('<title>lb dashboard</title>');
  });
});
