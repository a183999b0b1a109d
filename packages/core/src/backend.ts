import type { UpstreamProtocol } from './upstreamProtocol.js';
import type { UpstreamTls } from './upstreamTls.js';

/** Identifies a backend within one load balancer or strategy. Numbers for cluster workers, anything for users. */
export type BackendId = number | string;

/**
 * The shape every strategy and the proxy work with. {@link ProcessInfo} implements it; a plain object literal
 * works too.
 */
export interface Backend {
  /** Unique within a backend set. */
  readonly id: BackendId;
  /** Host name or IP address to connect to. */
  readonly host: string;
  /** TCP port to connect to. */
  readonly port: number;
  /** Relative share of traffic; `0` takes no new traffic. @default 1 */
  readonly weight?: number;
  /** Most concurrent requests this backend should get (used by the `first` strategy). @default Infinity */
  readonly maxConnections?: number;
  /**
   * The `backend` label of this backend's metric series. Backends that share one (a cluster worker and its
   * replacement) share the series, so they survive restarts. @default String(id)
   */
  readonly metricsName?: string;
  /**
   * Connect to this backend over TLS (`true`: verify against the system's CAs, SNI from `host`), or plain TCP
   * (`false`). It overrides the balancer's or group's `upstreamTls` for this backend. @default `upstreamTls`
   */
  readonly tls?: UpstreamTls;
  /**
   * HTTP/1.1, HTTP/2 over cleartext (`'h2c'`) or HTTP/2 over TLS with ALPN (`'h2'`) to this backend; it
   * overrides the balancer's or group's `upstreamProtocol`. `'h2c'` cannot be given with a `tls` setting, nor
   * `'h2'` with `tls: false`. @default `upstreamProtocol`
   */
  readonly protocol?: UpstreamProtocol;
}

/**
 * Health as the strategies see it. `down` and `draining` backends are never picked (except `down` in panic mode);
 * `draining` finishes what it has but takes nothing new.
 */
export type BackendHealth = 'up' | 'down' | 'draining';
