import { once } from 'node:events';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer } from '../src/balancer/tcpLoadBalancer.js';
import { bounded, closeBackends, exchange, startBackend } from './tcpHelpers.js';

const balancers: TcpLoadBalancer[] = [];

afterEach(async () => {
  await Promise.all(balancers.splice(0).map((lb) => lb.stop({ timeout: 0 })));
  await closeBackends();
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('TcpLoadBalancer health, metrics and admin', () => {
  it('takes a backend down on failed TCP checks and back up when it listens again', async () => {
    const echo = await startBackend('echo');
    const { port } = echo.backend;
    const lb = new TcpLoadBalancer(
      { loadBalancerPort: 0, healthCheck: { interval: 20, jitter: 0, rise: 1, fall: 1, timeout: 500 } },
      [echo.backend],
    );
    balancers.push(lb);
    expect(lb.options.healthCheck?.type).toBe('tcp');
    await lb.start();
    const down = once(lb, 'backendDown', bounded());
    await new Promise<void>((resolve) => echo.server.close(() => resolve()));
    const [status, reason] = await down;
    expect(status.id).toBe('echo');
    expect(reason).toContain('ECONNREFUSED');
    expect(lb.healthy()).toBe(false);

    const up = once(lb, 'backendUp', bounded());
    echo.server.listen(port, '127.0.0.1');
    await up;
    expect(lb.healthy()).toBe(true);
  });

  it('serves its metrics, status and health on the admin server', async () => {
    const echo = await startBackend('echo');
    const lb = new TcpLoadBalancer({ loadBalancerPort: 0, adminPort: 0 }, [echo.backend]);
    balancers.push(lb);
    await lb.start();
    expect(await exchange(lb.address!.port, 'count me')).toBe('count me');
    const admin = lb.adminAddress!;
    expect(admin.host).toBe('127.0.0.1');
    const metrics = await get(admin.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^lb_backend_connections_total\{backend="echo"\} 1$/m);
    expect(metrics.body).toMatch(/^lb_client_connections_total 1$/m);
    expect(metrics.body).toMatch(/^lb_backend_request_duration_seconds_count\{backend="echo"\} 1$/m);
    const status = JSON.parse((await get(admin.port, '/status')).body);
    expect(status.connections).toBe(1);
    expect(status.backends[0].id).toBe('echo');
    expect((await get(admin.port, '/healthz')).status).toBe(200);
    lb.setBackendHealth('echo', 'down');
    expect((await get(admin.port, '/healthz')).status).toBe(503);
    await lb.stop();
    expect(lb.adminAddress).toBeUndefined();
  });

  it('releases its port when the admin server cannot start', async () => {
    const first = new TcpLoadBalancer({ loadBalancerPort: 0, adminPort: 0 });
    balancers.push(first);
    await first.start();
    const clash = new TcpLoadBalancer({ loadBalancerPort: 0, adminPort: first.adminAddress!.port });
    await expect(clash.start()).rejects.toMatchObject({ code: 'LB_ERR_LISTEN_FAILED' });
    expect(clash.address).toBeUndefined();
    await expect(clash.start()).rejects.toMatchObject({ code: 'LB_ERR_LISTEN_FAILED' });
  });

  it('ramps a backend added at run time through slow start', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const lb = new TcpLoadBalancer({ loadBalancerPort: 0, slowStart: { window: 60_000 } }, [a.backend]);
    balancers.push(lb);
    await lb.start();
    lb.addBackend({ ...b.backend, weight: 10 });
    const added = lb.backends.find((s) => s.id === 'b');
    expect(added?.weight).toBe(10);
    expect(added?.effectiveWeight).toBeGreaterThanOrEqual(1);
    expect(added?.effectiveWeight).toBeLessThan(2);
  });
});
