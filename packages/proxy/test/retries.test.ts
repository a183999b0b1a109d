import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, deadPort, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

function get(port: number, agent: Agent, method = 'GET'): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, agent, method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

describe('retries', () => {
  it('retries a refused connection on another backend for any method, avoiding the failed one', async () => {
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer([
      { id: 'dead', host: '127.0.0.1', port: await deadPort() },
      good.backend,
    ]);
    const reply = await send(port, { method: 'POST', body: 'payload' });
    expect(reply.status).toBe(200);
    expect(strategy.picks).toEqual(['dead', 'good']);
    expect(strategy.contexts[1]?.exclude?.has('dead')).toBe(true);
    expect(lb.stats().retries).toBe(1);
  });

  it('retries an idempotent request reset before response headers, but never a POST that was sent', async () => {
    const resetting = await startBackend('reset', (req) => req.socket.destroy());
    const good = await startBackend('good');
    const { port, strategy } = await startBalancer([resetting.backend, good.backend]);
    expect((await send(port)).status).toBe(200);
    strategy.picks.length = 0;
    const post = await send(port, { method: 'POST', body: 'once only' });
    expect(strategy.picks).toEqual(['reset']);
    expect(post.status).toBe(502);
  });

  it('does not retry once the retry budget is spent', async () => {
    const resetting = await startBackend('reset', (req) => req.socket.destroy());
    const good = await startBackend('good');
    const { port } = await startBalancer([resetting.backend, good.backend], {
      retries: { attempts: 2, budgetPercent: 0, minRetryConcurrency: 0, retryLostConnections: false },
    });
    expect((await send(port)).status).toBe(502);
  });

  it('retries a lost connection once outside the budget, then only within it', async () => {
    const resetting = await startBackend('reset', (req) => req.socket.destroy());
    const alsoResetting = await startBackend('reset2', (req) => req.socket.destroy());
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer(
      // The test round robin's second pick, among the two not excluded, is the second of them.
      [resetting.backend, good.backend, alsoResetting.backend],
      { retries: { attempts: 2, budgetPercent: 0, minRetryConcurrency: 0 } },
    );
    expect((await send(port)).status).toBe(502);
    expect(strategy.picks).toEqual(['reset', 'reset2']);
    expect(lb.stats().retries).toBe(1);
  });

  it('loses no GET when a backend dies holding 40 requests, at the default settings', async () => {
    const inFlight = 40;
    const doomed = await startBackend('doomed', (req) => req.resume());
    const good = await startBackend('good');
    const { lb, port } = await startBalancer([doomed.backend, good.backend]);
    const replies = Array.from({ length: inFlight * 2 }, () => send(port));
    await until(() => doomed.requests.length === inFlight);
    await doomed.close();
    const statuses = (await Promise.all(replies)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(good.requests).toHaveLength(inFlight * 2);
    expect(lb.stats().retries).toBe(inFlight);
    expect(lb.stats().retriesInProgress).toBe(0);
  });

  it('keeps concurrent retries within the budget while 4 of 5 backends refuse connections', async () => {
    const concurrency = 30;
    const good = await startBackend('good');
    const dead = await Promise.all(
      [1, 2, 3, 4].map(async (i) => ({ id: `dead${i}`, host: '127.0.0.1', port: await deadPort() })),
    );
    const { lb, port } = await startBalancer([...dead, good.backend], { outlierDetection: false });
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    onCleanup(() => agent.destroy());
    const results: number[] = [];
    const run = async () => {
      for (let i = 0; i < 10; i++) results.push(await get(port, agent));
    };
    await Promise.all(Array.from({ length: concurrency }, run));
    expect(results).toHaveLength(concurrency * 10);
    const stats = lb.stats();
    // Envoy's rule: at most 20% of the active requests retry at once, at least 3.
    expect(stats.peakRetriesInProgress).toBeGreaterThan(0);
    expect(stats.peakRetriesInProgress).toBeLessThanOrEqual(Math.max(3, Math.floor(concurrency * 0.2)));
    expect(results.filter((s) => s === 502).length).toBeGreaterThan(0);
  });

  it('loses no GET when a backend is killed mid-run', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const { port } = await startBalancer([a.backend, b.backend]);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    onCleanup(() => agent.destroy());
    const results: number[] = [];
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) results.push(await get(port, agent));
    };
    const workers = Array.from({ length: 8 }, () => run(40));
    await until(() => a.requests.length >= 10);
    await a.close();
    await Promise.all(workers);
    expect(results).toHaveLength(320);
    expect(results.filter((s) => s !== 200)).toEqual([]);
    expect(b.requests.length).toBeGreaterThan(0);
  });
});
