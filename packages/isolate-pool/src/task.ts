import type { TransferListItem } from 'node:worker_threads';
import type { Definition } from './protocol.js';

/** Where a task is in its life. */
export const TaskState = { queued: 0, sent: 1, done: 2 } as const;

/** One submitted task. A class so every task has the same shape on the hot path. */
export class Task {
  state: number = TaskState.queued;
  /** Sequence number on the thread it was sent to. */
  seq = 0;
  /** The thread it was sent to, while `state` is `sent`. */
  slot: { inflight: Map<number, Task> } | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly def: Definition,
    readonly data: unknown,
    readonly transfer: readonly TransferListItem[] | undefined,
    readonly transferResult: boolean,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly submitted: number,
  ) {}

  /** True when the pool may stop this task (and so terminate the thread it runs on). */
  get stoppable(): boolean {
    return this.timer !== undefined || this.onAbort !== undefined;
  }

  /** Stops the abort listener and timeout of a task that has settled. */
  release(): void {
    this.state = TaskState.done;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
  }
}
