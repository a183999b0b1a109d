import { LbError } from '@lb/core';
import type { Task } from './task.js';

/** What the pool knows about one task on a thread that has died, read from the thread's shared memory. */
export interface TaskTrace {
  /** The thread had claimed (started) it. */
  started: boolean;
  /** The thread had finished it (its result may not have been posted). */
  finished: boolean;
}

/**
 * The fate of a task whose thread died before its result arrived: `undefined` means it never started and can
 * run elsewhere; otherwise the error to fail it with. Results posted before the death have already been
 * delivered (Node emits a worker's messages before its 'exit'), so a task still pending here either never
 * started, did not finish, or finished with its result stranded.
 */
export function deathError(task: Task, trace: TaskTrace, reason: Error): LbError | undefined {
  if (!trace.started) {
    if (task.transfer === undefined || task.transfer.length === 0) return undefined;
    return new LbError(
      'LB_ERR_WORKER_CRASHED',
      `The task's thread died before it started the task, and the buffers it transferred went with it: ${reason.message}`,
      { cause: reason },
    );
  }
  if (trace.finished) {
    return new LbError(
      'LB_ERR_RESULT_LOST',
      `The task finished, but its thread died before the result was sent: ${reason.message}`,
      { cause: reason },
    );
  }
  return new LbError('LB_ERR_WORKER_CRASHED', `The worker thread running this task died: ${reason.message}`, {
    cause: reason,
  });
}
