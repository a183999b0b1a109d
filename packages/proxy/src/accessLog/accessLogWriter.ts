import type { Writable } from 'node:stream';

/** Options of {@link AccessLogWriter}. */
export interface AccessLogWriterOptions {
  /** Bytes the stream may hold unwritten before new lines are dropped. @default 1048576 */
  readonly maxBuffered?: number;
}

/**
 * Writes access-log lines in batches (one `write` per tick, however many requests ended in it) and never lets a
 * stalled stream grow memory without bound or slow the proxy: past `maxBuffered` unwritten bytes, lines are
 * dropped and counted. A stream error stops the log, counts what is lost from then on, and is reported once.
 */
export class AccessLogWriter {
  /** Lines dropped because the stream was too far behind or failed. */
  dropped = 0;
  private batch: string[] = [];
  private scheduled = false;
  private failed = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly stream: Writable,
    private readonly onError: (error: Error) => void,
    options: AccessLogWriterOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 1_048_576;
    stream.on('error', (error: Error) => {
      if (this.failed) return;
      this.failed = true;
      this.dropped += this.batch.length;
      this.batch = [];
      this.onError(error);
    });
  }

  /** Queues one line (newline included). */
  write(line: string): void {
    if (this.failed || this.stream.writableLength > this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.batch.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what is queued now (also called on stop). */
  flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0 || this.failed) return;
    const text = this.batch.join('');
    this.batch = [];
    this.stream.write(text);
  }
}
