import { PrometheusWriter } from '@lb/proxy';
import type { WorkerInfo } from './workerInfo.js';

/** Per-slot counters the primary keeps beyond `WorkerInfo`, keyed by slot id. */
export interface WorkerCounters {
  /** Connections of the shared port handed over to the slot's workers, in shared-port mode. */
  readonly handedOver?: ReadonlyMap<number, number>;
}

/**
 * The `lb_worker_*` families, one series per slot under `worker="<slot id>"`: the slot id survives restarts
 * and reloads, where a pid or backend id would start a new series each time.
 */
export function workerMetrics(workers: readonly WorkerInfo[], counters: WorkerCounters = {}): string {
  // Old workers still draining during a reload share their slot's id: report the slot's newest process.
  const slots = new Map<number, WorkerInfo>();
  for (const worker of workers) {
    const seen = slots.get(worker.id);
    if (seen === undefined || seen.state !== 'ready') slots.set(worker.id, worker);
  }
  const rows = [...slots.values()];
  const label = (w: WorkerInfo) => ({ worker: String(w.id) });
  const out = new PrometheusWriter();
  out.family('lb_worker_up', 'gauge', 'Whether the slot has a ready worker process (1) or not (0).');
  for (const w of rows) out.sample('lb_worker_up', label(w), w.state === 'ready' ? 1 : 0);
  out.family('lb_worker_restarts_total', 'counter', 'Restarts of the slot after unexpected exits.');
  for (const w of rows) out.sample('lb_worker_restarts_total', label(w), w.restarts);
  out.family('lb_worker_resident_memory_bytes', 'gauge', 'Resident memory last reported by the worker.');
  for (const w of rows)
    if (w.memory !== undefined) out.sample('lb_worker_resident_memory_bytes', label(w), w.memory);
  const handed = counters.handedOver;
  if (handed !== undefined) {
    out.family('lb_worker_connections_total', 'counter', 'Shared-port connections handed over to the slot.');
    for (const w of rows) out.sample('lb_worker_connections_total', label(w), handed.get(w.id) ?? 0);
  }
  return out.toString();
}
