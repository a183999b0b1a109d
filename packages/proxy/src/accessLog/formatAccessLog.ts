import type { AccessLogEntry } from './accessLogEntry.js';

/** The two line formats of the access log. */
export type AccessLogFormat = 'json' | 'combined';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `10/Oct/2000:13:55:36 +0000`, in UTC as nginx writes it with `TZ=UTC`. */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const date = `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  return `${date}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** A quoted field: quotes, backslashes and control bytes escaped as nginx does (`\xHH`), `-` when absent. */
function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out +=
      code < 0x20 || code === 0x22 || code === 0x5c || code === 0x7f
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : c;
  }
  return `"${out}"`;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(3));
const token = (value: string | undefined) =>
  value === undefined || value === '' ? '-' : quoted(value).slice(1, -1).replace(/ /g, '\\x20');

/**
 * One access-log line, newline included. `combined` is the Apache/nginx combined format followed by the
 * balancer's own fields as `key=value` (times in seconds, as nginx's `$request_time`); `json` is one object per
 * line with every field of {@link AccessLogEntry}.
 */
export function formatAccessLog(entry: AccessLogEntry, format: AccessLogFormat): string {
  if (format === 'json') {
    return `${JSON.stringify({ ...entry, time: new Date(entry.time).toISOString() })}\n`;
  }
  const request = entry.method === '' ? entry.protocol : `${entry.method} ${entry.target} ${entry.protocol}`;
  return (
    `${entry.client} - - [${clfTime(entry.time)}] ${quoted(request)} ${entry.status} ${entry.bytesOut} ` +
    `${quoted(entry.referer)} ${quoted(entry.userAgent)} rt=${seconds(entry.totalMs)} ` +
    `uct=${seconds(entry.connectMs)} urt=${seconds(entry.responseMs)} in=${entry.bytesIn} ` +
    `route=${token(entry.route)} group=${token(entry.group)} backend=${token(entry.backend)} ` +
    `retries=${entry.retries} trace=${token(entry.traceId)} rid=${token(entry.requestId)}` +
    `${entry.grpcStatus === undefined ? '' : ` grpc=${entry.grpcStatus}`}\n`
  );
}
