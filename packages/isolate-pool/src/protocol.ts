/**
 * The wire format between the pool and its threads. Messages are flat arrays so one `postMessage` carries many
 * tasks or results without a wrapper object per task.
 *
 * - pool → thread: `[definitions | null, seq, handlerId, data, seq, handlerId, data, …]`
 * - thread → pool: `'ready'` once, then `[seq, status, value, runMs, …]`
 */

/** Outcome of one task, the second field of each result. */
export const Status = { ok: 0, error: 1, skipped: 2 } as const;

/** A handler sent as source: compiled once per thread and cached under `id`. */
export interface InlineDefinition {
  id: number;
  kind: 'inline';
  source: string;
  helpers: [name: string, source: string][];
  context: unknown;
}

/** A handler exported by a module the thread imports. */
export interface ModuleDefinition {
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

/** Fields of the per-thread shared `Int32Array`: which task started last and which is running now. */
export const SharedField = { started: 0, running: 1, cancelBase: 2 } as const;

/**
 * A task is cancelled by writing its seq at `cancelBase + (seq & cancelMask)`; the thread skips a task whose slot
 * holds its own seq. The ring is larger than any pipeline window, so a slot is never reused while its task waits.
 */
export const cancelMask = 1023;

/** Bytes of the shared buffer. */
export const sharedBytes = (SharedField.cancelBase + cancelMask + 1) * 4;

/** The pool code a thread uses to say its task module could not be loaded. */
export const taskModuleCode = 'LB_ERR_TASK_MODULE';

/** The pool code a thread uses to say an inline handler could not be compiled. */
export const notSerializableCode = 'LB_ERR_HANDLER_NOT_SERIALIZABLE';

/** The pool code a thread uses to say a task's result cannot be copied back. */
export const notCloneableCode = 'LB_ERR_NOT_CLONEABLE';
