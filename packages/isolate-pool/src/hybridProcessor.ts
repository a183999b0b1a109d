import { LbError } from '@lb/core';
import { HandlerRegistry, type TaskModule } from './handlerRegistry.js';
import {
  type HybridProcessorOptions,
  type InlineTaskOptions,
  type ResolvedOptions,
  resolveOptions,
  type TaskOptions,
} from './hybridProcessorOptions.js';
import type { HybridProcessorStats } from './poolStats.js';
import { Task, TaskState } from './task.js';
import type { TaskContext } from './taskContext.js';
import { ThreadPool } from './threadPool.js';

/** A function run in a worker thread. It sees only its arguments, `helpers`, `context` and globals. */
export type TaskHandler<T, D = unknown> = (data: D, context: TaskContext) => T | PromiseLike<T>;

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** Options of {@link HybridProcessor.close}. */
export interface CloseOptions {
  /** Abort queued and running tasks (`LB_ERR_POOL_CLOSED`) instead of finishing them, as `destroy()` does. @default false */
  force?: boolean;
}

/**
 * Runs CPU-heavy work on a pool of worker threads, keeping the event loop free. Handlers are either inline
 * functions (sent as source once per thread, with `helpers` and `context`) or exports of a task module.
 *
 * @example
 * ```ts
 * const processor = new HybridProcessor({ isolatePoolSize: 3 });
 * await processor.initialize();
 * const fib = await processor.processWork<number>((n) => fibonacci(n as number), 40, { helpers: { fibonacci } });
 * await processor.close();
 * ```
 */
export class HybridProcessor {
  private readonly options: ResolvedOptions;
  private readonly registry: HandlerRegistry;
  private readonly pool: ThreadPool;
  private state: State = 'new';
  private initPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;

  /** Validates `options` (throws `ConfigError` with `LB_ERR_INVALID_OPTION`); starts nothing yet. */
  constructor(options: HybridProcessorOptions = {}) {
    this.options = resolveOptions(options);
    this.registry = new HandlerRegistry(this.options.maxCachedHandlers);
    this.pool = new ThreadPool(this.options);
  }

  /**
   * Starts `minThreads` threads and resolves when all are ready. Rejects with `LB_ERR_POOL_INIT_FAILED` (and
   * leaves the pool closed) when a thread cannot start, or `LB_ERR_POOL_CLOSED` when `destroy()` is called
   * first. Calling it again returns the same promise.
   */
  initialize(): Promise<void> {
    this.initPromise ??= this.start();
    return this.initPromise;
  }

  private async start(): Promise<void> {
    this.state = 'starting';
    try {
      await this.pool.start();
    } catch (error) {
      this.state = 'closed';
      await this.pool.terminate();
      const known =
        error instanceof LbError && ['LB_ERR_POOL_INIT_FAILED', 'LB_ERR_POOL_CLOSED'].includes(error.code);
      throw known
        ? error
        : new LbError('LB_ERR_POOL_INIT_FAILED', `The worker threads could not start: ${String(error)}`, {
            cause: error,
          });
    }
    if (this.state === 'starting') this.state = 'running';
    else await this.pool.terminate();
  }

  /**
   * Runs `handler(data)` in a thread and resolves with its (awaited) result. An inline handler can use only
   * its arguments, `helpers`, `context` and globals; a task module reference runs an export of a module.
   */
  processWork<T, D = unknown>(handler: TaskHandler<T, D>, data?: D, options?: InlineTaskOptions): Promise<T>;
  processWork<T, D = unknown>(handler: TaskModule, data?: D, options?: TaskOptions): Promise<T>;
  processWork<T>(
    handler: TaskHandler<T> | TaskModule,
    data?: unknown,
    options?: InlineTaskOptions,
  ): Promise<T> {
    if (this.state !== 'running') return Promise.reject(this.notAccepting());
    let def: Task['def'];
    try {
      def = this.registry.resolve(handler, options?.helpers, options?.context);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.pool.isFull()) {
      return Promise.reject(
        new LbError(
          'LB_ERR_QUEUE_FULL',
          `The task queue is full (maxQueue: ${this.options.maxQueue}); wait for tasks to finish, or raise maxQueue.`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const task = new Task(
        def,
        data,
        options?.transfer,
        options?.transferResult === true,
        resolve as (value: unknown) => void,
        reject,
        performance.now(),
      );
      if (options?.signal !== undefined || options?.timeout !== undefined) this.watch(task, options);
      if (task.state === TaskState.queued) this.pool.enqueue(task);
    });
  }

  private watch(task: Task, options: TaskOptions): void {
    const { signal, timeout } = options;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
      task.state = TaskState.done;
      task.reject(
        new LbError('LB_ERR_INVALID_OPTION', `timeout must be a number of milliseconds (got ${timeout}).`),
      );
      return;
    }
    if (signal !== undefined) {
      const aborted = () =>
        new LbError('LB_ERR_TASK_ABORTED', 'The task was aborted.', { cause: signal.reason });
      if (signal.aborted) {
        task.state = TaskState.done;
        task.reject(aborted());
        return;
      }
      task.signal = signal;
      task.onAbort = () => this.pool.cancel(task, aborted());
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    if (timeout !== undefined) {
      const expired = () =>
        new LbError('LB_ERR_TASK_TIMEOUT', `The task did not finish within ${timeout} ms.`);
      task.timer = setTimeout(() => this.pool.cancel(task, expired()), timeout);
      task.timer.unref();
    }
  }

  private notAccepting(): LbError {
    if (this.state === 'new' || this.state === 'starting') {
      return new LbError('LB_ERR_NOT_STARTED', 'Call and await initialize() before processWork().');
    }
    return new LbError('LB_ERR_POOL_CLOSED', 'The pool is closed; create a new HybridProcessor.');
  }

  /**
   * Stops accepting tasks at once (new ones reject with `LB_ERR_POOL_CLOSED`), finishes every task accepted
   * before the call, then ends the threads. `{ force: true }` is {@link HybridProcessor.destroy}.
   */
  close(options?: CloseOptions): Promise<void> {
    if (options?.force === true) return this.destroy();
    this.closePromise ??= this.finish();
    return this.closePromise;
  }

  private async finish(): Promise<void> {
    // Set before the first await so that a processWork() in the same tick is already refused.
    const wasRunning = this.state === 'running' || this.state === 'starting';
    this.state = 'closing';
    if (this.initPromise !== undefined) await this.initPromise.catch(() => {});
    if (wasRunning && this.pool.open) await this.pool.drain();
    this.state = 'closed';
    await this.pool.terminate();
  }

  /** Ends the threads now; queued and running tasks are rejected with `LB_ERR_POOL_CLOSED`. */
  async destroy(): Promise<void> {
    this.state = 'closed';
    await this.pool.terminate(
      new LbError('LB_ERR_POOL_CLOSED', 'The pool was destroyed before the task finished.'),
    );
  }

  /** Counters, wait-time and run-time histograms (ms) and utilization. */
  stats(): HybridProcessorStats {
    const now = performance.now();
    let running = 0;
    let liveMs = 0;
    for (const slot of this.pool.all) {
      running += slot.inflight.size;
      liveMs += now - slot.bornAt;
    }
    const stats = this.pool.stats;
    return {
      threads: this.pool.all.size,
      completed: stats.completed,
      failed: stats.failed,
      queued: this.pool.queued,
      running,
      waitTime: stats.wait.summary(),
      runTime: stats.run.summary(),
      utilization: stats.utilization(liveMs),
    };
  }

  /** `await using processor = …` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
