import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { ConfigError } from '@lb/core';
import { assertInteger, assertKnownKeys, assertNumber, assertRange, fail } from '@lb/core/internal';
import { defaultPoolSize } from './defaultPoolSize.js';

/** Options of {@link HybridProcessor}. */
export interface HybridProcessorOptions {
  /**
   * A fixed number of threads (the Dart name). Sets both `minThreads` and `maxThreads` unless they are given.
   * @default the CPUs available to this process, divided by the cluster's process count in a cluster worker
   */
  isolatePoolSize?: number;
  /** Threads started by `initialize()` and kept while idle. @default maxThreads */
  minThreads?: number;
  /** Most threads the pool grows to while tasks wait. @default isolatePoolSize */
  maxThreads?: number;
  /** Milliseconds an idle thread above `minThreads` lives before it exits. @default 10000 */
  idleTimeout?: number;
  /** Most tasks waiting for a thread; one more is rejected with `LB_ERR_QUEUE_FULL`. @default Infinity */
  maxQueue?: number;
  /**
   * Most tasks sent ahead to one thread. Sending several at once is what makes tiny tasks fast; the pool lowers
   * the window by itself for slow tasks so they spread evenly over the threads.
   * @default 64
   */
  maxTasksPerThread?: number;
  /**
   * Distinct inline handlers (source, helpers and context) and task-module exports the pool keeps compiled.
   * Beyond it the least recently used definition is dropped on the main thread, and a thread that has compiled
   * more than this many is replaced once its tasks finish, since compiled modules cannot be unloaded from a
   * live thread. Keeps memory bounded when contexts differ per task; values that change per task belong in
   * `data`.
   * @default 1000
   */
  maxCachedHandlers?: number;
  /**
   * Milliseconds a task may run without returning to the event loop (an endless `while (true) {}`, say) before
   * it fails with `LB_ERR_TASK_TIMEOUT` and its thread is replaced. Checked a few times per period, so the
   * task is stopped up to about half a period later. With it set, each thread posts the results it holds before
   * every task, which costs some speed on tiny tasks. Tasks that `await` are not affected while they wait.
   * @default Infinity (off: a stuck task keeps its thread, and the other threads take the tasks sent behind it)
   */
  stuckTaskTimeout?: number;
  /** V8 heap and stack limits of each thread; a thread that exceeds them crashes and is replaced. */
  resourceLimits?: ResourceLimits;
  /**
   * Node flags of each thread. When omitted, threads inherit the flags of the process the way Node does by
   * default, which works under any flag the process accepts. When given, flags a thread cannot take
   * (`--max-old-space-size`, `--expose-gc`, `--title`, …) are left out with one process warning.
   * @default inherited from the process
   */
  execArgv?: string[];
}

/** Per-task options of `processWork`. */
export interface TaskOptions {
  /** Objects moved to the thread instead of copied (the sender's copy becomes unusable). */
  transfer?: readonly TransferListItem[];
  /** Cancels the task: a queued task is dropped; a running one is stopped by replacing its thread. */
  signal?: AbortSignal;
  /** Milliseconds from submission after which the task fails with `LB_ERR_TASK_TIMEOUT`. */
  timeout?: number;
  /**
   * Move the `ArrayBuffer`s of the result back instead of copying them: an `ArrayBuffer`, a typed array or
   * `DataView` spanning its whole buffer, and those inside arrays, plain objects, `Map`s and `Set`s. A view over
   * part of a buffer is still copied.
   * @default false
   */
  transferResult?: boolean;
}

/** Per-task options of an inline handler. */
export interface InlineTaskOptions extends TaskOptions {
  /** Functions the handler calls, sent as source with it and in scope under these names. */
  // biome-ignore lint/complexity/noBannedTypes: any function is accepted; only its source is used
  helpers?: Readonly<Record<string, Function>>;
  /**
   * Plain data the handler reads: each key is in scope as a variable, and the object is the handler's second
   * argument. Sent once per thread with the handler, so keep it the same across many tasks.
   */
  context?: Readonly<Record<string, unknown>>;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  minThreads: number;
  maxThreads: number;
  idleTimeout: number;
  maxQueue: number;
  maxTasksPerThread: number;
  stuckTaskTimeout: number;
  maxCachedHandlers: number;
  resourceLimits: ResourceLimits | undefined;
  execArgv: string[] | undefined;
}

const known = new Set([
  'isolatePoolSize',
  'minThreads',
  'maxThreads',
  'idleTimeout',
  'maxQueue',
  'maxTasksPerThread',
  'stuckTaskTimeout',
  'maxCachedHandlers',
  'resourceLimits',
  'execArgv',
]);

/** Applies defaults and throws a `ConfigError` naming the first bad option. */
export function resolveOptions(options: HybridProcessorOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', 'HybridProcessor', 'needs an options object', options);
  }
  assertKnownKeys(options, known, 'HybridProcessor');
  const size =
    options.isolatePoolSize === undefined
      ? undefined
      : assertInteger(options.isolatePoolSize, 'isolatePoolSize', 1);
  const maxThreads =
    options.maxThreads === undefined
      ? Math.max(size ?? defaultPoolSize(), options.minThreads ?? 1)
      : assertInteger(options.maxThreads, 'maxThreads', 1);
  const minThreads =
    options.minThreads === undefined
      ? (size ?? maxThreads)
      : assertInteger(options.minThreads, 'minThreads', 0);
  if (minThreads > maxThreads) {
    throw new ConfigError(
      'LB_ERR_INVALID_OPTION',
      'minThreads',
      `minThreads (${minThreads}) must not exceed maxThreads (${maxThreads}).`,
    );
  }
  const maxQueue =
    options.maxQueue === undefined || options.maxQueue === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : assertInteger(options.maxQueue, 'maxQueue', 0);
  const execArgv = options.execArgv;
  if (
    execArgv !== undefined &&
    (!Array.isArray(execArgv) || execArgv.some((arg) => typeof arg !== 'string'))
  ) {
    fail('LB_ERR_INVALID_OPTION', 'execArgv', 'must be an array of strings', execArgv);
  }
  if (options.resourceLimits !== undefined && typeof options.resourceLimits !== 'object') {
    fail('LB_ERR_INVALID_OPTION', 'resourceLimits', 'must be an object', options.resourceLimits);
  }
  return {
    minThreads,
    maxThreads,
    idleTimeout: assertNumber(options.idleTimeout ?? 10_000, 'idleTimeout', 0),
    maxQueue,
    maxTasksPerThread: assertRange(
      assertInteger(options.maxTasksPerThread ?? 64, 'maxTasksPerThread', 1),
      'maxTasksPerThread',
      1,
      1024,
    ),
    stuckTaskTimeout:
      options.stuckTaskTimeout === undefined || options.stuckTaskTimeout === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : assertNumber(options.stuckTaskTimeout, 'stuckTaskTimeout', 1),
    maxCachedHandlers: assertInteger(options.maxCachedHandlers ?? 1000, 'maxCachedHandlers', 1),
    resourceLimits: options.resourceLimits,
    execArgv: execArgv === undefined ? undefined : [...execArgv],
  };
}
