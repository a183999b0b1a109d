import { type TransferListItem, Worker } from 'node:worker_threads';
import type { ResolvedOptions } from './hybridProcessorOptions.js';
import {
  abortMessage,
  type Definition,
  ringMask,
  ringSize,
  SharedField,
  sharedBytes,
  type WorkerSetup,
} from './protocol.js';
import type { Task } from './task.js';
import { TaskState } from './task.js';

/** What a slot reports to its pool. */
export interface SlotEvents {
  onReady(slot: ThreadSlot): void;
  onResults(slot: ThreadSlot, results: unknown[]): void;
  onExit(slot: ThreadSlot, code: number): void;
  /** A task whose data or transfer list `postMessage` refused; it was never sent. */
  onUnsendable(task: Task, error: unknown): void;
}

/**
 * One worker thread and the tasks sent to it. Tasks are buffered in an outbox and posted in chunks, several per
 * message; a shared `Int32Array` (see `SharedField`) says which tasks the thread started and finished, and lets
 * the pool cancel or take back unstarted tasks without a message.
 */
export class ThreadSlot {
  readonly worker: Worker;
  readonly inflight = new Map<number, Task>();
  readonly bornAt = performance.now();
  ready = false;
  /** True once the pool asked this thread to end: it takes no more tasks. */
  retiring = false;
  /** True once the thread has compiled too many handlers: it finishes its tasks, takes no more, then ends. */
  recycling = false;
  crashError: Error | undefined = undefined;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  /** Stuck-task detection: the running seq seen last, and since when. */
  watchedSeq = -1;
  watchedSince = 0;
  readonly exited: Promise<void>;
  private readonly shared: Int32Array;
  /** Ids of the handler definitions sent to this thread, which it keeps compiled. */
  readonly defined = new Set<number>();
  private nextSeq = 1;
  /** A lower bound of the oldest seq in flight (exact after `hasSeqRoom` recomputes it). */
  private oldestSeq = 1;
  private referenced = true;
  private outbox: unknown[] = [null];
  private outTasks: Task[] = [];
  private outTransfer: TransferListItem[] = [];

  /** Throws what `new Worker()` throws (an `execArgv` a thread refuses, for one). */
  constructor(
    file: URL,
    execArgv: string[] | undefined,
    options: ResolvedOptions,
    private readonly events: SlotEvents,
  ) {
    const buffer = new SharedArrayBuffer(sharedBytes);
    this.shared = new Int32Array(buffer);
    Atomics.store(this.shared, SharedField.running, -1);
    const setup: WorkerSetup = { shared: buffer };
    this.worker = new Worker(file, {
      workerData: setup,
      // Only when given: an explicit list, even process.execArgv itself, fails on flags a thread refuses.
      ...(execArgv === undefined ? {} : { execArgv }),
      resourceLimits: options.resourceLimits,
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (message: unknown) => {
      if (message === 'ready') {
        this.ready = true;
        events.onReady(this);
      } else {
        events.onResults(this, message as unknown[]);
      }
    });
    this.worker.on('error', (error: Error) => {
      this.crashError ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code: number) => {
        if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
        events.onExit(this, code);
        resolve();
      });
    });
  }

  /** Seq of the task whose synchronous part the thread is running now, or -1. */
  get running(): number {
    return Atomics.load(this.shared, SharedField.running);
  }

  /** Whether the thread posts held results before each task, because the pool may terminate it. */
  set eager(on: boolean) {
    Atomics.store(this.shared, SharedField.eager, on ? 1 : 0);
  }

  /** Room for one more task: below `window`, and its seq would not reuse the ring slot of a task in flight. */
  canTake(window: number): boolean {
    if (!this.ready || this.inflight.size >= window) return false;
    if (this.nextSeq - this.oldestSeq < ringSize) return true;
    if (this.inflight.size === 0) return true;
    this.oldestSeq = this.inflight.keys().next().value as number;
    return this.nextSeq - this.oldestSeq < ringSize;
  }

  /** Buffers a task for this thread, posting a chunk once `chunkSize` tasks are waiting. */
  add(task: Task, chunkSize: number): void {
    const seq = this.nextSeq++;
    if (this.inflight.size === 0) this.oldestSeq = seq;
    task.seq = seq;
    task.slot = this;
    task.state = TaskState.sent;
    this.inflight.set(seq, task);
    const def = task.def;
    if (!this.defined.has(def.id)) {
      this.defined.add(def.id);
      const defs = this.outbox[0] as Definition[] | null;
      if (defs === null) this.outbox[0] = [def];
      else defs.push(def);
    }
    this.outbox.push(seq, def.id, task.data, task.transferResult);
    this.outTasks.push(task);
    if (task.transfer !== undefined) for (const item of task.transfer) this.outTransfer.push(item);
    if (this.outTasks.length >= chunkSize) this.flush();
  }

  /** Posts buffered tasks; a task that cannot be sent is reported through `onUnsendable`. */
  flush(): void {
    if (this.outTasks.length === 0) return;
    const message = this.outbox;
    const tasks = this.outTasks;
    const transfer = this.outTransfer;
    this.outbox = [null];
    this.outTasks = [];
    this.outTransfer = [];
    this.updateRef();
    try {
      this.worker.postMessage(message, transfer);
    } catch {
      // Nothing was sent (cloning fails before anything moves): send the tasks one by one so only the one that
      // cannot be cloned fails.
      this.sendOneByOne(message[0] as Definition[] | null, tasks);
    }
  }

  private sendOneByOne(defs: Definition[] | null, tasks: Task[]): void {
    if (defs !== null) this.worker.postMessage([defs]);
    for (const task of tasks) {
      try {
        this.worker.postMessage(
          [null, task.seq, task.def.id, task.data, task.transferResult],
          task.transfer ?? [],
        );
      } catch (error) {
        this.inflight.delete(task.seq);
        this.events.onUnsendable(task, error);
      }
    }
    this.updateRef();
  }

  /**
   * Cancels or takes back `seq` if the thread has not started it; returns false, changing nothing, if it has.
   * After the thread has died it tells exactly which tasks never ran.
   */
  reclaim(seq: number): boolean {
    const cell = SharedField.claimBase + (seq & ringMask);
    if (Atomics.exchange(this.shared, cell, seq) !== -seq) return true;
    // The thread claimed it first and never looks at this cell again for this seq: put its mark back.
    Atomics.store(this.shared, cell, -seq);
    return false;
  }

  /** Whether the thread finished `seq` (its result may not have been posted yet). */
  finished(seq: number): boolean {
    return Atomics.load(this.shared, SharedField.doneBase + (seq & ringMask)) === seq;
  }

  /** Aborts the `signal` the handler of started task `seq` was given. */
  abort(seq: number, reason: 'AbortError' | 'TimeoutError'): void {
    this.worker.postMessage([abortMessage, seq, reason]);
  }

  /** Keeps the process alive while the thread starts or has work; an idle thread does not hold it open. */
  updateRef(): void {
    const want = !this.ready || this.inflight.size > 0;
    if (want === this.referenced) return;
    this.referenced = want;
    if (want) this.worker.ref();
    else this.worker.unref();
  }

  /** Ends the thread now; `exited` settles when it is gone. */
  terminate(): Promise<void> {
    this.retiring = true;
    void this.worker.terminate();
    return this.exited;
  }
}
