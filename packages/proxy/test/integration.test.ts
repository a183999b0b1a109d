import { once } from 'node:events';
import { request } from 'node:http';
import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../src/index.js';
import { cleanup, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

async function named(strategy: 'ringHash' | 'leastConnections', backends: Backend[], options = {}) {
  const lb = new LoadBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy, ...options },
    backends,
  );
  await lb.start();
  onCleanup(() => lb.stop({ timeout: 100 }));
  return { lb, port: lb.address!.port };
}

describe('built-in strategies by name', () => {
  it('keeps a client on one backend with ringHash (sticky by client address, behind a trusted proxy)', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map((id) => startBackend(id)));
    const { port } = await named(
      'ringHash',
      backends.map((b) => b.backend),
      { trustProxy: true },
    );
    const bodies = new Set<string>();
    for (let i = 0; i < 8; i++) {
      bodies.add((await send(port, { headers: { 'X-Forwarded-For': '198.51.100.4' } })).body);
    }
    expect(bodies.size).toBe(1);
    const spread = new Set<string>();
    for (let i = 0; i < 30; i++) {
      spread.add((await send(port, { headers: { 'X-Forwarded-For': `198.51.100.${i + 10}` } })).body);
    }
    expect(spread.size).toBeGreaterThan(1);
  });

  it('serves with leastConnections', async () => {
    const backends = await Promise.all(['a', 'b'].map((id) => startBackend(id)));
    const { lb, port } = await named(
      'leastConnections',
      backends.map((b) => b.backend),
    );
    expect((await send(port)).status).toBe(200);
    expect(lb.stats().strategy).toBe('leastConnections');
  });
});

describe('health features', () => {
  it('ejects a failing backend (outlier detection) and brings it back after the ejection time', async () => {
    const bad = await startBackend('bad', (req) => req.socket.destroy());
    const good = await startBackend('good');
    const { lb, port } = await startBalancer([bad.backend, good.backend], {
      outlierDetection: { consecutiveFailures: 2, baseEjectionTime: 300 },
    });
    const ejected = once(lb, 'backendEjected');
    for (let i = 0; i < 6; i++) expect((await send(port)).status).toBe(200);
    const [status] = await ejected;
    expect(status).toMatchObject({ id: 'bad', ejected: true, health: 'down' });
    const recovered = await once(lb, 'backendRecovered');
    expect(recovered[0]).toMatchObject({ id: 'bad', ejected: false, health: 'up' });
    expect(lb.metrics()).toMatch(/lb_backend_.*ejections.*\{backend="bad"\} 1/);
  });

  it('takes a backend down on failing active health checks and up again when they pass', async () => {
    let healthy = false;
    const flaky = await startBackend('flaky', (req, res) => {
      req.resume();
      res.statusCode = req.url === '/health' && !healthy ? 500 : 200;
      res.end('flaky');
    });
    const steady = await startBackend('steady');
    const { lb, port } = await startBalancer([flaky.backend, steady.backend], {
      healthCheck: { path: '/health', interval: 30, timeout: 200, fall: 1, rise: 1 },
    });
    const [down] = await once(lb, 'backendDown');
    expect(down).toMatchObject({ id: 'flaky', health: 'down' });
    for (let i = 0; i < 4; i++) expect((await send(port)).body).not.toBe('flaky');
    healthy = true;
    const [up] = await once(lb, 'backendUp');
    expect(up).toMatchObject({ id: 'flaky', health: 'up' });
  });

  it('ramps a new backend up with slow start through strategy weights', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const { lb, strategy } = await startBalancer([a.backend], {
      slowStart: { window: 300, minWeightPercent: 0.1 },
    });
    const weights: number[] = [];
    strategy.setWeight = (id, w) => {
      if (id === 'b') weights.push(w);
    };
    lb.addBackend({ ...b.backend, weight: 10 });
    expect(lb.backends.find((s) => s.id === 'b')!.effectiveWeight).toBeLessThan(10);
    await until(() => weights.at(-1) === 10);
    expect(weights[0]).toBeLessThan(10);
    expect(lb.backends.find((s) => s.id === 'b')).toMatchObject({ weight: 10, effectiveWeight: 10 });
  });
});

describe('metrics, stats and admin server', () => {
  it('counts requests per backend and serves /metrics, /status and /healthz on the admin port', async () => {
    const a = await startBackend('a');
    const { lb, port } = await startBalancer([a.backend], { adminPort: 0 });
    for (let i = 0; i < 3; i++) await send(port);
    expect(lb.metrics()).toMatch(/\{backend="a",code_class="2xx"\} 3/);
    expect(lb.stats()).toMatchObject({
      requests: 3,
      activeRequests: 0,
      backends: [{ id: 'a', inFlight: 0 }],
    });
    const admin = lb.adminAddress!;
    const fetchAdmin = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: admin.host, port: admin.port, path, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await fetchAdmin('/metrics')).body).toContain('code_class="2xx"');
    expect(JSON.parse((await fetchAdmin('/status')).body)).toMatchObject({ requests: 3 });
    expect((await fetchAdmin('/healthz')).status).toBe(200);
    lb.setBackendHealth('a', 'down');
    expect((await fetchAdmin('/healthz')).status).toBe(503);
  });

  it('listens on all interfaces by default and refuses a second start', async () => {
    const a = await startBackend('a');
    const lb = new LoadBalancer({ loadBalancerPort: 0, strategy: 'leastConnections' }, [a.backend]);
    await lb.start();
    onCleanup(() => lb.stop());
    expect(['::', '0.0.0.0']).toContain(lb.address!.host);
    await expect(lb.start()).rejects.toMatchObject({ code: 'LB_ERR_ALREADY_STARTED' });
  });

  it('stops gracefully: in-flight requests finish, then every connection closes', async () => {
    let release: () => void = () => {};
    const slow = await startBackend('slow', (req, res) => {
      req.resume();
      release = () => res.end('finished');
    });
    const lb = new LoadBalancer(
      { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy: 'leastConnections' },
      [slow.backend],
    );
    await lb.start();
    const pending = send(lb.address!.port);
    await until(() => slow.requests.length === 1);
    const stopped = lb.stop({ timeout: 5000 });
    release();
    expect((await pending).body).toBe('finished');
    await stopped;
    expect(lb.address).toBeUndefined();
  });
});
