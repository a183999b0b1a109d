import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, get } from './helpers.js';

afterEach(cleanUp);

/** The status of one GET on a fresh connection, or the network error's code. */
function probe(port: number, path: string): Promise<number | string> {
  return get(port, path).then(
    (reply) => reply.status,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
}

describe.each([
  ['proxy', { enableLoadBalancer: true, loadBalancerPort: 0 }],
  ['shared-port', { sharedPort: 0 }],
])('the probes of a cluster in %s mode', (_mode, options) => {
  it('/livez from before the first worker, /readyz 503 until every worker is ready and from the moment stop() begins', async () => {
    const manager = cluster({ ...options, adminPort: 0, drainDelay: 2_000 });
    // The admin server is up before any worker starts: probe it as the first worker is spawned.
    const duringStart = new Promise<(number | string)[]>((resolve) =>
      manager.once('workerStart', () => {
        const admin = manager.adminAddress?.port as number;
        void Promise.all([probe(admin, '/readyz'), probe(admin, '/livez')]).then(resolve);
      }),
    );
    await manager.start();
    expect(await duringStart).toEqual([503, 200]);
    const admin = manager.adminAddress?.port as number;
    const port = manager.address?.port as number;
    expect([
      await probe(admin, '/readyz'),
      await probe(admin, '/livez'),
      await probe(admin, '/healthz'),
    ]).toEqual([200, 200, 200]);

    const stopped = manager.stop();
    expect(await probe(admin, '/readyz')).toBe(503);
    expect(await probe(admin, '/readyz?verbose')).toBe(503);
    expect(await probe(admin, '/livez')).toBe(200);
    // Still serving, on a new connection, during drainDelay.
    expect((await get(port, '/')).status).toBe(200);
    await stopped;
    expect(manager.adminAddress).toBeUndefined();
    expect(await probe(admin, '/livez')).toBe('ECONNREFUSED');
  }, 30_000);
});
