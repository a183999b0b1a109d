/**
 * Messages between the primary and the worker preload over the IPC channel. Every one carries the `__lb` key so
 * they never collide with an application's own `process.send` traffic.
 */
export type IpcMessage =
  /** Worker → primary: a server in the worker started listening on `port`. */
  | { readonly __lb: 'listening'; readonly port: number }
  /** Worker → primary: a server in the worker failed to listen on `port` (`code` is the errno, as `EADDRINUSE`). */
  | { readonly __lb: 'listenError'; readonly port: number; readonly code: string }
  /** Worker → primary: the application called `ready()`. */
  | { readonly __lb: 'ready' }
  /** Primary → worker: report your resident memory. */
  | { readonly __lb: 'memoryQuery' }
  /**
   * Worker → primary: resident set size in bytes, CPU seconds used since start, the 99th percentile of the
   * event-loop delay since the previous report, in seconds, and the responses its HTTP servers sent since start
   * by status class (`1xx` … `5xx`).
   */
  | {
      readonly __lb: 'memory';
      readonly rss: number;
      readonly cpu: number;
      readonly lag: number;
      readonly responses?: readonly number[];
    }
  /** Primary → worker: the attached socket is a new connection of the shared port. */
  | { readonly __lb: 'connection'; readonly seq: number }
  /** Worker → primary: connection `seq` is now owned by the worker. */
  | { readonly __lb: 'accepted'; readonly seq: number }
  /**
   * Primary → worker: no new connection will come; end kept-alive ones gracefully (each answers its next
   * response with `Connection: close`, idle ones close after a short grace).
   */
  | { readonly __lb: 'drain' }
  /** Worker → primary: every connection the worker was handed has closed. */
  | { readonly __lb: 'drained' }
  /** Worker → primary: the application's own Prometheus text, from `reportMetrics()`. */
  | { readonly __lb: 'metrics'; readonly text: string };

const kinds: ReadonlySet<string> = new Set([
  'listening',
  'listenError',
  'ready',
  'memoryQuery',
  'memory',
  'connection',
  'accepted',
  'drain',
  'drained',
  'metrics',
]);

/** Tells whether `value` is one of our IPC messages. */
export function isIpcMessage(value: unknown): value is IpcMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { __lb?: unknown }).__lb;
  return typeof kind === 'string' && kinds.has(kind);
}
