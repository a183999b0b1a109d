import type { IpcMessage } from './ipcMessage.js';
import { inWorker } from './workerEnv.js';

/**
 * Hands this worker's own Prometheus text (exposition format 0.0.4, as prom-client's `register.metrics()`
 * returns) to the primary, which serves every worker's latest text at the cluster's admin `/metrics`, each
 * series labelled with `worker="<slot id>"`. Call it periodically (every few seconds): the primary serves the
 * last text it got until the worker exits. Does nothing outside a cluster worker, so the same code runs
 * standalone.
 *
 * @example
 * ```ts
 * import { reportMetrics } from '@lb/cluster';
 * import { register } from 'prom-client';
 * setInterval(async () => reportMetrics(await register.metrics()), 5_000).unref();
 * ```
 */
export function reportMetrics(text: string): void {
  if (!inWorker() || typeof process.send !== 'function' || !process.connected) return;
  const message: IpcMessage = { __lb: 'metrics', text };
  process.send(message);
}
