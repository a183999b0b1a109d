/** What stuck-task detection reads and keeps per thread. */
export interface Watched {
  /** Seq of the task whose synchronous part is on the thread's stack now, or -1. */
  readonly running: number;
  /** The running seq seen at the previous check, and since when it has been seen. */
  watchedSeq: number;
  watchedSince: number;
}

/**
 * The threads whose current task has been on their stack for `timeout` ms or more, with that task's seq. A
 * thread is sampled at each call: a task counts from the first call that saw it, so it is caught between
 * `timeout` and `timeout` plus one check interval after it started.
 */
export function stuckThreads<T extends Watched>(
  threads: readonly T[],
  now: number,
  timeout: number,
): [T, number][] {
  const stuck: [T, number][] = [];
  for (const thread of threads) {
    const seq = thread.running;
    if (seq <= 0 || seq !== thread.watchedSeq) {
      thread.watchedSeq = seq;
      thread.watchedSince = now;
    } else if (now - thread.watchedSince >= timeout) {
      stuck.push([thread, seq]);
    }
  }
  return stuck;
}
