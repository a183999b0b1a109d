import type { Backend, BackendId, UpstreamProtocol, UpstreamTlsOptions } from '@lb/core';
import type { BodyFraming } from '../protocol/http1/requestHeaders.js';
import type { ResponseHead } from '../protocol/http1/responseParser.js';

/** What a request to a backend needs. */
export interface UpstreamRequestInit {
  readonly method: string;
  readonly path: string;
  /** Flat `[name, value, …]` list, sent as is; it already carries the framing fields. */
  readonly headers: readonly string[];
  /** How the request body is framed on the wire. */
  readonly framing: BodyFraming;
  /** Milliseconds without a byte either way, once sent, before the exchange fails with `idle`. `0`: none. */
  readonly idleTimeout: number;
}

/** Where an upstream exchange failed, as far as retry safety and status codes go. */
export type UpstreamFailure = 'connect' | 'reset' | 'protocol' | 'idle';

/** Callbacks of one upstream exchange, called in order: sent, information*, head, body*, complete — or error. */
export interface UpstreamHandlers {
  /** The request head went out on a connection (new or reused); the body may be written now. */
  onSent(): void;
  onInformation(status: number, rawHeaders: string[]): void;
  onHead(head: ResponseHead): void;
  /** `last`: the body ends with this chunk and `onComplete` follows without waiting for more bytes. */
  onBody(chunk: Buffer, last: boolean): void;
  onComplete(rawTrailers: string[]): void;
  /** The connection can take more request body. */
  onDrain(): void;
  /** The exchange failed; nothing else is called afterwards. `cause`: the socket error behind it, if any. */
  onError(failure: UpstreamFailure, message: string, cause?: Error): void;
}

/** Controls one upstream exchange. */
export interface UpstreamExchange {
  /** Writes request body bytes (framed as the init said); `false` asks the caller to wait for `onDrain`. */
  write(chunk: Buffer): boolean;
  /** Ends the request body, with trailers for a chunked body. */
  end(rawTrailers?: readonly string[]): void;
  /** Stops or restarts reading the response (backpressure from the client). */
  pause(): void;
  resume(): void;
  /** Abandons the exchange and closes its connection. No callback follows. */
  abort(): void;
}

/** Connection counts of one backend's pool. */
export interface UpstreamPoolStats {
  readonly id: BackendId;
  /** Connections ever opened to this backend. */
  readonly opened: number;
  /** Connections carrying a request now. */
  readonly active: number;
  /** Idle keep-alive connections waiting for reuse. */
  readonly idle: number;
  /** Requests waiting for a connection because the pool is full. */
  readonly queued: number;
}

/** Sizes and timers of the upstream pools. */
export interface UpstreamPoolOptions {
  readonly maxConnections: number;
  readonly maxIdleConnections: number;
  readonly idleTimeout: number;
  /** TLS to backends without a `tls` of their own; plain TCP when undefined. */
  readonly tls: UpstreamTlsOptions | undefined;
  /** The protocol of backends without a `protocol` of their own. @default 'http1' */
  readonly protocol?: UpstreamProtocol;
  /** When HTTP/2 sessions are PINGed and how long the backend has to answer; none when undefined. */
  readonly ping?: { readonly interval: number; readonly timeout: number } | undefined;
}

/** Told when a connection to a backend opens (connects) and when an opened one closes, for metrics. */
export interface UpstreamConnectionObserver {
  opened(id: BackendId): void;
  closed(id: BackendId): void;
}

/**
 * How the balancer talks to backends. {@link Http1Pool} implements it over HTTP/1.1 with keep-alive pools and a
 * strict response parser, {@link Http2Pool} over HTTP/2 sessions, and {@link UpstreamDispatcher} sends each
 * backend to one of them by its protocol.
 */
export interface UpstreamClient {
  request(backend: Backend, init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange;
  /** Closes a removed backend's idle connections; busy ones close when their request ends. */
  forget(id: BackendId): void;
  stats(): UpstreamPoolStats[];
  /** Closes every idle connection. */
  close(): void;
}
