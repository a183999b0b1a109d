import type { TypedEventEmitter } from '@lb/core';
import type { DashboardRow } from '../admin/dashboard/dashboardRow.js';
import type { EventLog } from '../admin/dashboard/eventLog.js';
import type { BackendEvents } from '../backends/backendEvents.js';
import type { BackendStatus } from '../backends/backendStatus.js';
import type { BackendMetricsSnapshot } from '../metrics/metricsRegistry.js';

const keyOf = (id: unknown, group: string | undefined) =>
  group === undefined ? String(id) : `${group}/${String(id)}`;

/** The state a backend row shows: ejected and draining say more than the strategy's `down`. */
function stateOf(b: BackendStatus): string {
  if (b.ejected) return 'ejected';
  if (b.draining) return 'draining';
  return b.health;
}

/** One dashboard row per backend, its counters joined from the metrics snapshot by group and id. */
export function backendDashboardRows(
  backends: readonly BackendStatus[],
  metrics: readonly BackendMetricsSnapshot[],
): DashboardRow[] {
  const byKey = new Map(metrics.map((m) => [keyOf(m.id, m.group), m]));
  return backends.map((b) => {
    const m = byKey.get(keyOf(b.id, b.group));
    return {
      key: `backend ${keyOf(b.id, b.group)}`,
      detail: `${b.host}:${b.port}`,
      state: stateOf(b),
      activeRequests: b.inFlight,
      ...(m && {
        // The page reads latency by the `backend` label alone, which backends of different groups may share.
        ...(m.group === undefined && { metricsLabel: String(m.id) }),
        responses: m.responses,
        errors: m.errors,
        retries: m.retries,
        ejections: m.ejections,
        healthCheckFailures: m.healthCheckFailures,
        ...(m.lastHealthCheck && { lastHealthCheck: m.lastHealthCheck }),
      }),
    };
  });
}

/**
 * Writes the backend events an operator looks for in an incident (down and up with their reason, ejections and
 * readmissions, drains, membership) into the dashboard's event log. Returns what removes the listeners.
 */
export function logBackendEvents(events: TypedEventEmitter<BackendEvents>, log: EventLog): () => void {
  const subject = (b: BackendStatus) => `backend ${keyOf(b.id, b.group)}`;
  const offs: Array<() => void> = [];
  const on = <K extends keyof BackendEvents & string>(
    event: K,
    listener: (...args: BackendEvents[K]) => void,
  ) => {
    events.on(event, listener);
    offs.push(() => events.off(event, listener));
  };
  on('backendDown', (b, reason) => log.add('down', subject(b), `down: ${reason}`, 'bad'));
  on('backendUp', (b) => log.add('up', subject(b), 'up again', 'info'));
  on('backendEjected', (b, until) =>
    log.add(
      'ejected',
      subject(b),
      `ejected by outlier detection until ${new Date(until).toISOString()}`,
      'bad',
    ),
  );
  on('backendRecovered', (b) => log.add('readmitted', subject(b), 'ejection over: readmitted', 'info'));
  on('backendDraining', (b) => log.add('draining', subject(b), 'draining', 'warn'));
  on('backendAdded', (b) => log.add('added', subject(b), `added (${b.host}:${b.port})`, 'info'));
  on('backendRemoved', (b) => log.add('removed', subject(b), 'removed', 'info'));
  return () => {
    for (const off of offs) off();
  };
}
