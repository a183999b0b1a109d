import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, send, startBackend, startBalancer, until } from './helpers.js';
import { scrape } from './scrape.js';

afterEach(cleanup);

describe('backend connection metrics in HTTP mode', () => {
  it('count the pool’s upstream connections as they open, are reused, and close when idle', async () => {
    const held: (() => void)[] = [];
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      if (req.url === '/hold') held.push(() => res.end('late'));
      else res.end('now');
    });
    const { lb, port } = await startBalancer([backend.backend], { upstreamIdleTimeout: 200 });
    const total = () => scrape(lb.metrics()).get('lb_backend_connections_total{backend="a"}');
    const active = () => scrape(lb.metrics()).get('lb_backend_active_connections{backend="a"}');

    for (let i = 0; i < 3; i++) expect((await send(port)).status).toBe(200);
    // One keep-alive connection carried all three and stays open in the pool.
    expect(backend.connections).toBe(1);
    expect([total(), active()]).toEqual([1, 1]);

    const replies = Array.from({ length: 4 }, () => send(port, { path: '/hold' }));
    await until(() => held.length === 4);
    expect(backend.connections).toBe(4);
    expect([total(), active()]).toEqual([4, 4]);
    for (const release of held) release();
    await Promise.all(replies);

    // The pool closes idle connections after upstreamIdleTimeout; the gauge follows, the counter stays.
    await until(() => active() === 0);
    expect(total()).toBe(4);
  });

  it('does not count a connection that never opened', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend], { retries: false });
    await backend.close();
    expect((await send(port)).status).toBe(502);
    const samples = scrape(lb.metrics());
    expect(samples.get('lb_backend_connections_total{backend="a"}')).toBe(0);
    expect(samples.get('lb_backend_active_connections{backend="a"}')).toBe(0);
  });
});
