import http from 'node:http';
import net from 'node:net';
import type { WorkerInfo } from '@lb/cluster';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, fixture, get, waitFor } from './helpers.js';

afterEach(cleanUp);

interface LoadResult {
  ok: number;
  failed: string[];
  bodies: string[];
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends GETs one after another (bounded by `until` and a 15 s cap) and records every outcome. */
async function load(
  port: number,
  until: Promise<unknown>,
  agent: http.Agent | false = false,
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: [], bodies: [] };
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const cap = Date.now() + 15_000;
  while (!done && Date.now() < cap) {
    try {
      const response = await get(port, '/', agent, 5_000);
      if (response.status === 200) {
        result.ok += 1;
        result.bodies.push(response.body);
      } else result.failed.push(`status ${response.status}: ${response.body}`);
    } catch (err) {
      result.failed.push((err as Error).message);
    }
  }
  return result;
}

/** Behind the balancer, on a free loopback port. */
const balanced = { enableLoadBalancer: true, loadBalancerPort: 0, loadBalancerHost: '127.0.0.1' } as const;

describe('ClusterManager with the load balancer', () => {
  it('serves through the balancer from every worker', async () => {
    const manager = cluster({
      processes: 3,
      ...balanced,
    });
    const added: string[] = [];
    manager.balancer?.on('backendAdded', (backend) => added.push(String(backend.id)));
    await manager.start();
    expect(added.sort()).toEqual(manager.workers.map((w) => w.backendId).sort());
    const port = manager.address?.port as number;
    const pids = new Set<string>();
    for (let i = 0; i < 30 && pids.size < 3; i++)
      pids.add(/pid=(\d+)/.exec((await get(port)).body)?.[1] ?? '');
    expect([...pids].sort()).toEqual(manager.workers.map((w) => String(w.pid)).sort());
  });

  it('sends a warming worker nothing before it calls ready()', async () => {
    const manager = cluster(
      {
        processes: 1,
        ...balanced,
        readiness: 'signal',
      },
      [fixture('signalApp.mjs')],
      { env: { ...process.env, FIXTURE_WARM_UP: '300' } },
    );
    await manager.start();
    const port = manager.address?.port as number;
    const result = await load(port, manager.scale(2));
    expect(result.failed).toEqual([]);
    expect(result.bodies.filter((body) => body.startsWith('cold'))).toEqual([]);
    expect(result.ok).toBeGreaterThan(0);
    expect(manager.workers).toHaveLength(2);
  });

  it('adds a worker that binds late to the balancer only once it listens', async () => {
    const manager = cluster({ processes: 1, ...balanced }, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_LISTEN_DELAY: '400' },
    });
    await manager.start();
    const port = manager.address?.port as number;
    const starting = new Promise<WorkerInfo>((resolve) => manager.once('workerStart', resolve));
    const scaled = manager.scale(2);
    const newcomer = await starting;
    const backendsWhileNotListening: number[] = [];
    const sampler = (async () => {
      for (;;) {
        // Read first, probe second: if the port is still closed after the read, it was closed during it.
        const count = manager.balancer?.backends.length ?? -1;
        if (await listening(newcomer.port)) return;
        backendsWhileNotListening.push(count);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = await load(port, scaled);
    await sampler;
    expect(result.failed).toEqual([]);
    expect(backendsWhileNotListening.length).toBeGreaterThan(3);
    expect(new Set(backendsWhileNotListening)).toEqual(new Set([1]));
    expect(manager.balancer?.backends.length).toBe(2);
  });

  it('loses no GET when a worker is SIGKILLed under load', async () => {
    const manager = cluster({
      processes: 2,
      ...balanced,
    });
    await manager.start();
    const port = manager.address?.port as number;
    const [victim] = manager.workers;
    const replaced = new Promise<void>((resolve) => manager.once('workerReady', () => resolve()));
    const agent = new http.Agent({ keepAlive: true });
    const during = load(
      port,
      replaced.then(() => new Promise((r) => setTimeout(r, 100))),
      agent,
    );
    await new Promise((r) => setTimeout(r, 50));
    process.kill(victim?.pid as number, 'SIGKILL');
    const result = await during;
    agent.destroy();
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(5);
    expect(manager.workers.find((w) => w.id === victim?.id)?.restarts).toBe(1);
  });

  it('loses none of 40 concurrent GETs when a worker holding about half of them is SIGKILLed', async () => {
    const manager = cluster({ processes: 2, ...balanced });
    await manager.start();
    const port = manager.address?.port as number;
    const balancer = manager.balancer!;
    const [victim] = manager.workers;
    const replies = Array.from({ length: 40 }, () => get(port, '/slow?ms=1500'));
    const total = () => balancer.backends.reduce((sum, b) => sum + b.inFlight, 0);
    await waitFor(() => total() === 40, 5_000, 'every request to reach a worker');
    const held = balancer.backends.find((b) => b.id === victim?.backendId)?.inFlight ?? 0;
    expect(held).toBeGreaterThan(10);
    process.kill(victim?.pid as number, 'SIGKILL');
    const statuses = (await Promise.all(replies)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(balancer.stats().retries).toBe(held);
  });

  it('reloads under load with zero failed requests and replaces every worker', async () => {
    const manager = cluster({
      processes: 2,
      ...balanced,
    });
    await manager.start();
    const port = manager.address?.port as number;
    const before = manager.workers.map((w) => w.pid);
    const agent = new http.Agent({ keepAlive: true });
    const result = await load(port, manager.reload(), agent);
    agent.destroy();
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(5);
    const after = manager.workers.map((w) => w.pid);
    expect(after).toHaveLength(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  });

  it('lets in-flight requests finish on stop()', async () => {
    const manager = cluster({
      processes: 2,
      ...balanced,
    });
    await manager.start();
    const port = manager.address?.port as number;
    const slow = [get(port, '/slow?ms=400'), get(port, '/slow?ms=400'), get(port, '/slow?ms=400')];
    await waitFor(() => manager.balancer?.stats().activeRequests === 3, 5_000, 'three requests in flight');
    await manager.stop();
    for (const response of await Promise.all(slow)) expect(response).toMatchObject({ status: 200 });
    expect(manager.workers).toEqual([]);
  });

  it('replaces a worker over maxMemory gracefully', async () => {
    const manager = cluster({
      processes: 1,
      ...balanced,
      maxMemory: 150 * 1024 * 1024,
    });
    await manager.start();
    const port = manager.address?.port as number;
    const [first] = manager.workers;
    const overLimit = new Promise<number>((resolve) =>
      manager.once('workerMemoryLimit', (_w, rss) => resolve(rss)),
    );
    const replaced = new Promise<number>((resolve) =>
      manager.once('workerReady', (w) => resolve(w.pid as number)),
    );
    expect((await get(port, '/grow?mb=200')).status).toBe(200);
    expect(await overLimit).toBeGreaterThan(150 * 1024 * 1024);
    const newPid = await replaced;
    expect(newPid).not.toBe(first?.pid);
    expect((await get(port)).body).toContain(`pid=${newPid}`);
  }, 15_000);
});
