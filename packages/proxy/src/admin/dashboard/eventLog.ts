import { RingBuffer } from './ringBuffer.js';

/** How much an event matters to an operator: the page colours it. */
export type DashboardEventLevel = 'info' | 'warn' | 'bad';

/** One entry of the dashboard's event log. */
export interface DashboardEvent {
  /** Server time it happened, in ms since the epoch. */
  readonly t: number;
  /** What kind of event, such as `exit`, `restart`, `reload`, `ejected`, `down`, `up`, `giveUp`. */
  readonly kind: string;
  /** Who it is about, such as `worker 1` or `backend a`; empty for the whole cluster. */
  readonly subject: string;
  readonly message: string;
  readonly level: DashboardEventLevel;
}

/** Longest message kept: reasons can carry text from a backend, which must not grow the log without bound. */
const maxMessageLength = 300;

/**
 * The bounded log of what happened to the workers and backends (restarts, ejections and readmissions, reloads,
 * health flips, give-ups), with server timestamps, that the admin dashboard shows newest first.
 */
export class EventLog {
  private readonly entries: RingBuffer<DashboardEvent>;

  /**
   * @param capacity Most entries kept; older ones are dropped. @default 200
   * @param now The server clock, in ms since the epoch. @default Date.now
   */
  constructor(
    capacity = 200,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new RingBuffer(capacity);
  }

  /** Records an event now. */
  add(kind: string, subject: string, message: string, level: DashboardEventLevel = 'info'): void {
    const text = message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
    this.entries.push({ t: this.now(), kind, subject, message: text, level });
  }

  /** Every kept event, newest first. */
  newestFirst(): DashboardEvent[] {
    return this.entries.toArray().reverse();
  }
}
