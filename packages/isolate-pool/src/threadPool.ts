import { LbError } from '@lb/core';
import type { ResolvedOptions } from './hybridProcessorOptions.js';
import { PoolStats } from './poolStats.js';
import { RingQueue } from './ringQueue.js';
import { settleResults } from './settleResults.js';
import { spawnThread } from './spawnThread.js';
import { stuckThreads } from './stuckThreads.js';
import { type Task, TaskState } from './task.js';
import { deathError } from './threadDeath.js';
import { type SlotEvents, ThreadSlot } from './threadSlot.js';
import { workerFile } from './workerFile.js';

// A thread that dies before it is ready this many times in a row stops the pool from respawning.
const maxStartupFailures = 3;
// Aim for about this many milliseconds of work queued in each thread: enough to hide the round trip.
const windowTargetMs = 4;
// How long an aborted task seen running synchronously gets to return before its thread is replaced.
const abortGraceMs = 50;

/**
 * The engine behind `HybridProcessor`: a ring-buffer queue, the threads, and the dispatch loop that sends each
 * thread a window of tasks sized from the measured run time. An idle thread takes over the unstarted tasks of a
 * busy one. Threads that crash are replaced; tasks they had not started go back to the front of the queue.
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
  private readonly stuckTaskTimeout: number;
  private stuckTimer: NodeJS.Timeout | undefined;
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
    this.stuckTaskTimeout = options.stuckTaskTimeout;
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
    if (this.stuckTaskTimeout < Number.POSITIVE_INFINITY) {
      const every = Math.min(1000, Math.max(10, this.stuckTaskTimeout / 4));
      this.stuckTimer = setInterval(() => this.replaceStuckThreads(), every);
      this.stuckTimer.unref();
    }
    this.pump();
  }

  /**
   * Fails a task whose synchronous part has held its thread for `stuckTaskTimeout` and replaces the thread:
   * only an endless loop's own task (and async tasks in progress on that thread) are lost.
   */
  private replaceStuckThreads(): void {
    // Recycling threads still run tasks, so they are watched too; retiring ones are already on their way out.
    const live = [...this.all].filter((slot) => !slot.retiring);
    for (const [slot, seq] of stuckThreads(live, performance.now(), this.stuckTaskTimeout)) {
      const task = slot.inflight.get(seq);
      if (task !== undefined) {
        slot.inflight.delete(seq);
        const message = `The task ran for more than stuckTaskTimeout (${this.stuckTaskTimeout} ms) without returning to the event loop; its thread was replaced.`;
        this.fail(task, new LbError('LB_ERR_TASK_TIMEOUT', message));
      }
      this.retire(slot);
    }
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

  /**
   * Drops a queued task, or one sent ahead that the thread has not started. A started task is told through its
   * handler's `signal`; one that keeps the thread busy and never yields is stopped by replacing the thread.
   */
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
    if (!slot.reclaim(task.seq)) {
      slot.abort(task.seq, error.code === 'LB_ERR_TASK_TIMEOUT' ? 'TimeoutError' : 'AbortError');
      if (slot.running === task.seq) this.stopIfStillRunning(slot, task.seq);
    }
    slot.updateRef();
    this.pump();
    this.checkDrained();
  }

  /**
   * A task seen on the thread's stack may be about to return (its signal then reaches it); one still there
   * after `abortGraceMs` never yields, and only replacing the thread stops it.
   */
  private stopIfStillRunning(slot: ThreadSlot, seq: number): void {
    const timer = setTimeout(() => {
      if (slot.running === seq && !slot.retiring) this.retire(slot);
    }, abortGraceMs);
    timer.unref();
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

  /**
   * Sends no more tasks to a thread that has compiled `maxCachedHandlers` handlers and is asked for another (a
   * live thread cannot unload them), starts its replacement, and ends it once its tasks are done.
   */
  private recycle(slot: ThreadSlot): void {
    slot.flush();
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.recycling = true;
    this.ensureThreads();
    if (slot.inflight.size === 0) void slot.terminate();
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
        if (slot.inflight.size < load && slot.canTake(window)) {
          best = slot;
          load = slot.inflight.size;
        }
      }
      if (best === undefined) break;
      const task = this.queue.shift()!;
      if (task.state !== TaskState.queued) continue;
      if (best.defined.size >= this.options.maxCachedHandlers && !best.defined.has(task.def.id)) {
        this.recycle(best);
        this.queue.unshift(task);
        continue;
      }
      this.queued--;
      if (best.idleTimer !== undefined) {
        clearTimeout(best.idleTimer);
        best.idleTimer = undefined;
      }
      if (task.stoppable) best.eager = true;
      best.add(task, chunk);
    }
    for (const slot of slots) slot.flush();
    if (this.queued > 0) this.ensureThreads();
  }

  /**
   * An idle thread takes back half of the unstarted tasks of the thread with the most in flight (newest
   * first), so nothing waits behind a long or stuck task while a thread is free.
   */
  private steal(): void {
    let victim: ThreadSlot | undefined;
    let most = 1;
    for (const slot of this.slots) {
      if (slot.inflight.size > most) {
        victim = slot;
        most = slot.inflight.size;
      }
    }
    if (victim === undefined) return;
    const tasks = [...victim.inflight.values()];
    const taken: Task[] = [];
    for (let i = tasks.length - 1; i >= 0 && taken.length < tasks.length >> 1; i--) {
      const task = tasks[i]!;
      // Its transferred buffers are in the other thread's message queue now: it cannot be sent again.
      if (task.transfer !== undefined && task.transfer.length > 0) continue;
      // Threads start tasks in order, so once one has started the older ones have too.
      if (!victim.reclaim(task.seq)) break;
      victim.inflight.delete(task.seq);
      taken.push(task);
    }
    this.requeue(taken);
    victim.updateRef();
  }

  /** Puts tasks that never started back at the front of the queue; `tasks` is newest first. */
  private requeue(tasks: Task[]): void {
    for (const task of tasks) {
      task.state = TaskState.queued;
      task.slot = undefined;
      this.queue.unshift(task);
      this.queued++;
    }
  }

  private spawn(): ThreadSlot {
    const [slot, execArgv] = spawnThread(workerFile(), this.execArgv, this.options, this.events);
    this.execArgv = execArgv;
    this.slots.push(slot);
    this.all.add(slot);
    return slot;
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
    if (this.stuckTaskTimeout < Number.POSITIVE_INFINITY) slot.eager = true;
    slot.updateRef();
    this.checkInitReady();
    if (this.queued === 0) this.steal();
    this.pump();
    this.scheduleIdle(slot);
  }

  private onResults(slot: ThreadSlot, results: unknown[]): void {
    settleResults(slot.inflight, results, this.stats);
    if (slot.inflight.size === 0) {
      if (this.stuckTaskTimeout === Number.POSITIVE_INFINITY) slot.eager = false;
      if (this.queued === 0) this.steal();
    }
    if (this.queued > 0) this.pump();
    slot.updateRef();
    if (slot.inflight.size === 0) {
      if (slot.recycling) void slot.terminate();
      else this.scheduleIdle(slot);
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
    const unstarted: Task[] = [];
    for (const task of slot.inflight.values()) {
      const started = !slot.reclaim(task.seq);
      const error = deathError(task, { started, finished: started && slot.finished(task.seq) }, reason);
      if (error === undefined) unstarted.unshift(task);
      else this.fail(task, error);
    }
    slot.inflight.clear();
    this.requeue(unstarted);
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
    for (const slot of this.all) if (slot.inflight.size > 0) return;
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
    // Threads still starting will not become ready: settle start() instead of leaving it pending forever.
    this.initFailed?.(error ?? new LbError('LB_ERR_POOL_CLOSED', 'The pool was closed before it started.'));
    clearInterval(this.stuckTimer);
    this.drained = undefined;
    if (error !== undefined) {
      this.failQueued(error);
      for (const slot of this.all) for (const task of slot.inflight.values()) this.fail(task, error);
    }
    await Promise.all([...this.all].map((slot) => slot.terminate()));
  }
}
