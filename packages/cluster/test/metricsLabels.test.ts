import type { WorkerInfo } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, get } from './helpers.js';

afterEach(cleanUp);

/** The `backend` labels of a series, and the values by label, from a Prometheus text exposition. */
function series(text: string, name: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${name}\\{backend="([^"]*)"[^}]*\\} (\\S+)$`, 'gm'))) {
    values.set(match[1]!, (values.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return values;
}

describe('cluster metrics labels', () => {
  it('label worker series by slot, so they keep their label when a worker is killed and restarted', async () => {
    const manager = cluster({
      processes: 2,
      enableLoadBalancer: true,
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
    });
    await manager.start();
    const balancer = manager.balancer!;
    const port = manager.address?.port as number;
    for (let i = 0; i < 4; i++) expect((await get(port)).status).toBe(200);
    const before = series(balancer.metrics(), 'lb_backend_up');
    expect([...before.keys()].sort()).toEqual(['0', '1']);
    const idsBefore = manager.workers.map((w) => w.backendId);

    const [victim] = manager.workers;
    const replaced = new Promise<WorkerInfo>((resolve) => {
      const onReady = (w: WorkerInfo): void => {
        if (w.id !== victim?.id) return;
        manager.off('workerReady', onReady);
        resolve(w);
      };
      manager.on('workerReady', onReady);
    });
    process.kill(victim?.pid as number, 'SIGKILL');
    const successor = await replaced;
    expect(successor.backendId).not.toBe(victim?.backendId);
    for (let i = 0; i < 4; i++) expect((await get(port)).status).toBe(200);

    const text = balancer.metrics();
    expect([...series(text, 'lb_backend_up').keys()].sort()).toEqual(['0', '1']);
    expect([...series(text, 'lb_backend_requests_total').keys()].sort()).toEqual(['0', '1']);
    expect(manager.workers.map((w) => w.backendId)).not.toEqual(idsBefore);
    expect(text).not.toContain(`backend="${victim?.backendId}"`);
  });

  it('keeps a slot’s request counter from going backwards across a reload', async () => {
    const manager = cluster({
      processes: 1,
      enableLoadBalancer: true,
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
    });
    await manager.start();
    const balancer = manager.balancer!;
    const port = manager.address?.port as number;
    for (let i = 0; i < 5; i++) expect((await get(port)).status).toBe(200);
    const requests = () => series(balancer.metrics(), 'lb_backend_requests_total').get('0');
    expect(requests()).toBe(5);
    await manager.reload();
    expect(requests()).toBe(5);
    expect((await get(port)).status).toBe(200);
    expect(requests()).toBe(6);
    expect(series(balancer.metrics(), 'lb_backend_up')).toEqual(new Map([['0', 1]]));
  });
});
