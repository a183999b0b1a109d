import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminProvider, AdminServer } from '../src/admin/adminServer.js';
import { MetricsRegistry } from '../src/metrics/metricsRegistry.js';

const servers: AdminServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(server: AdminServer, path: string, method = 'GET'): Promise<Reply> {
  const { host, port } = server.address!;
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(provider: AdminProvider): Promise<AdminServer> {
  const server = new AdminServer(provider);
  servers.push(server);
  await server.start();
  return server;
}

function registryProvider(up: { value: boolean }) {
  const registry = new MetricsRegistry();
  const m = registry.addBackend('a');
  m.requestEnd(200, 0.01);
  return {
    metrics: () => registry.prometheus(),
    status: () => registry.snapshot(),
    healthy: () => up.value,
  } satisfies AdminProvider;
}

describe('AdminServer', () => {
  it('binds to loopback on a free port by default', async () => {
    const server = await start(registryProvider({ value: true }));
    expect(server.address?.host).toBe('127.0.0.1');
    expect(server.address?.port).toBeGreaterThan(0);
  });

  it('serves Prometheus text at /metrics with the 0.0.4 content type', async () => {
    const server = await start(registryProvider({ value: true }));
    const reply = await call(server, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(reply.body).toContain('# TYPE lb_backend_requests_total counter\n');
    expect(reply.body).toMatch(/^lb_backend_requests_total\{backend="a",code_class="2xx"\} 1$/m);
    expect((await call(server, '/metrics?scope=all')).status).toBe(200);
  });

  it('serves the JSON snapshot at /status', async () => {
    const server = await start(registryProvider({ value: true }));
    const reply = await call(server, '/status');
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const status = JSON.parse(reply.body);
    expect(status.responses).toBe(1);
    expect(status.backends[0].id).toBe('a');
  });

  it('answers /healthz with 200 while a backend is up and 503 otherwise', async () => {
    const up = { value: true };
    const server = await start(registryProvider(up));
    expect((await call(server, '/healthz')).status).toBe(200);
    up.value = false;
    const down = await call(server, '/healthz');
    expect(down.status).toBe(503);
    expect(down.body).toContain('no backend');
  });

  it('answers /readyz from ready() (healthy() without one) and /livez 200 whatever the backends', async () => {
    const up = { value: true };
    const plain = await start(registryProvider(up));
    const ready = { value: false };
    const gated = await start({ ...registryProvider(up), ready: () => ready.value });
    expect((await call(plain, '/readyz')).status).toBe(200);
    expect((await call(gated, '/readyz')).status).toBe(503);
    ready.value = true;
    expect((await call(gated, '/readyz')).body).toBe('ready\n');
    up.value = false;
    expect((await call(plain, '/readyz')).status).toBe(503);
    expect((await call(plain, '/livez')).status).toBe(200);
    expect((await call(plain, '/livez')).body).toBe('alive\n');
    expect((await call(plain, '/livez', 'HEAD')).status).toBe(200);
  });

  it('answers 404 for unknown paths, 405 for other methods, and HEAD without a body', async () => {
    const server = await start(registryProvider({ value: true }));
    expect((await call(server, '/nope')).status).toBe(404);
    const post = await call(server, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await call(server, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('takes added routes, and answers 500 when a provider throws', async () => {
    const server = await start({
      metrics: () => {
        throw new Error('boom');
      },
      status: () => ({}),
      healthy: () => true,
    });
    server.route('/', (_req, res) => {
      res.end('dashboard');
    });
    server.route('/async', async () => {
      throw new Error('later');
    });
    expect((await call(server, '/')).body).toBe('dashboard');
    const failed = await call(server, '/metrics');
    expect(failed.status).toBe(500);
    expect(failed.body).toContain('boom');
    expect((await call(server, '/async')).status).toBe(500);
  });

  it('refuses to start twice and reports a port in use', async () => {
    const server = await start(registryProvider({ value: true }));
    await expect(server.start()).rejects.toMatchObject({ code: 'LB_ERR_ALREADY_STARTED' });
    const clash = new AdminServer(registryProvider({ value: true }), { port: server.address!.port });
    await expect(clash.start()).rejects.toMatchObject({ code: 'LB_ERR_LISTEN_FAILED' });
    expect(clash.address).toBeUndefined();
  });

  it('stop() closes kept-alive connections so it resolves promptly', async () => {
    const server = await start(registryProvider({ value: true }));
    const { port } = server.address!;
    await new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/healthz', headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).end();
    });
    await server.stop();
    expect(server.address).toBeUndefined();
    await server.stop();
  });
});
