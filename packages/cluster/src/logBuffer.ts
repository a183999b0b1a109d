import type { LogEntry } from './controlProtocol.js';

// A worker may print a huge line; keeping 1,000 of them whole could hold gigabytes in the primary.
const maxStoredLine = 16 * 1024;

/**
 * The last `capacity` lines the primary printed, for `lb logs`, and the listeners of `lb logs -f`. A ring: memory
 * stays bounded however much the workers print.
 */
export class LogBuffer {
  private readonly entries: LogEntry[] = [];
  private next = 0;
  private readonly listeners = new Set<(entry: LogEntry) => void>();

  constructor(private readonly capacity = 1_000) {}

  /** Records one line and hands it to every listener. */
  push(stream: LogEntry['stream'], line: string, now = new Date()): void {
    const text = line.length > maxStoredLine ? `${line.slice(0, maxStoredLine)}…` : line;
    const entry: LogEntry = { time: now.toISOString(), stream, line: text };
    if (this.entries.length < this.capacity) this.entries.push(entry);
    else this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    for (const listener of this.listeners) listener(entry);
  }

  /** The last `count` lines, oldest first. */
  recent(count: number): LogEntry[] {
    const ordered =
      this.entries.length < this.capacity
        ? this.entries
        : [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
    return count <= 0 ? [] : ordered.slice(-count);
  }

  /** Calls `listener` with every new line until the returned function is called. */
  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
