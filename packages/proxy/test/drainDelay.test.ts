import { request } from 'node:http';
import { ConfigError } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer } from '../src/balancer/tcpLoadBalancer.js';
import { cleanup, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';
import { closeBackends, exchange, openClient, startBackend as startTcpBackend } from './tcpHelpers.js';

afterEach(cleanup);

/** One GET to the admin server on a fresh connection: its status, or the network error's code. */
function probe(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

describe('a standalone LoadBalancer stopping with a drainDelay', () => {
  it('answers /readyz 503 at once, keeps serving new connections until the delay ends, and /livez 200 until the drain is over', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      if (req.url === '/held') void held.then(() => res.end('held done'));
      else res.end('ok');
    });
    const { lb, port } = await startBalancer([backend.backend], { adminPort: 0 });
    const admin = lb.adminAddress!.port;
    expect([await probe(admin, '/readyz'), await probe(admin, '/livez')]).toEqual([200, 200]);

    const inFlight = send(port, { path: '/held' });
    await until(() => backend.requests.some((req) => req.url === '/held'));
    const stopped = lb.stop({ timeout: 30_000, drainDelay: 3_000 });
    // Not ready the moment stop() is called; alive and healthy, and still serving a new connection.
    expect(await probe(admin, '/readyz')).toBe(503);
    expect(await probe(admin, '/livez')).toBe(200);
    expect(await probe(admin, '/healthz')).toBe(200);
    const during = await send(port, { path: '/' });
    expect([during.status, during.body]).toEqual([200, 'ok']);

    // After the delay the listener closes; the held request is still in flight and the admin server answers.
    await until(async () => (await probe(port, '/')) === 'ECONNREFUSED', 10_000);
    expect(await probe(admin, '/livez')).toBe(200);
    expect(await probe(admin, '/readyz')).toBe(503);
    release();
    const finished = await inFlight;
    expect([finished.status, finished.body]).toEqual([200, 'held done']);
    await stopped;
    expect(await probe(admin, '/livez')).toBe('ECONNREFUSED');
  });

  it('a TcpLoadBalancer too: /readyz 503 at once, new connections proxied during the delay, refused after', async () => {
    onCleanup(closeBackends);
    const echo = await startTcpBackend('echo');
    const lb = new TcpLoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', adminPort: 0 }, [
      echo.backend,
    ]);
    await lb.start();
    onCleanup(() => lb.stop());
    const port = lb.address!.port;
    const admin = lb.adminAddress!.port;
    expect(await probe(admin, '/readyz')).toBe(200);
    // An open connection keeps the drain going until the test ends it.
    const open = await openClient(port);
    await until(() => echo.accepted === 1);
    const stopped = lb.stop({ timeout: 30_000, drainDelay: 3_000 });
    expect(await probe(admin, '/readyz')).toBe(503);
    expect(await exchange(port, 'during the delay')).toBe('during the delay');
    await until(async () => (await probe(port, '/')) === 'ECONNREFUSED', 10_000);
    expect(await probe(admin, '/livez')).toBe(200);
    open.destroy();
    await stopped;
    expect(await probe(admin, '/livez')).toBe('ECONNREFUSED');
  });

  it('refuses a bad drainDelay or timeout with a ConfigError and keeps serving', async () => {
    const backend = await startBackend('a');
    const { lb } = await startBalancer([backend.backend], { adminPort: 0 });
    for (const options of [
      { drainDelay: -1 },
      { drainDelay: Number.NaN },
      { drainDelay: 2 ** 31 },
      { timeout: -5 },
    ]) {
      const error = (() => {
        try {
          void lb.stop(options);
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('LB_ERR_INVALID_OPTION');
    }
    expect(await probe(lb.adminAddress!.port, '/readyz')).toBe(200);
  });

  it('answers /readyz 503 while no backend is up, as /healthz does', async () => {
    const { lb } = await startBalancer([{ id: 'gone', host: '127.0.0.1', port: 1 }], {
      adminPort: 0,
    });
    lb.setBackendHealth('gone', 'down');
    const admin = lb.adminAddress!.port;
    expect([
      await probe(admin, '/healthz'),
      await probe(admin, '/readyz'),
      await probe(admin, '/livez'),
    ]).toEqual([503, 503, 200]);
  });
});
