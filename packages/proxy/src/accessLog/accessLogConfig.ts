import type { Writable } from 'node:stream';
import type { AccessLogFormat } from './formatAccessLog.js';

/** The `accessLog` option of both balancers: one line per HTTP request or TCP connection. Off when unset. */
export interface AccessLogConfig {
  /** `json` (one object per line) or `combined` (Apache/nginx combined, then the balancer's own fields). */
  readonly format: AccessLogFormat;
  /** Where lines go; give this or `path`, not both. The balancer never ends a stream it was given. */
  readonly stream?: Writable;
  /** A file opened for appending (flag `a`) at construction and closed by `stop()`; give this or `stream`. */
  readonly path?: string;
  /** Bytes the stream may hold unwritten before new lines are dropped and counted. @default 1048576 */
  readonly maxBuffered?: number;
}
