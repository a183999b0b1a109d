import type { LbError } from '@lb/core';
import type { WorkerInfo } from './workerInfo.js';

/** Events of a {@link ClusterManager}, with their listener arguments. */
export interface ClusterManagerEvents {
  [event: string]: unknown[];
  /** A worker process was spawned (it is not ready yet). */
  workerStart: [worker: WorkerInfo];
  /** A worker became ready and, with the balancer on, was added to it. */
  workerReady: [worker: WorkerInfo];
  /** A worker process exited, expectedly or not. */
  workerExit: [worker: WorkerInfo, code: number | null, signal: NodeJS.Signals | null];
  /** An unexpected exit will be followed by a restart of slot `id` after `delay` ms (its `attempt`-th in a row). */
  workerRestart: [id: number, delay: number, attempt: number];
  /** Slot `id` crashed `maxRestarts` times in a row and is no longer restarted; the other workers keep serving. */
  workerCrashLoop: [id: number, error: LbError];
  /** A worker went over `maxMemory`; a replacement is starting through the reload path. */
  workerMemoryLimit: [worker: WorkerInfo, rss: number];
  /**
   * A worker started to replace one over `maxMemory` was itself over it at its first measurement: `maxMemory` is
   * below what a fresh worker needs. It is left serving (replacing it would loop every second) until it is seen
   * under the limit again; said once per worker.
   */
  memoryLimitTooLow: [worker: WorkerInfo, rss: number];
  /**
   * Every slot has given up (`LB_ERR_ALL_WORKERS_GIVEN_UP`). With `exitWhenAllGivenUp` (the default) the cluster
   * then stops, and a primary that handles signals exits 1.
   */
  failed: [error: LbError];
  /** `start()` finished: every worker is ready and the balancer (if any) listens. */
  ready: [];
  /** `stop()` finished: every worker has exited. */
  stopped: [];
}
