import { type PrometheusMetricType, PrometheusWriter } from '@lb/proxy';
import type { WorkerInfo } from './workerInfo.js';

/** Per-slot counters the primary keeps beyond `WorkerInfo`, keyed by slot id. */
export interface WorkerCounters {
  /** Connections of the shared port handed over to the slot's workers, in shared-port mode. */
  readonly handedOver?: ReadonlyMap<number, number>;
}

type Family = [
  name: string,
  type: PrometheusMetricType,
  help: string,
  value: (w: WorkerInfo) => number | undefined,
];

const families: readonly Family[] = [
  [
    'lb_worker_up',
    'gauge',
    'Whether the slot has a ready worker process (1) or not (0).',
    (w) => (w.state === 'ready' ? 1 : 0),
  ],
  ['lb_worker_restarts_total', 'counter', 'Restarts of the slot after unexpected exits.', (w) => w.restarts],
  [
    'lb_worker_resident_memory_bytes',
    'gauge',
    'Resident memory last reported by the worker.',
    (w) => w.memory,
  ],
  [
    'lb_worker_cpu_seconds_total',
    'counter',
    'CPU time (user and system) the worker process used.',
    (w) => w.cpu,
  ],
  [
    'lb_worker_event_loop_lag_seconds',
    'gauge',
    "99th percentile of the worker's event-loop delay over the last second.",
    (w) => w.eventLoopLag,
  ],
];

/**
 * The `lb_worker_*` families, one series per slot under `worker="<slot id>"`: the slot id survives restarts
 * and reloads, where a pid or backend id would start a new series each time. A value a worker has not
 * reported yet is left out rather than shown as 0.
 */
export function workerMetrics(workers: readonly WorkerInfo[], counters: WorkerCounters = {}): string {
  // Old workers still draining during a reload share their slot's id: report the slot's ready process.
  const slots = new Map<number, WorkerInfo>();
  for (const worker of workers) {
    const seen = slots.get(worker.id);
    if (seen === undefined || seen.state !== 'ready') slots.set(worker.id, worker);
  }
  const handed = counters.handedOver;
  const all: readonly Family[] =
    handed === undefined
      ? families
      : [
          ...families,
          [
            'lb_worker_connections_total',
            'counter',
            'Shared-port connections handed over to the slot.',
            (w) => handed.get(w.id) ?? 0,
          ],
        ];
  const out = new PrometheusWriter();
  for (const [name, type, help, value] of all) {
    out.family(name, type, help);
    for (const w of slots.values()) {
      const v = value(w);
      if (v !== undefined) out.sample(name, { worker: String(w.id) }, v);
    }
  }
  return out.toString();
}
