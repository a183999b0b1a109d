import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, rawBackend, send, startBackend, startBalancer } from './helpers.js';

afterEach(cleanup);

/** Sends a GET and reports whether the response completed or the connection was cut under it. */
function completes(port: number): Promise<'completed' | 'aborted'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve('completed'));
      res.on('aborted', () => resolve('aborted'));
      res.on('error', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
    req.end();
  });
}

// Each case puts the failing backend first and a healthy one next, with retries on (the default): a retry
// would reach the healthy backend, so its untouched request log proves there was none.
describe('retry rules with retries on', () => {
  it('does not retry an invalid response', async () => {
    const garbage = await rawBackend('garbage', 'NOT HTTP AT ALL\r\n\r\n', { close: true });
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer([garbage.backend, good.backend]);
    expect((await send(port)).status).toBe(502);
    expect(strategy.picks).toEqual(['garbage']);
    expect(good.requests).toHaveLength(0);
    expect(lb.stats().retries).toBe(0);
  });

  it('does not retry a response timeout', async () => {
    const silent = await startBackend('silent', (req) => req.resume());
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer([silent.backend, good.backend], {
      responseTimeout: 150,
    });
    expect((await send(port)).status).toBe(504);
    expect(strategy.picks).toEqual(['silent']);
    expect(good.requests).toHaveLength(0);
    expect(lb.stats().retries).toBe(0);
  });

  it('does not retry a POST, nor a PUT whose body was streamed, once sent', async () => {
    const resetting = await startBackend('reset', (req) => req.socket.destroy());
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer([resetting.backend, good.backend]);
    expect((await send(port, { method: 'POST', body: 'once' })).status).toBe(502);
    expect(strategy.picks).toEqual(['reset']);
    // The round robin's next pick is the good backend; skip it so the PUT lands on the resetting one.
    expect((await send(port)).status).toBe(200);
    strategy.picks.length = 0;
    expect((await send(port, { method: 'PUT', body: 'streamed' })).status).toBe(502);
    expect(strategy.picks).toEqual(['reset']);
    expect(good.requests.map((r) => r.method)).toEqual(['GET']);
    expect(lb.stats().retries).toBe(0);
  });

  it('does not retry once a response byte reached the client', async () => {
    const truncated = await rawBackend('cut', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part', {
      close: true,
    });
    const good = await startBackend('good');
    const { lb, port, strategy } = await startBalancer([truncated.backend, good.backend]);
    expect(await completes(port)).toBe('aborted');
    expect(strategy.picks).toEqual(['cut']);
    expect(good.requests).toHaveLength(0);
    expect(lb.stats().retries).toBe(0);
  });
});
