import type {
  HealthCheckOptions,
  OutlierDetectionOptions,
  RetryOptions,
  SlowStartOptions,
} from './resilienceOptions.js';

/**
 * Options of the load balancer that live on {@link ClusterConfigOptions} too, so one config object drives a
 * whole cluster. `@lb/proxy` implements them.
 */
export interface LoadBalancerOptions {
  /** Interface the load balancer listens on. @default all interfaces, as in the Dart original */
  loadBalancerHost?: string;
  /** Port of the admin server (`/metrics`, `/status`, `/healthz`); off when unset. `0` picks a free port. */
  adminPort?: number;
  /** Interface of the admin server. @default '127.0.0.1' */
  adminHost?: string;
  /** Active health checks; off when unset. */
  healthCheck?: HealthCheckOptions;
  /** Passive health (outlier ejection). @default on, with the defaults of {@link OutlierDetectionOptions} */
  outlierDetection?: OutlierDetectionOptions | false;
  /** Slow start for recovered and added backends; off when unset. */
  slowStart?: SlowStartOptions;
  /** Retry policy. @default on, with the defaults of {@link RetryOptions} */
  retries?: RetryOptions | false;
  /** When healthy backends fall below this share (0–1), route to all of them anyway (Envoy). `0` disables. @default 0 */
  panicThreshold?: number;
  /** Milliseconds to open a connection to a backend; past it the request is retried elsewhere or gets 504. @default 5000 */
  connectTimeout?: number;
  /** Milliseconds from sending a request to the backend's response headers; past it the client gets 504. @default 30000 */
  responseTimeout?: number;
  /** Milliseconds without a byte in either direction on an in-flight request before both sides are closed. @default 60000 */
  idleTimeout?: number;
  /**
   * Milliseconds without a byte either way on an upgraded connection (a WebSocket or another `Upgrade` tunnel)
   * before both ends are closed; `0` disables. Long, because an idle WebSocket is normal; its pings keep it
   * open. @default 3600000
   */
  tunnelIdleTimeout?: number;
  /** Milliseconds a client may take to send its request headers (slowloris guard), answered with 408. @default 10000 */
  headersTimeout?: number;
  /** Milliseconds a client may take to send its whole request, body included, answered with 408. @default 300000 */
  requestTimeout?: number;
  /** Milliseconds an idle client keep-alive connection stays open. @default 5000 */
  keepAliveTimeout?: number;
  /**
   * Largest request head (request line and header section) in bytes; larger requests get 431. A request line
   * longer than half of it (8 KiB by default, nginx's `large_client_header_buffers`) gets 414 URI Too Long.
   * @default 16384
   */
  maxHeaderSize?: number;
  /**
   * Most header fields in a request (Envoy allows 100, HAProxy 101); more get 431. It keeps a client from
   * burying fields under a flood of others in a backend that reads only its first N fields. @default 100
   */
  maxHeaderCount?: number;
  /**
   * Whether `TRACE` requests are forwarded. Off, they get 405: a backend echoing the request would show a
   * script the cookies and credentials the balancer and the browser add (cross-site tracing). @default false
   */
  allowTrace?: boolean;
  /**
   * What happens to request header fields with `_` in their name, which some backends (CGI, PHP, WSGI, Rails)
   * fold into the same variable as the `-` form, so `X_Forwarded_For` could pose as `X-Forwarded-For`:
   * `'drop'` removes them (nginx's default), `'reject'` answers 400, `'allow'` forwards them. @default 'drop'
   */
  underscoreHeaders?: UnderscoreHeaders;
  /** Most connections, busy or idle, to one backend; further requests queue for a free one. @default 256 */
  maxConnectionsPerBackend?: number;
  /** Most idle keep-alive connections kept per backend. @default 64 */
  maxIdleConnectionsPerBackend?: number;
  /**
   * Milliseconds an idle pooled backend connection is kept before it is closed. Keep it below the backends' own
   * keep-alive timeout (5 s for Node servers), so the balancer never reuses a connection the backend is closing.
   * @default 4000
   */
  upstreamIdleTimeout?: number;
  /**
   * PING frames on the HTTP/2 sessions to backends (`h2c`, `h2`), as Envoy's `connection_keepalive` and grpc-js's
   * `keepaliveTimeMs`: a session that has heard nothing from its backend for `interval` is sent a PING, and
   * closed when the backend does not acknowledge it within `timeout`, so a backend that stopped answering
   * without closing (a partition, a frozen process) loses its session instead of holding calls until they time
   * out. `false` sends none. @default { interval: 10000, timeout: 10000 }
   */
  upstreamPing?: UpstreamPingOptions | false;
  /**
   * Which peers may set the client address and the forwarded proto, host and port: `false` trusts none (the
   * socket address is the client), `true` trusts every hop, a number trusts that many hops counted from the
   * balancer, and a list trusts those addresses or CIDR ranges (`'10.0.0.0/8'`). @default false
   */
  trustProxy?: boolean | number | readonly string[];
  /** Also send the RFC 7239 `Forwarded` header next to the `X-Forwarded-*` ones. @default false */
  forwarded?: boolean;
  /** Pseudonym in the `Via` header added to each forwarded request (RFC 9110 §7.6.3); `false` omits it. @default 'lb' */
  via?: string | false;
  /** TLS termination: the listener serves HTTPS with this key and certificate (PEM). Off when unset. */
  tls?: TlsOptions;
  /**
   * Accept the PROXY protocol (v1 and v2, HAProxy's `doc/proxy-protocol.txt`) from these sources, as behind an
   * AWS NLB or HAProxy with `send-proxy`: a connection from a trusted address must begin with a valid header,
   * whose client address then counts as the peer's. Off when unset; never guessed.
   */
  proxyProtocol?: ProxyProtocolOptions;
  /**
   * Serve HTTP/2 to clients as well as HTTP/1.1, on the same port: over TLS, ALPN offers `h2` and
   * `http/1.1`; in cleartext, a connection that opens with the HTTP/2 preface (prior knowledge, `h2c`) is
   * served as HTTP/2. Backends are still reached over HTTP/1.1. `LoadBalancer` only. @default false
   */
  http2?: boolean;
}

/** Where the PROXY protocol is accepted from. */
export interface ProxyProtocolOptions {
  /** Addresses and CIDR ranges (`'10.0.0.0/8'`) whose connections must start with a PROXY header. */
  trusted: readonly string[];
  /** Milliseconds a trusted peer may take to send the whole header before the connection is closed. @default 5000 */
  timeout?: number;
}

/** When the balancer PINGs an upstream HTTP/2 session, and how long it waits for the answer. */
export interface UpstreamPingOptions {
  /**
   * Milliseconds a session may go without receiving anything from its backend before it is PINGed. A session
   * whose backend answered the last PING is PINGed again only once it has heard from the backend or opened a
   * stream since, so a quiet session costs one PING, not one per interval (gRPC servers close a connection
   * PINGed too often without data). @default 10000
   */
  interval?: number;
  /** Milliseconds to wait for the PING's acknowledgement before the session is closed. @default 10000 */
  timeout?: number;
}

/** What the balancer does with a request header field whose name holds `_`. */
export type UnderscoreHeaders = 'drop' | 'reject' | 'allow';

/** Every {@link UnderscoreHeaders} value, for validation. */
export const underscoreHeadersValues: readonly UnderscoreHeaders[] = ['drop', 'reject', 'allow'];

/** Key and certificate, PEM encoded, for an HTTPS listener. */
export interface TlsOptions {
  /** Private key in PEM format. */
  key: string | Uint8Array;
  /** Certificate chain in PEM format. */
  cert: string | Uint8Array;
}

/** Every key of {@link LoadBalancerOptions}, for unknown-option detection. Kept complete by the compiler. */
export const loadBalancerOptionKeys = Object.keys({
  loadBalancerHost: true,
  adminPort: true,
  adminHost: true,
  healthCheck: true,
  outlierDetection: true,
  slowStart: true,
  retries: true,
  panicThreshold: true,
  connectTimeout: true,
  responseTimeout: true,
  idleTimeout: true,
  tunnelIdleTimeout: true,
  headersTimeout: true,
  requestTimeout: true,
  keepAliveTimeout: true,
  maxHeaderSize: true,
  maxHeaderCount: true,
  allowTrace: true,
  underscoreHeaders: true,
  maxConnectionsPerBackend: true,
  maxIdleConnectionsPerBackend: true,
  upstreamIdleTimeout: true,
  upstreamPing: true,
  trustProxy: true,
  forwarded: true,
  via: true,
  tls: true,
  proxyProtocol: true,
  http2: true,
} satisfies Record<keyof LoadBalancerOptions, true>);
