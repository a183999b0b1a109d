import { AdminServer, type LoadBalancerStats } from '@lb/proxy';
import { describe, expect, it } from 'vitest';
import { clusterDashboardRows, dashboardEventOf } from './clusterDashboard.js';
import type { WorkerInfo } from './workerInfo.js';

const worker = (over: Partial<WorkerInfo>): WorkerInfo => ({
  id: 0,
  pid: 10,
  port: 8080,
  state: 'ready',
  restarts: 0,
  uptime: 1_000,
  memory: 50,
  backendId: '0.1',
  ...over,
});

const responses = { '1xx': 0, '2xx': 5, '3xx': 0, '4xx': 0, '5xx': 2 };

describe('clusterDashboardRows', () => {
  it('shows one row per slot, its ready process while an old one drains, with what the worker counted', () => {
    const rows = clusterDashboardRows(
      [
        worker({ pid: 11, state: 'draining', backendId: '0.1' }),
        worker({ pid: 12, backendId: '0.2', cpuPercent: 7, responses }),
        worker({ id: 1, pid: undefined, state: 'waiting', restarts: 3, memory: undefined }),
      ],
      undefined,
    );
    expect(rows).toEqual([
      {
        key: 'worker 0',
        detail: 'port 8080',
        state: 'ready',
        pid: 12,
        restarts: 0,
        uptimeMs: 1_000,
        memory: 50,
        cpuPercent: 7,
        responses,
      },
      { key: 'worker 1', detail: 'port 8080', state: 'waiting', restarts: 3, uptimeMs: 1_000 },
    ]);
  });

  it("takes the balancer's counters in proxy mode, and shows an ejected worker as ejected", () => {
    const m = {
      id: '0.2',
      up: false,
      ejected: true,
      weight: 1,
      activeRequests: 3,
      activeConnections: 1,
      connections: 4,
      responses: { ...responses, '5xx': 9 },
      errors: { connect: 1, timeout: 0, reset: 2, protocol: 0, other: 0 },
      retries: 4,
      ejections: 1,
      healthCheckFailures: 0,
      latency: { count: 0, meanMs: null, p50Ms: null, p90Ms: null, p99Ms: null },
    };
    const stats = {
      metrics: { backends: [m] },
      backends: [{ id: '0.2', ejected: true }],
    } as unknown as LoadBalancerStats;
    const [row] = clusterDashboardRows([worker({ backendId: '0.2', responses })], stats);
    expect(row).toMatchObject({
      state: 'ejected',
      metricsLabel: '0',
      activeRequests: 3,
      responses: { '5xx': 9 },
      errors: { connect: 1, reset: 2 },
      retries: 4,
      ejections: 1,
    });
  });
});

describe('dashboardEventOf', () => {
  it('copies crashes, restarts and reloads with a level, and leaves routine lines out', () => {
    // The event log of an admin server that is never started.
    const log = new AdminServer({ metrics: () => '', status: () => ({}), healthy: () => true }).dashboard
      .events;
    const copy = dashboardEventOf(log);
    copy('spawn', 'worker 0 started', { worker: 0 });
    copy('exit', 'worker 0 (pid 1) was killed by SIGKILL', { worker: 0, code: null, signal: 'SIGKILL' });
    copy('exit', 'worker 1 (pid 2) exited with code 0', { worker: 1, code: 0, signal: null });
    copy('restart', 'worker 0 restarting now', { worker: 0 });
    copy('reload', 'reload stopped at worker 0', { worker: 0, step: 'failed' });
    copy('reload', 'reload complete', { step: 'done' });
    expect(log.newestFirst().map((e) => [e.kind, e.subject, e.level])).toEqual([
      ['reload', '', 'info'],
      ['reload', 'worker 0', 'bad'],
      ['restart', 'worker 0', 'warn'],
      ['exit', 'worker 1', 'info'],
      ['exit', 'worker 0', 'bad'],
    ]);
  });
});
