import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { AccessLogConfig } from './accessLogConfig.js';
import type { AccessLogEntry } from './accessLogEntry.js';
import { AccessLogWriter } from './accessLogWriter.js';
import { type AccessLogFormat, formatAccessLog } from './formatAccessLog.js';

/**
 * A balancer's access log: formats each entry and hands the line to an {@link AccessLogWriter}. The request path
 * only builds an entry when a balancer has one, so an unset `accessLog` costs a single `undefined` check.
 */
export class AccessLog {
  private readonly writer: AccessLogWriter;
  private readonly format: AccessLogFormat;
  /** Set when the balancer opened the file itself, so only then does `close()` end the stream. */
  private readonly owned: Writable | undefined;

  constructor(config: AccessLogConfig, onError: (error: Error) => void) {
    this.format = config.format;
    this.owned = config.stream === undefined ? createWriteStream(config.path!, { flags: 'a' }) : undefined;
    const stream = config.stream ?? this.owned!;
    this.writer = new AccessLogWriter(
      stream,
      onError,
      config.maxBuffered === undefined ? {} : { maxBuffered: config.maxBuffered },
    );
  }

  /** Lines dropped because the stream was too far behind or failed. */
  get dropped(): number {
    return this.writer.dropped;
  }

  log(entry: AccessLogEntry): void {
    this.writer.write(formatAccessLog(entry, this.format));
  }

  /** Writes what is queued; ends the file the balancer opened, and resolves once it is flushed to disk. */
  async close(): Promise<void> {
    this.writer.flush();
    const owned = this.owned;
    if (owned === undefined || owned.destroyed) return;
    await new Promise<void>((resolve) => owned.end(resolve));
  }
}
