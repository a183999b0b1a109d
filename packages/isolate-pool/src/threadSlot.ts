import { type TransferListItem, Worker } from 'node:worker_threads';
import type { ResolvedOptions } from './hybridProcessorOptions.js';
import { cancelMask, type Definition, SharedField, sharedBytes, type WorkerSetup } from './protocol.js';
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
 * message; a shared `Int32Array` tells the pool which task the thread started last and lets it cancel unstarted
 * tasks without a message.
 */
export class ThreadSlot {
  readonly worker: Worker;
  readonly inflight = new Map<number, Task>();
  readonly bornAt = performance.now();
  ready = false;
  /** True once the pool asked this thread to end: it takes no more tasks. */
  retiring = false;
  crashError: Error | undefined = undefined;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  readonly exited: Promise<void>;
  private readonly shared: Int32Array;
  private readonly defined = new Set<number>();
  private nextSeq = 1;
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

  /** Seq of the last task the thread started. */
  get started(): number {
    return Atomics.load(this.shared, SharedField.started);
  }

  /** Seq of the task the thread is running synchronously now, or -1. */
  get running(): number {
    return Atomics.load(this.shared, SharedField.running);
  }

  /** Buffers a task for this thread, posting a chunk once `chunkSize` tasks are waiting. */
  add(task: Task, chunkSize: number): void {
    const seq = this.nextSeq++;
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
    this.outbox.push(seq, def.id, task.data);
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
        this.worker.postMessage([null, task.seq, task.def.id, task.data], task.transfer ?? []);
      } catch (error) {
        this.inflight.delete(task.seq);
        this.events.onUnsendable(task, error);
      }
    }
    this.updateRef();
  }

  /** Makes the thread skip `seq` if it has not started it. */
  cancel(seq: number): void {
    Atomics.store(this.shared, SharedField.cancelBase + (seq & cancelMask), seq);
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
