import type { StatusClass } from '@lb/proxy';

/**
 * Life cycle of one worker process. `starting`: spawned, not ready yet. `ready`: serving. `draining`: takes no
 * new requests while it finishes in-flight ones. `stopping`: told to exit. `exited`: gone. A slot with no
 * process is listed too, so it never vanishes from view: `waiting` for its restart after a crash, or `errored`:
 * given up after `maxRestarts` crashes in a row, until a reload (PM2's "waiting restart" and "errored").
 */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'stopping' | 'exited' | 'waiting' | 'errored';

/** A snapshot of one worker, as returned by `ClusterManager.workers`. */
export interface WorkerInfo {
  /** The slot id, `0 … processes − 1`, also the worker's `LB_PROCESS_ID`. A replacement keeps its slot's id. */
  readonly id: number;
  /** Process id, `undefined` if the spawn failed or the slot is `waiting` or `errored`. */
  readonly pid: number | undefined;
  /** The port the worker listens on (its `PORT`); for a `waiting` or `errored` slot, its last worker's. */
  readonly port: number;
  /** Life-cycle state. */
  readonly state: WorkerState;
  /** Restarts of this slot after unexpected exits, since the cluster started. */
  readonly restarts: number;
  /** Milliseconds since the process was spawned. */
  readonly uptime: number;
  /** Last reported resident memory in bytes, `undefined` until the first report. */
  readonly memory: number | undefined;
  /** CPU time (user and system) the process used since it started, in seconds; absent until the first report. */
  readonly cpu?: number;
  /**
   * Share of one core the process used between its last two reports (a second apart), in percent, from the same
   * `cpu` measurement; absent until the second report. Above 100 when it keeps more than one core busy.
   */
  readonly cpuPercent?: number;
  /**
   * The worst event-loop delay (99th percentile) over the last report interval (a second), in seconds; absent
   * until the first report. High values mean the worker blocks its event loop.
   */
  readonly eventLoopLag?: number;
  /**
   * Responses the worker's HTTP servers sent since it started, by status class, as of its last usage report
   * (counted in the worker, so shared-port mode has them too); absent until the first report.
   */
  readonly responses?: Readonly<Record<StatusClass, number>>;
  /** The id of this worker in the load balancer, `<slot>.<generation>`. */
  readonly backendId: string;
}
