import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { captureOutput, cleanUp, cluster, get, waitFor } from './helpers.js';

afterEach(cleanUp);

describe('shared-port mode', () => {
  it('serves one port from every worker with no proxy', async () => {
    const manager = cluster({ processes: 2, sharedPort: 0 });
    await manager.start();
    const port = manager.address?.port as number;
    expect(port).toBeGreaterThan(0);
    const pids = new Set<string>();
    for (let i = 0; i < 20 && pids.size < 2; i++)
      pids.add(/pid=(\d+)/.exec((await get(port)).body)?.[1] ?? '');
    expect([...pids].sort()).toEqual(manager.workers.map((w) => String(w.pid)).sort());
  });

  it('never leaves a connection hanging when a worker is SIGKILLed while connections arrive', async () => {
    const manager = cluster({ processes: 2, sharedPort: 0, restartDelay: 20 });
    await manager.start();
    const port = manager.address?.port as number;
    const outcomes: Array<Promise<'ok' | 'error' | 'hung'>> = [];
    let killed = 0;
    // A new connection every 2 ms for 600 ms; a worker is SIGKILLed every 150 ms, so handoffs are in flight.
    const started = Date.now();
    while (Date.now() - started < 600) {
      outcomes.push(
        get(port, '/', false, 3_000).then(
          (r) => (r.status === 200 ? 'ok' : 'error'),
          (err: Error) => (/timed out/.test(err.message) ? 'hung' : 'error'),
        ),
      );
      if (Date.now() - started > 150 * (killed + 1)) {
        const victim = manager.workers.find((w) => w.state === 'ready');
        if (victim?.pid !== undefined) process.kill(victim.pid, 'SIGKILL');
        killed += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const results = await Promise.all(outcomes);
    expect(killed).toBeGreaterThanOrEqual(3);
    expect(results.filter((r) => r === 'hung')).toEqual([]);
    const failed = results.filter((r) => r === 'error').length;
    // A connection the worker already took dies with it (as with any crash); a pending handoff must not.
    expect(failed).toBeLessThanOrEqual(killed);
    expect(results.length - failed).toBeGreaterThan(0);
  }, 30_000);

  it('finishes in-flight requests on stop', async () => {
    const out = captureOutput();
    const manager = cluster({ processes: 1, sharedPort: 0 }, undefined, {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    const port = manager.address?.port as number;
    const agent = new http.Agent({ keepAlive: true });
    const slow = get(port, '/slow?ms=400', agent);
    await waitFor(
      () => out.text().includes('slow request started'),
      5_000,
      'the slow request to reach the worker',
    );
    await manager.stop();
    await expect(slow).resolves.toMatchObject({ status: 200 });
    agent.destroy();
  });
});
