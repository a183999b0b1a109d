import { LbError } from '@lb/core';
import { deserializeError, type SerializedError } from './errorTransport.js';
import { HandlerRegistry, type TaskModule } from './handlerRegistry.js';
import { scopeError } from './handlerSource.js';
import {
  type HybridProcessorOptions,
  type InlineTaskOptions,
  type ResolvedOptions,
  resolveOptions,
  type TaskOptions,
} from './hybridProcessorOptions.js';
import { type HybridProcessorStats, PoolStats } from './poolStats.js';
import { Status } from './protocol.js';
import { RingQueue } from './ringQueue.js';
import { Task, TaskState } from './task.js';
import { type SlotEvents, ThreadSlot } from './threadSlot.js';
import { workerFile } from './workerFile.js';

/** A function run in a worker thread. It sees only its arguments, `helpers`, `context` and globals. */
export type TaskHandler<T, D = unknown> = (
  data: D,
  context: Readonly<Record<string, unknown>>,
) => T | PromiseLike<T>;

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

// A thread that dies before it is ready this many times in a row stops the pool from respawning.
const maxStartupFailures = 3;
// Aim for about this many milliseconds of work queued in each thread: enough to hide the round trip.
const windowTargetMs = 4;

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
  private readonly registry = new HandlerRegistry();
  private readonly queue = new RingQueue<Task>();
  private readonly statsData = new PoolStats();
  private readonly slots: ThreadSlot[] = [];
  private readonly all = new Set<ThreadSlot>();
  private readonly events: SlotEvents;
  private state: State = 'new';
  private queued = 0;
  private startupFailures = 0;
  private flushScheduled = false;
  private initPromise: Promise<void> | undefined;
  private initReady: (() => void) | undefined;
  private initFailed: ((error: unknown) => void) | undefined;
  private drained: (() => void) | undefined;
  private readonly pumpNow = (): void => {
    this.flushScheduled = false;
    this.pump();
  };

  constructor(options: HybridProcessorOptions = {}) {
    this.options = resolveOptions(options);
    this.events = {
      onReady: (slot) => this.onReady(slot),
      onResults: (slot, results) => this.onResults(slot, results),
      onError: () => {},
      onExit: (slot, code) => this.onExit(slot, code),
    };
  }

  /** Starts `minThreads` threads and resolves when all are ready; rejects with `LB_ERR_POOL_INIT_FAILED`. */
  initialize(): Promise<void> {
    this.initPromise ??= this.start();
    return this.initPromise;
  }

  private async start(): Promise<void> {
    this.state = 'starting';
    try {
      await new Promise<void>((resolve, reject) => {
        this.initReady = resolve;
        this.initFailed = reject;
        for (let i = 0; i < this.options.minThreads; i++) this.spawn();
        this.checkInitReady();
      });
    } catch (error) {
      this.state = 'closed';
      await Promise.all([...this.all].map((slot) => slot.terminate()));
      throw error instanceof LbError && error.code === 'LB_ERR_POOL_INIT_FAILED'
        ? error
        : new LbError('LB_ERR_POOL_INIT_FAILED', `The worker threads could not start: ${String(error)}`, {
            cause: error,
          });
    } finally {
      this.initReady = undefined;
      this.initFailed = undefined;
    }
    this.state = 'running';
    this.pump();
  }

  private checkInitReady(): void {
    if (this.initReady !== undefined && this.slots.every((slot) => slot.ready)) this.initReady();
  }

  /**
   * Runs `handler(data)` in a thread. An inline handler can use only `helpers`, `context` and globals; a task
   * module reference runs an export of a module.
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
    if (this.queued >= this.options.maxQueue && this.queued - this.freeCapacity() >= this.options.maxQueue) {
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
        resolve as (value: unknown) => void,
        reject,
        performance.now(),
      );
      if (options?.signal !== undefined || options?.timeout !== undefined) this.watch(task, options);
      if (task.state !== TaskState.queued) return;
      this.queue.push(task);
      this.queued++;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.pumpNow);
      }
    });
  }

  private watch(task: Task, options: TaskOptions): void {
    const { signal, timeout } = options;
    if (signal !== undefined) {
      if (signal.aborted) {
        task.state = TaskState.done;
        task.reject(this.abortError(signal));
        return;
      }
      task.signal = signal;
      task.onAbort = () => this.cancel(task, this.abortError(signal));
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    if (timeout !== undefined) {
      if (typeof timeout !== 'number' || !(timeout >= 0)) {
        task.state = TaskState.done;
        task.reject(
          new LbError('LB_ERR_INVALID_OPTION', `timeout must be a number of milliseconds (got ${timeout}).`),
        );
        return;
      }
      task.timer = setTimeout(
        () =>
          this.cancel(
            task,
            new LbError('LB_ERR_TASK_TIMEOUT', `The task did not finish within ${timeout} ms.`),
          ),
        timeout,
      );
      task.timer.unref();
    }
  }

  private abortError(signal: AbortSignal): LbError {
    return new LbError('LB_ERR_TASK_ABORTED', 'The task was aborted.', { cause: signal.reason });
  }

  /** Drops a queued task; stops a running one by replacing its thread. */
  private cancel(task: Task, error: LbError): void {
    if (task.state === TaskState.done) return;
    const wasQueued = task.state === TaskState.queued;
    task.release();
    this.statsData.failed++;
    task.reject(error);
    if (wasQueued) {
      this.queued--;
      this.checkDrained();
      return;
    }
    const slot = this.slotOf(task);
    if (slot === undefined) return;
    slot.inflight.delete(task.seq);
    slot.cancel(task.seq);
    if (slot.running === task.seq) this.retire(slot);
    this.pump();
  }

  private slotOf(task: Task): ThreadSlot | undefined {
    return task.slot instanceof ThreadSlot ? task.slot : undefined;
  }

  private retire(slot: ThreadSlot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.terminate();
    this.ensureThreads();
  }

  private freeCapacity(): number {
    const window = this.window();
    let free = 0;
    for (const slot of this.slots) if (slot.ready) free += Math.max(0, window - slot.inflight.size);
    return free;
  }

  private window(): number {
    const average = this.statsData.averageRun;
    const max = this.options.maxTasksPerThread;
    if (average === undefined) return Math.min(2, max);
    return Math.min(max, Math.max(2, Math.ceil(windowTargetMs / Math.max(average, 0.001))));
  }

  /** Hands queued tasks to the least-loaded ready threads, several per message. */
  private pump(): void {
    if (this.queued === 0) return;
    const window = this.window();
    const chunk = Math.max(1, Math.ceil(window / 2));
    const slots = this.slots;
    let task: Task | undefined;
    while (this.queue.length > 0) {
      let best: ThreadSlot | undefined;
      let load = window;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (slot.ready && slot.inflight.size < load) {
          best = slot;
          load = slot.inflight.size;
        }
      }
      if (best === undefined) break;
      task = this.queue.shift()!;
      if (task.state !== TaskState.queued) continue;
      this.queued--;
      if (best.idleTimer !== undefined) {
        clearTimeout(best.idleTimer);
        best.idleTimer = undefined;
      }
      best.add(task, chunk);
    }
    for (const slot of slots) {
      for (const [failed, error] of slot.flush()) this.fail(failed, error);
    }
    if (this.queued > 0) this.ensureThreads();
  }

  private fail(task: Task, error: unknown): void {
    if (task.state === TaskState.done) return;
    task.release();
    this.statsData.failed++;
    task.reject(error);
  }

  private spawn(): ThreadSlot {
    const slot = new ThreadSlot(workerFile(), this.options, this.events);
    this.slots.push(slot);
    this.all.add(slot);
    return slot;
  }

  /** Keeps `minThreads` alive, and adds a thread while tasks wait and there is room. */
  private ensureThreads(): void {
    if (this.state !== 'running' && this.state !== 'closing') return;
    if (this.startupFailures >= maxStartupFailures) return;
    const starting = this.slots.some((slot) => !slot.ready);
    const wanted =
      this.slots.length < this.options.minThreads ||
      (this.queued > 0 && !starting && this.slots.length < this.options.maxThreads);
    if (!wanted) return;
    try {
      this.spawn();
    } catch (error) {
      this.startupFailures = maxStartupFailures;
      this.failQueued(
        new LbError('LB_ERR_POOL_INIT_FAILED', 'A worker thread could not start.', { cause: error }),
      );
    }
  }

  private onReady(slot: ThreadSlot): void {
    this.startupFailures = 0;
    slot.updateRef();
    if (this.state === 'starting') this.checkInitReady();
    else this.pump();
    this.scheduleIdle(slot);
  }

  private onResults(slot: ThreadSlot, results: unknown[]): void {
    const now = performance.now();
    const stats = this.statsData;
    for (let i = 0; i < results.length; i += 4) {
      const task = slot.inflight.get(results[i] as number);
      if (task === undefined) continue;
      slot.inflight.delete(task.seq);
      const status = results[i + 1];
      const runMs = results[i + 3] as number;
      if (task.timer !== undefined || task.onAbort !== undefined) task.release();
      else task.state = TaskState.done;
      if (status === Status.ok) {
        stats.completed++;
        stats.recordRun(now - task.submitted - runMs, runMs);
        task.resolve(results[i + 2]);
      } else if (status === Status.error) {
        stats.failed++;
        stats.recordRun(now - task.submitted - runMs, runMs);
        task.reject(this.rebuildError(task, results[i + 2] as SerializedError));
      }
    }
    slot.updateRef();
    if (this.queued > 0) this.pump();
    if (slot.inflight.size === 0) {
      this.scheduleIdle(slot);
      this.checkDrained();
    }
  }

  private rebuildError(task: Task, data: SerializedError): Error {
    const error = deserializeError(data);
    if (data.poolCode !== undefined) {
      return new LbError(data.poolCode as LbError['code'], error.message, { cause: error.cause ?? error });
    }
    return (task.def.kind === 'inline' ? scopeError(error) : undefined) ?? error;
  }

  /** A thread above `minThreads` that stays idle for `idleTimeout` exits. */
  private scheduleIdle(slot: ThreadSlot): void {
    if (this.slots.length <= this.options.minThreads || slot.idleTimer !== undefined) return;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.inflight.size === 0 && this.slots.length > this.options.minThreads) this.retire(slot);
    }, this.options.idleTimeout);
    slot.idleTimer.unref();
  }

  private onExit(slot: ThreadSlot, code: number): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    this.all.delete(slot);
    this.statsData.deadThreadMs += performance.now() - slot.bornAt;
    const started = slot.started;
    const requeue: Task[] = [];
    const reason = slot.crashError ?? new Error(`The worker thread exited with code ${code}.`);
    for (const task of slot.inflight.values()) {
      if (task.seq > started) requeue.push(task);
      else
        this.fail(
          task,
          new LbError(
            'LB_ERR_WORKER_CRASHED',
            `The worker thread running this task died: ${reason.message}`,
            {
              cause: reason,
            },
          ),
        );
    }
    slot.inflight.clear();
    for (let i = requeue.length - 1; i >= 0; i--) {
      const task = requeue[i]!;
      task.state = TaskState.queued;
      task.slot = undefined;
      this.queue.unshift(task);
      this.queued++;
    }
    if (!slot.ready && !slot.retiring) this.onStartupFailure(reason);
    if (this.state === 'closed') return;
    this.ensureThreads();
    this.pump();
    this.checkDrained();
  }

  private onStartupFailure(reason: Error): void {
    this.startupFailures++;
    const error = new LbError(
      'LB_ERR_POOL_INIT_FAILED',
      `A worker thread failed to start: ${reason.message}`,
      {
        cause: reason,
      },
    );
    if (this.initFailed !== undefined) this.initFailed(error);
    else if (this.startupFailures >= maxStartupFailures) this.failQueued(error);
  }

  private failQueued(error: LbError): void {
    for (const task of this.queue.drain()) {
      if (task.state !== TaskState.queued) continue;
      this.queued--;
      this.fail(task, error);
    }
  }

  private notAccepting(): LbError {
    if (this.state === 'new' || this.state === 'starting') {
      return new LbError('LB_ERR_NOT_STARTED', 'Call and await initialize() before processWork().');
    }
    return new LbError('LB_ERR_POOL_CLOSED', 'The pool is closed; create a new HybridProcessor.');
  }

  private checkDrained(): void {
    if (this.drained === undefined || this.queued > 0) return;
    for (const slot of this.slots) if (slot.inflight.size > 0) return;
    this.drained();
  }

  /** Finishes queued and running tasks, then ends the threads. New tasks are rejected with `LB_ERR_POOL_CLOSED`. */
  async close(): Promise<void> {
    if (this.state === 'new') this.state = 'closed';
    if (this.initPromise !== undefined) await this.initPromise.catch(() => {});
    if (this.state !== 'running') return this.finish();
    this.state = 'closing';
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
    return this.finish();
  }

  /** Ends the threads now; queued and running tasks are rejected with `LB_ERR_POOL_CLOSED`. */
  async destroy(): Promise<void> {
    this.state = 'closed';
    const error = new LbError('LB_ERR_POOL_CLOSED', 'The pool was destroyed before the task finished.');
    this.failQueued(error);
    for (const slot of this.all) for (const task of slot.inflight.values()) this.fail(task, error);
    return this.finish();
  }

  private async finish(): Promise<void> {
    this.state = 'closed';
    this.drained = undefined;
    await Promise.all([...this.all].map((slot) => slot.terminate()));
  }

  /** Counters, wait-time and run-time histograms (ms) and utilization. */
  stats(): HybridProcessorStats {
    const now = performance.now();
    let running = 0;
    let liveMs = 0;
    for (const slot of this.all) {
      running += slot.inflight.size;
      liveMs += now - slot.bornAt;
    }
    return {
      threads: this.all.size,
      completed: this.statsData.completed,
      failed: this.statsData.failed,
      queued: this.queued,
      running,
      waitTime: this.statsData.wait.summary(),
      runTime: this.statsData.run.summary(),
      utilization: this.statsData.utilization(liveMs),
    };
  }

  /** `await using processor = …` closes the pool at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
