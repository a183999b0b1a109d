import type { ClusterStatus } from '@lb/cluster';
import type { DashboardSnapshot } from '@lb/proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, fixture, get, waitFor } from './helpers.js';

afterEach(cleanUp);

/** The value of one sample line, as `lb_worker_up{worker="0"}`, in a Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the admin server in shared-port mode', () => {
  it('serves /metrics, /status, /healthz and the dashboard from the primary', async () => {
    const manager = cluster({ processes: 2, sharedPort: 0, adminPort: 0 });
    await manager.start();
    const port = manager.address?.port as number;
    const admin = manager.adminAddress?.port as number;
    expect(admin).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) expect((await get(port)).status).toBe(200);

    const metrics = (await get(admin, '/metrics')).body;
    expect(sample(metrics, 'lb_worker_up{worker="0"}')).toBe(1);
    expect(sample(metrics, 'lb_worker_up{worker="1"}')).toBe(1);
    expect(sample(metrics, 'lb_worker_restarts_total{worker="0"}')).toBe(0);
    const handed = [0, 1].map((id) => sample(metrics, `lb_worker_connections_total{worker="${id}"}`) ?? 0);
    // Round robin over two workers: six connections, three each.
    expect(handed).toEqual([3, 3]);
    // The primary's own process series, as the balancer's /metrics has them in proxy mode.
    expect(sample(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(metrics, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(metrics, 'process_start_time_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
    expect(metrics.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);

    // The primary asks every worker for its usage once a second.
    await waitFor(() => manager.workers.every((w) => w.cpu !== undefined), 10_000, 'a usage report');
    const usage = (await get(admin, '/metrics')).body;
    for (const id of ['0', '1']) {
      expect(sample(usage, `lb_worker_resident_memory_bytes{worker="${id}"}`)).toBeGreaterThan(0);
      expect(sample(usage, `lb_worker_cpu_seconds_total{worker="${id}"}`)).toBeGreaterThan(0);
      expect(sample(usage, `lb_worker_event_loop_lag_seconds{worker="${id}"}`)).toBeGreaterThanOrEqual(0);
    }

    const status = JSON.parse((await get(admin, '/status')).body) as ClusterStatus;
    expect(status.workers.map((w) => [w.id, w.pid, w.state])).toEqual(
      manager.workers.map((w) => [w.id, w.pid, 'ready']),
    );
    expect(status.address?.port).toBe(port);
    expect(status.balancer).toBeUndefined();
    expect((await get(admin, '/healthz')).status).toBe(200);
    expect((await get(admin, '/')).body).toContain('<title>lb dashboard</title>');
  });

  it('counts a restart under the same worker label', async () => {
    const manager = cluster({ processes: 1, sharedPort: 0, adminPort: 0, restartDelay: 10 });
    await manager.start();
    const admin = manager.adminAddress?.port as number;
    const first = manager.workers[0]?.pid as number;
    const restarted = new Promise((resolve) => manager.once('workerStart', resolve));
    process.kill(first, 'SIGKILL');
    await restarted;
    await waitFor(() => manager.workers[0]?.state === 'ready', 10_000, 'the restarted worker to be ready');
    const metrics = (await get(admin, '/metrics')).body;
    expect(sample(metrics, 'lb_worker_restarts_total{worker="0"}')).toBe(1);
    expect(sample(metrics, 'lb_worker_up{worker="0"}')).toBe(1);
    // The dashboard's event log has the crash and the restart, newest first, with server times.
    const feed = JSON.parse((await get(admin, '/dashboard.json')).body) as DashboardSnapshot;
    const kinds = feed.events.map((e) => e.kind);
    expect(kinds.indexOf('restart')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('restart')).toBeLessThan(kinds.indexOf('exit'));
    const exit = feed.events.find((e) => e.kind === 'exit');
    expect(exit).toMatchObject({ subject: 'worker 0', level: 'bad' });
    expect(exit?.message).toContain(`(pid ${first}) was killed by SIGKILL`);
    expect(exit!.t).toBeLessThanOrEqual(feed.now);
    expect(feed.rows.map((r) => [r.key, r.restarts])).toEqual([['worker 0', 1]]);
  });
});

describe('the admin server in proxy mode', () => {
  it('adds the worker series to the balancer metrics', async () => {
    const manager = cluster({ enableLoadBalancer: true, loadBalancerPort: 0, adminPort: 0 });
    await manager.start();
    const metrics = (await get(manager.adminAddress?.port as number, '/metrics')).body;
    expect(sample(metrics, 'lb_worker_up{worker="1"}')).toBe(1);
    expect(metrics).toContain('lb_backend_up');
  });
});

describe("the workers' own metrics", () => {
  it('are served by the primary, merged under each worker label', async () => {
    const manager = cluster({ processes: 2, sharedPort: 0, adminPort: 0 }, [fixture('metricsApp.mjs')]);
    await manager.start();
    const port = manager.address?.port as number;
    // Round robin: two requests to each worker.
    for (let i = 0; i < 4; i++) expect((await get(port)).status).toBe(200);
    const admin = manager.adminAddress?.port as number;
    // Reports travel over IPC apart from the responses: scrape until both arrived (bounded).
    const both = (text: string) =>
      /worker="0",route="\/"\} 2/.test(text) && /worker="1",route="\/"\} 2/.test(text);
    let metrics = '';
    for (let tries = 0; tries < 100 && !both(metrics); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = (await get(admin, '/metrics')).body;
    }
    expect(metrics).toMatch(/app_requests_total\{worker="0",route="\/"\} 2/);
    expect(metrics).toMatch(/app_requests_total\{worker="1",route="\/"\} 2/);
    expect(metrics.match(/# TYPE app_requests_total counter/g)).toHaveLength(1);
    expect(metrics).toContain('lb_worker_up{worker="1"} 1');
    // The primary's process series and the apps' share one family, as the format requires.
    expect(metrics.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
    expect(metrics).toMatch(/^process_cpu_seconds_total [\d.e+-]+$/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total\{worker="0"\} /m);
  });
});

describe("the workers' own metrics in proxy mode", () => {
  it("share the balancer's process_* families and follow its series", async () => {
    const manager = cluster(
      { processes: 1, basePort: 0, enableLoadBalancer: true, loadBalancerPort: 0, adminPort: 0 },
      [fixture('metricsApp.mjs')],
    );
    await manager.start();
    expect((await get(manager.address?.port as number)).status).toBe(200);
    const admin = manager.adminAddress?.port as number;
    let metrics = '';
    for (
      let tries = 0;
      tries < 100 && !/app_requests_total\{worker="0",route="\/"\} 1/.test(metrics);
      tries++
    ) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = (await get(admin, '/metrics')).body;
    }
    expect(metrics).toMatch(/app_requests_total\{worker="0",route="\/"\} 1/);
    expect(metrics.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
    expect(metrics).toMatch(/^process_cpu_seconds_total\{worker="0"\} /m);
    // The balancer's series come first, then the workers'.
    expect(metrics.indexOf('lb_backend_requests_total')).toBeLessThan(metrics.indexOf('lb_worker_up'));
    expect(metrics.match(/^# TYPE lb_backend_request_duration_seconds histogram$/gm)).toHaveLength(1);
  });
});

describe('the admin server in per-port mode', () => {
  it('is served by the primary too', async () => {
    const manager = cluster({ processes: 1, adminPort: 0 });
    await manager.start();
    const admin = manager.adminAddress?.port as number;
    expect((await get(admin, '/healthz')).status).toBe(200);
    expect((await get(admin, '/metrics')).body).toContain('lb_worker_up{worker="0"} 1');
  });
});
