/**
 * The wire format between the pool and its threads. Messages are flat arrays so one `postMessage` carries many
 * tasks or results without a wrapper object per task.
 *
 * - pool → thread: `[definitions | null, seq, handlerId, data, transferResult, …]` (4 fields per task), or an
 *   abort (`abortMessage`)
 * - thread → pool: `'ready'` once, then `[seq, status, value, runMs, …]` (a task the pool cancelled or took
 *   back before it started sends nothing)
 */

/** Outcome of one task, the second field of each result. */
export const Status = { ok: 0, error: 1 } as const;

/** A handler sent as source: compiled once per thread and cached under `id`. */
export interface InlineDefinition {
  id: number;
  kind: 'inline';
  source: string;
  helpers: [name: string, source: string][];
  context: unknown;
}

/** A handler exported by a module the thread imports. */
interface ModuleDefinition {
  id: number;
  kind: 'module';
  href: string;
  name: string;
}

/** Either kind of handler definition. */
export type Definition = InlineDefinition | ModuleDefinition;

/** `workerData` of every thread. */
export interface WorkerSetup {
  shared: SharedArrayBuffer;
}

/**
 * Fields of the per-thread shared `Int32Array`.
 *
 * - `running`: seq of the task whose synchronous part is on the thread's stack now, or -1.
 * - `eager`: 1 while the pool may terminate the thread (a task on it can be aborted or time out, or stuck-task
 *   detection is on). The thread then posts the results it holds before it starts each task, so a termination
 *   cannot take finished results with it.
 * - `claimBase + (seq & ringMask)`: who decided the task's fate first. The thread swaps in `-seq` when it starts
 *   it; the pool swaps in `seq` to cancel or steal it. Both use `Atomics.exchange`, so exactly one of them wins.
 * - `doneBase + (seq & ringMask)`: the thread writes `seq` once the task has finished, before it posts the result.
 */
export const SharedField = { running: 0, eager: 1, claimBase: 2, doneBase: 2 + 1024 } as const;

/**
 * Ring slots for the per-task fields. The pool never has a task in flight on a thread whose seq is this far
 * from the oldest one in flight there, so a slot is never reused while its task is undecided.
 */
export const ringSize = 1024;

/** `seq & ringMask` is a task's slot in the claim and done rings. */
export const ringMask = ringSize - 1;

/** Bytes of the shared buffer. */
export const sharedBytes = (SharedField.doneBase + ringSize) * 4;

/** pool → thread: `[abortMessage, seq, reasonName]` aborts the `signal` a started task's handler was given. */
export const abortMessage = 'abort';

/** The pool code a thread uses to say its task module could not be loaded. */
export const taskModuleCode = 'LB_ERR_TASK_MODULE';

/** The pool code a thread uses to say an inline handler could not be compiled. */
export const notSerializableCode = 'LB_ERR_HANDLER_NOT_SERIALIZABLE';

/** The pool code a thread uses to say a task's result cannot be copied back. */
export const notCloneableCode = 'LB_ERR_NOT_CLONEABLE';
