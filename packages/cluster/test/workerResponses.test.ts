import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, fixture, get, waitFor } from './helpers.js';

afterEach(cleanUp);

describe('responses counted in the worker', () => {
  it('reach WorkerInfo by status class in shared-port mode, and odd request events do not crash the worker', async () => {
    const manager = cluster({ processes: 1, sharedPort: 0 }, [fixture('statusApp.mjs')]);
    await manager.start();
    const port = manager.address?.port as number;
    const pid = manager.workers[0]?.pid;
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/fail')).status).toBe(503);
    // Reported with the worker's usage, once a second.
    await waitFor(() => manager.workers[0]?.responses?.['5xx'] === 1, 10_000, 'the 5xx in a usage report');
    expect(manager.workers[0]).toMatchObject({
      pid,
      restarts: 0,
      state: 'ready',
      responses: { '1xx': 0, '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 1 },
    });
  }, 30_000);
});
