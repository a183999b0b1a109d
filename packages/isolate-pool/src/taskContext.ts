/**
 * The second argument of every handler: a fresh object per task that inherits the keys of the handler's
 * `context` and adds `signal`.
 */
export type TaskContext = Readonly<Record<string, unknown>> & {
  /**
   * Aborted when the task's own `signal` is aborted or its `timeout` passes while it runs. Code that checks it
   * (or passes it on to `fetch`, streams, timers) can stop early and keep its thread; code that never yields is
   * stopped by replacing the thread instead.
   */
  readonly signal: AbortSignal;
};

/** Builds the class of a handler's per-task contexts. One allocation per task; the signal is made on first use. */
export function contextClass(
  base: unknown,
  signalOf: (seq: number) => AbortSignal,
): new (
  seq: number,
) => TaskContext {
  class Context {
    readonly #seq: number;
    constructor(seq: number) {
      this.#seq = seq;
    }
    get signal(): AbortSignal {
      return signalOf(this.#seq);
    }
  }
  // The user's keys live on the prototype, so a task pays for one small object, not a copy of the context.
  Object.setPrototypeOf(
    Context.prototype,
    typeof base === 'object' && base !== null ? base : Object.prototype,
  );
  return Context as unknown as new (
    seq: number,
  ) => TaskContext;
}
