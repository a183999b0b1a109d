import { once } from 'node:events';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../src/admin/dashboard/dashboardFeed.js';
import { cleanup, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

function getJson(port: number, path: string): Promise<{ status: number; type: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: JSON.parse(body),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('the admin /dashboard.json of a load balancer', () => {
  it('samples status classes, error kinds and health checks per backend, and logs health flips', async () => {
    let healthy = true;
    const flaky = await startBackend('fl<a>ky', (req, res) => {
      req.resume();
      res.statusCode = req.url === '/health' ? (healthy ? 200 : 500) : req.url === '/fail' ? 503 : 200;
      res.end('x');
    });
    const { lb, port } = await startBalancer([flaky.backend], {
      adminPort: 0,
      healthCheck: { path: '/health', interval: 30, timeout: 500, fall: 1, rise: 1 },
    });
    const admin = lb.adminAddress!;
    expect(admin.host).toBe('127.0.0.1');
    const feed = async () => {
      const reply = await getJson(admin.port, '/dashboard.json');
      expect(reply.status).toBe(200);
      expect(reply.type).toContain('application/json');
      return reply.body as DashboardSnapshot;
    };

    const first = await feed();
    expect(first.intervalMs).toBe(1_000);
    expect(first.samples.length).toBeGreaterThanOrEqual(1);
    expect(first.rows).toEqual([
      expect.objectContaining({ key: 'backend fl<a>ky', detail: `127.0.0.1:${flaky.port}`, state: 'up' }),
    ]);

    for (const path of ['/', '/', '/fail']) await send(port, { path });
    // The server samples every second: wait for a sample that has the 503, taken after the request.
    let snap = first;
    await until(async () => {
      snap = await feed();
      return snap.samples.at(-1)?.rows['backend fl<a>ky']?.r?.[4] === 1;
    }, 10_000);
    const last = snap.samples.at(-1)!;
    expect(last.rows['backend fl<a>ky']?.r).toEqual([0, 2, 0, 0, 1]);
    expect(last.t).toBeLessThanOrEqual(snap.now);
    const times = snap.samples.map((s) => s.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const row = snap.rows[0]!;
    expect(row.responses).toMatchObject({ '2xx': 2, '5xx': 1 });
    expect(row.errors).toEqual({ connect: 0, timeout: 0, reset: 0, protocol: 0, other: 0 });
    expect(row.lastHealthCheck).toMatchObject({ ok: true });
    expect(row.lastHealthCheck!.at).toBeLessThanOrEqual(snap.now);

    healthy = false;
    await once(lb, 'backendDown');
    healthy = true;
    await once(lb, 'backendUp');
    const after = await feed();
    const events = after.events.map((e) => [e.kind, e.subject, e.level]);
    // Newest first.
    expect(events.slice(0, 2)).toEqual([
      ['up', 'backend fl<a>ky', 'info'],
      ['down', 'backend fl<a>ky', 'bad'],
    ]);
    expect(after.events[1]?.message).toMatch(/^down: health check: /);
    expect(after.rows[0]?.healthCheckFailures).toBeGreaterThanOrEqual(1);
  });
});
