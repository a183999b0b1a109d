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

const seqKey = Symbol('task');

type Holder = Record<typeof seqKey, number>;

/**
 * Builds the constructor of a handler's per-task contexts: one small object per task, whose prototype holds the
 * user's keys (inherited from `base`) and a `signal` getter that makes the signal on first use. A plain
 * constructor with a symbol-keyed field measured about 0.8 µs per task cheaper than a class with a private
 * field whose prototype is re-parented.
 */
export function contextClass(
  base: unknown,
  signalOf: (seq: number) => AbortSignal,
): new (
  seq: number,
) => TaskContext {
  function Context(this: Holder, seq: number): void {
    this[seqKey] = seq;
  }
  Context.prototype = Object.create(typeof base === 'object' && base !== null ? base : Object.prototype, {
    signal: {
      get(this: Holder): AbortSignal {
        return signalOf(this[seqKey]);
      },
    },
  }) as object;
  return Context as unknown as new (
    seq: number,
  ) => TaskContext;
}
