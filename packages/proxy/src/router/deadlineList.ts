/** Something a {@link DeadlineList} can hold: the list's links live on it, so adding it allocates nothing. */
export interface Deadlined {
  deadlinePrev: Deadlined | undefined;
  deadlineNext: Deadlined | undefined;
  /** `performance.now()` at which it expires; meaningful while it is in a list. */
  deadlineAt: number;
  /** The list it is in, if any. */
  deadlineList: DeadlineList | undefined;
  /** Its deadline passed; it was taken out of the list first. */
  expired(): void;
}

/**
 * Deadlines that all lie the same `duration` after they were set (a timeout option): kept in the order they were
 * set, which is the order they expire in, behind one timer for the earliest. Setting and clearing one is a
 * pointer change, where a `setTimeout` per request allocates a timer object and links it into Node's timer
 * lists, and keeps what it refers to alive until cleared.
 */
export class DeadlineList {
  private head: Deadlined | undefined = undefined;
  private tail: Deadlined | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the armed timer fires. */
  private timerAt = 0;

  constructor(readonly duration: number) {}

  /** Sets `item`'s deadline `duration` from `now` (taking it out of a list it was in). */
  add(item: Deadlined, now: number): void {
    if (item.deadlineList !== undefined) item.deadlineList.remove(item);
    item.deadlineAt = now + this.duration;
    item.deadlineList = this;
    item.deadlinePrev = this.tail;
    item.deadlineNext = undefined;
    if (this.tail === undefined) this.head = item;
    else this.tail.deadlineNext = item;
    this.tail = item;
    if (this.timer === undefined) this.arm(item.deadlineAt, now);
  }

  /** Clears `item`'s deadline; nothing happens if it has none here. */
  remove(item: Deadlined): void {
    if (item.deadlineList !== this) return;
    const { deadlinePrev: prev, deadlineNext: next } = item;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    item.deadlinePrev = undefined;
    item.deadlineNext = undefined;
    item.deadlineList = undefined;
    // The timer stays armed: when it fires it finds the new head not yet due and waits for it instead.
  }

  private arm(at: number, now: number): void {
    this.timerAt = at;
    // A deadline expires at or after its time, never before: the timer's own rounding is taken up.
    this.timer = setTimeout(fire, Math.max(1, Math.ceil(at - now)), this);
    this.timer.unref();
  }

  /** Expires every item that is due, then waits for the next one. */
  fire(): void {
    this.timer = undefined;
    const now = performance.now();
    let item = this.head;
    while (item !== undefined && item.deadlineAt <= now) {
      this.remove(item);
      item.expired();
      item = this.head;
    }
    if (item === undefined) return;
    // An item added while expiring others may have armed the timer for itself, after the head.
    if (this.timer !== undefined && this.timerAt <= item.deadlineAt) return;
    clearTimeout(this.timer);
    this.arm(item.deadlineAt, now);
  }
}

function fire(list: DeadlineList): void {
  list.fire();
}
