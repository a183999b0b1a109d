import type {
  BackendMetricsSnapshot,
  DashboardEventLevel,
  DashboardRow,
  EventLog,
  LoadBalancerStats,
} from '@lb/proxy';
import type { PrimaryLogEvent, PrimaryLogFields } from './primaryLog.js';
import type { WorkerInfo } from './workerInfo.js';

/** The slot's process to show: its ready one while an old one drains during a reload, as the metrics do. */
function slotsOf(workers: readonly WorkerInfo[]): WorkerInfo[] {
  const slots = new Map<number, WorkerInfo>();
  for (const worker of workers) {
    const seen = slots.get(worker.id);
    if (seen === undefined || seen.state !== 'ready') slots.set(worker.id, worker);
  }
  return [...slots.values()];
}

/**
 * One dashboard row per slot: the worker's life cycle and usage from the primary, and, in proxy mode, its
 * backend's counters from the balancer (status classes, error kinds, retries, ejections, health checks). In
 * shared-port mode the status classes are the ones the worker counted itself.
 */
export function clusterDashboardRows(
  workers: readonly WorkerInfo[],
  balancer: LoadBalancerStats | undefined,
): DashboardRow[] {
  const metrics = new Map<string, BackendMetricsSnapshot>();
  for (const m of balancer?.metrics.backends ?? []) if (m.group === undefined) metrics.set(String(m.id), m);
  const ejected = new Set(
    (balancer?.backends ?? []).filter((b) => b.ejected && b.group === undefined).map((b) => String(b.id)),
  );
  return slotsOf(workers).map((w) => {
    const m = metrics.get(w.backendId);
    const counters: Partial<DashboardRow> =
      m === undefined
        ? { ...(w.responses && { responses: w.responses }) }
        : {
            // The slot id: a worker's series keep it across restarts (its backend id changes).
            metricsLabel: String(w.id),
            activeRequests: m.activeRequests,
            responses: m.responses,
            errors: m.errors,
            retries: m.retries,
            ejections: m.ejections,
            healthCheckFailures: m.healthCheckFailures,
            ...(m.lastHealthCheck && { lastHealthCheck: m.lastHealthCheck }),
          };
    return {
      key: `worker ${w.id}`,
      detail: `port ${w.port}`,
      state: w.state === 'ready' && ejected.has(w.backendId) ? 'ejected' : w.state,
      ...(w.pid !== undefined && { pid: w.pid }),
      restarts: w.restarts,
      uptimeMs: w.uptime,
      ...(w.memory !== undefined && { memory: w.memory }),
      ...(w.cpuPercent !== undefined && { cpuPercent: w.cpuPercent }),
      ...counters,
    };
  });
}

/** How each primary log event shows in the dashboard's event log; events left out are routine. */
const levels: Partial<Record<PrimaryLogEvent, DashboardEventLevel>> = {
  exit: 'warn',
  restart: 'warn',
  ready: 'info',
  giveUp: 'bad',
  failed: 'bad',
  memory: 'warn',
  memoryLimitTooLow: 'warn',
  reload: 'info',
  started: 'info',
  signal: 'info',
  stop: 'info',
};

/**
 * Copies the primary's lifecycle lines an operator looks for (exits with their code or signal, restarts,
 * reloads, give-ups, memory replacements) into the dashboard's event log, with the same wording as the log.
 */
export function dashboardEventOf(
  log: EventLog,
): (event: PrimaryLogEvent, msg: string, fields: PrimaryLogFields) => void {
  return (event, msg, fields) => {
    let level = levels[event];
    if (level === undefined) return;
    // An exit with code 0 is a worker stopped on purpose (reload, scale, stop); a signal or error code is a crash.
    if (event === 'exit' && fields.code === 0 && fields.signal === null) level = 'info';
    if (event === 'exit' && fields.signal === 'SIGKILL') level = 'bad';
    if (event === 'reload' && fields.step === 'failed') level = 'bad';
    log.add(event, fields.worker === undefined ? '' : `worker ${fields.worker}`, msg, level);
  };
}
