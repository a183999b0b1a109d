import { LbError } from '@lb/core';
import type { ResolvedOptions } from './hybridProcessorOptions.js';
import { PoolStats } from './poolStats.js';
import { RingQueue } from './ringQueue.js';
import { settleResults } from './settleResults.js';
import { type Task, TaskState } from './task.js';
import { type SlotEvents, ThreadSlot } from './threadSlot.js';
import { rejectedFlags, withoutFlags } from './workerExecArgv.js';
import { workerFile } from './workerFile.js';

// A thread that dies before it is ready this many times in a row stops the pool from respawning.
const maxStartupFailures = 3;
// Aim for about this many milliseconds of work queued in each thread: enough to hide the round trip.
const windowTargetMs = 4;

/**
 * The engine behind `HybridProcessor`: a ring-buffer queue, the threads, and the dispatch loop that sends each
 * thread a window of tasks sized from the measured run time. Threads that crash are replaced; tasks they had not
 * started go back to the front of the queue.
 */
export class ThreadPool {
  readonly queue = new RingQueue<Task>();
  readonly stats = new PoolStats();
  /** Threads that take tasks (not retiring). */
  readonly slots: ThreadSlot[] = [];
  /** Every thread not yet exited. */
  readonly all = new Set<ThreadSlot>();
  /** Live tasks in `queue` (it also holds cancelled ones until they reach the front). */
  queued = 0;
  open = false;
  private readonly events: SlotEvents;
  private startupFailures = 0;
  /** The user's `execArgv` less the flags a thread refused, learned on the first spawn. */
  private execArgv: string[] | undefined;
  private pumpScheduled = false;
  private initReady: (() => void) | undefined;
  private initFailed: ((error: unknown) => void) | undefined;
  private drained: (() => void) | undefined;
  private readonly pumpNow = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };

  constructor(private readonly options: ResolvedOptions) {
    this.execArgv = options.execArgv;
    this.events = {
      onReady: (slot) => this.onReady(slot),
      onResults: (slot, results) => this.onResults(slot, results),
      onExit: (slot, code) => this.onExit(slot, code),
      onUnsendable: (task, error) => this.onUnsendable(task, error),
    };
  }

  /** Starts `minThreads` threads; rejects with the first startup failure. */
  async start(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.initReady = resolve;
        this.initFailed = reject;
        for (let i = 0; i < this.options.minThreads; i++) this.spawn();
        this.checkInitReady();
      });
    } finally {
      this.initReady = undefined;
      this.initFailed = undefined;
    }
    this.open = true;
    this.pump();
  }

  private checkInitReady(): void {
    if (this.initReady !== undefined && this.slots.every((slot) => slot.ready)) this.initReady();
  }

  /** Queues a task; dispatch happens once per microtask so a burst of submissions goes out in batches. */
  enqueue(task: Task): void {
    this.queue.push(task);
    this.queued++;
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(this.pumpNow);
    }
  }

  /** True when `maxQueue` tasks already wait beyond what the threads can take now. */
  isFull(): boolean {
    const max = this.options.maxQueue;
    return this.queued >= max && this.queued - this.freeCapacity() >= max;
  }

  /** Drops a queued task; stops a running one by replacing its thread. */
  cancel(task: Task, error: LbError): void {
    if (task.state === TaskState.done) return;
    const wasQueued = task.state === TaskState.queued;
    this.fail(task, error);
    if (wasQueued) {
      this.queued--;
      this.checkDrained();
      return;
    }
    const slot = task.slot instanceof ThreadSlot ? task.slot : undefined;
    if (slot === undefined) return;
    slot.inflight.delete(task.seq);
    slot.cancel(task.seq);
    if (slot.running === task.seq) this.retire(slot);
    this.pump();
  }

  /** Settles a task as failed. */
  fail(task: Task, error: unknown): void {
    if (task.state === TaskState.done) return;
    task.release();
    this.stats.failed++;
    task.reject(error);
  }

  /** Fails every queued task. */
  failQueued(error: LbError): void {
    for (const task of this.queue.drain()) {
      if (task.state !== TaskState.queued) continue;
      this.queued--;
      this.fail(task, error);
    }
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
    const average = this.stats.averageRun;
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
      const task = this.queue.shift()!;
      if (task.state !== TaskState.queued) continue;
      this.queued--;
      if (best.idleTimer !== undefined) {
        clearTimeout(best.idleTimer);
        best.idleTimer = undefined;
      }
      best.add(task, chunk);
    }
    for (const slot of slots) slot.flush();
    if (this.queued > 0) this.ensureThreads();
  }

  private spawn(): ThreadSlot {
    const slot = this.newSlot(workerFile());
    this.slots.push(slot);
    this.all.add(slot);
    return slot;
  }

  /** A new thread; flags it refuses are dropped from `execArgv` (with one warning) and it is tried again. */
  private newSlot(file: URL): ThreadSlot {
    for (;;) {
      try {
        return new ThreadSlot(file, this.execArgv, this.options, this.events);
      } catch (error) {
        const rejected = rejectedFlags(error);
        const argv = this.execArgv;
        if (rejected === undefined || argv === undefined) throw error;
        const kept = withoutFlags(argv, rejected);
        if (kept.length === argv.length) throw error;
        this.execArgv = kept;
        process.emitWarning(
          `HybridProcessor: worker threads do not accept ${rejected.join(', ')}; starting them without.`,
          { code: 'LB_EXEC_ARGV_DROPPED' },
        );
      }
    }
  }

  /** Keeps `minThreads` alive, and adds a thread while tasks wait and there is room. */
  private ensureThreads(): void {
    if (!this.open || this.startupFailures >= maxStartupFailures) return;
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

  private onUnsendable(task: Task, error: unknown): void {
    const message = `The task's data cannot be copied to a thread: ${String(error)}`;
    this.fail(task, new LbError('LB_ERR_NOT_CLONEABLE', message, { cause: error }));
    this.checkDrained();
  }

  private onReady(slot: ThreadSlot): void {
    this.startupFailures = 0;
    slot.updateRef();
    this.checkInitReady();
    this.pump();
    this.scheduleIdle(slot);
  }

  private onResults(slot: ThreadSlot, results: unknown[]): void {
    settleResults(slot.inflight, results, this.stats);
    slot.updateRef();
    if (this.queued > 0) this.pump();
    if (slot.inflight.size === 0) {
      this.scheduleIdle(slot);
      this.checkDrained();
    }
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
    this.stats.deadThreadMs += performance.now() - slot.bornAt;
    const reason = slot.crashError ?? new Error(`The worker thread exited with code ${code}.`);
    const crashed = new LbError(
      'LB_ERR_WORKER_CRASHED',
      `The worker thread running this task died: ${reason.message}`,
      {
        cause: reason,
      },
    );
    // Tasks the thread never started are safe to run elsewhere; the others may have had side effects.
    const started = slot.started;
    const requeue = [...slot.inflight.values()].filter((task) => task.seq > started);
    for (const task of slot.inflight.values()) if (task.seq <= started) this.fail(task, crashed);
    slot.inflight.clear();
    for (let i = requeue.length - 1; i >= 0; i--) {
      const task = requeue[i]!;
      task.state = TaskState.queued;
      task.slot = undefined;
      this.queue.unshift(task);
      this.queued++;
    }
    if (!slot.ready && !slot.retiring) this.onStartupFailure(reason);
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

  private checkDrained(): void {
    if (this.drained === undefined || this.queued > 0) return;
    for (const slot of this.slots) if (slot.inflight.size > 0) return;
    this.drained();
  }

  /** Resolves once no task is queued or running. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
  }

  /** Ends every thread; `error` fails the tasks still pending. */
  async terminate(error?: LbError): Promise<void> {
    this.open = false;
    this.drained = undefined;
    if (error !== undefined) {
      this.failQueued(error);
      for (const slot of this.all) for (const task of slot.inflight.values()) this.fail(task, error);
    }
    await Promise.all([...this.all].map((slot) => slot.terminate()));
  }
}
