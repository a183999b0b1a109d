import { LbError } from '@lb/core';
import { deserializeError, type SerializedError } from './errorTransport.js';
import { scopeError } from './handlerSource.js';
import type { PoolStats } from './poolStats.js';
import { Status } from './protocol.js';
import { type Task, TaskState } from './task.js';

/** Rebuilds a task's error: pool failures become `LbError`s, a missing variable becomes `LB_ERR_HANDLER_SCOPE`. */
function taskError(task: Task, data: SerializedError): Error {
  const error = deserializeError(data);
  if (data.poolCode !== undefined) {
    return new LbError(data.poolCode as LbError['code'], error.message, { cause: error.cause ?? error });
  }
  return (task.def.kind === 'inline' ? scopeError(error) : undefined) ?? error;
}

/**
 * Settles the tasks in one results message (`[seq, status, value, runMs, …]`) and records their times. Tasks
 * already settled (aborted, timed out) are skipped.
 */
export function settleResults(inflight: Map<number, Task>, results: unknown[], stats: PoolStats): void {
  const now = performance.now();
  for (let i = 0; i < results.length; i += 4) {
    const task = inflight.get(results[i] as number);
    if (task === undefined) continue;
    inflight.delete(task.seq);
    const status = results[i + 1];
    const runMs = results[i + 3] as number;
    if (task.timer !== undefined || task.onAbort !== undefined) task.release();
    else task.state = TaskState.done;
    if (status === Status.ok) {
      stats.completed++;
      stats.recordRun(now - task.submitted - runMs, runMs);
      task.resolve(results[i + 2]);
    } else {
      stats.failed++;
      stats.recordRun(now - task.submitted - runMs, runMs);
      task.reject(taskError(task, results[i + 2] as SerializedError));
    }
  }
}
