import type { IpcMessage } from './ipcMessage.js';

/** The environment variables a cluster sets in each worker. */
export const WorkerEnv = {
  /** The worker's slot id, `0 … processes − 1`. */
  processId: 'LB_PROCESS_ID',
  /** The port the worker should listen on (also set as `PORT`). */
  workerPort: 'LB_WORKER_PORT',
  /** The interface the worker should bind. */
  workerHost: 'LB_WORKER_HOST',
  /** `worker` inside a cluster worker. */
  scalingMode: 'LB_SCALING_MODE',
  /** How many workers the cluster runs. */
  processCount: 'LB_PROCESS_COUNT',
  /** In shared-port mode, the public port every worker serves. */
  sharedPort: 'LB_SHARED_PORT',
} as const;

function readInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isInteger(value) ? value : undefined;
}

/** `LB_PROCESS_ID` as a number, or `undefined` outside a cluster worker. */
export function currentProcessId(): number | undefined {
  return readInteger(WorkerEnv.processId);
}

/** `LB_WORKER_PORT` as a number, or `undefined` outside a cluster worker. */
export function currentWorkerPort(): number | undefined {
  return readInteger(WorkerEnv.workerPort);
}

/** True inside a process a cluster started (`LB_SCALING_MODE` is set). */
export function inClusterMode(): boolean {
  const mode = process.env[WorkerEnv.scalingMode];
  return mode !== undefined && mode !== '';
}

/** True inside a cluster worker (`LB_SCALING_MODE=worker`). */
export function inWorker(): boolean {
  return process.env[WorkerEnv.scalingMode] === 'worker';
}

/**
 * Tells the primary that this worker is ready for traffic. Only needed with `readiness: 'signal'`, for apps that
 * warm up (fill caches, open pools) after they start listening; the balancer sends the worker nothing before.
 * Does nothing outside a cluster worker, so the same code runs standalone.
 *
 * @example
 * ```ts
 * server.listen(ClusterManager.workerPort, async () => {
 *   await warmUp();
 *   ready();
 * });
 * ```
 */
export function ready(): void {
  if (!inWorker() || typeof process.send !== 'function' || !process.connected) return;
  const message: IpcMessage = { __lb: 'ready' };
  process.send(message);
}
