import type { Backend, LbError, PickContext, UpstreamTlsOptions } from '@lb/core';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { RequestPath } from './requestPath.js';
import type { TcpConnectFailure, TcpSessionHooks } from './tcpSession.js';

/** What {@link TcpSessionAccounting} needs besides the shared request path. */
export interface TcpSessionSettings {
  /** Milliseconds a backend connect may take. */
  readonly connectTimeout: number;
  /** Connect retries on other backends after the first attempt fails. */
  readonly maxRetries: number;
  /** Milliseconds of silence both ways before a proxied connection is closed; `0` never. */
  readonly idleTimeout: number;
  /** The PROXY protocol version to open backend connections with; none when undefined. */
  readonly sendProxyProtocol: 1 | 2 | undefined;
  /** Where each closed connection writes its line; none when undefined. */
  readonly accessLog: AccessLog | undefined;
  /** TLS to backends without a `tls` of their own; plain TCP when undefined. */
  readonly upstreamTls: UpstreamTlsOptions | undefined;
}

/**
 * The TCP balancer's side of each proxied connection, through the same {@link RequestPath} as HTTP requests.
 * A connection is one "request": it starts at the connect attempt and ends when it closes (`ok`) or when the
 * connect fails (not `ok`). Outlier detection learns at connect time; the latency reported to the strategy is
 * the connect time, and the connection's length is the latency metric.
 */
export class TcpSessionAccounting implements TcpSessionHooks {
  readonly connectTimeout: number;
  readonly maxRetries: number;
  readonly idleTimeout: number;
  readonly sendProxyProtocol: 1 | 2 | undefined;
  readonly accessLog: AccessLog | undefined;
  readonly upstreamTls: UpstreamTlsOptions | undefined;

  constructor(
    settings: TcpSessionSettings,
    private readonly path: RequestPath,
  ) {
    this.connectTimeout = settings.connectTimeout;
    this.maxRetries = settings.maxRetries;
    this.idleTimeout = settings.idleTimeout;
    this.sendProxyProtocol = settings.sendProxyProtocol;
    this.accessLog = settings.accessLog;
    this.upstreamTls = settings.upstreamTls;
  }

  pick(context: PickContext): Backend | undefined {
    return this.path.pick(context);
  }

  attemptStarted(backend: Backend): void {
    this.path.attemptStarted(backend);
  }

  attemptEnded(backend: Backend, ok: boolean, latencyMs: number): void {
    this.path.attemptEnded(backend, { ok, latencyMs, status: undefined }, false);
  }

  connectFailed(backend: Backend, error: LbError, kind: TcpConnectFailure, willRetry: boolean): void {
    this.path.learn(backend, { ok: false, latencyMs: 0, status: undefined });
    this.path.failed(error, backend, kind === 'timeout' ? 'connectTimeout' : 'connect', willRetry);
  }

  connected(backend: Backend): void {
    this.path.learn(backend, { ok: true, latencyMs: 0, status: undefined });
    this.path.metricsOf(backend)?.connectionOpened();
  }

  closed(backend: Backend, seconds: number): void {
    this.path.metricsOf(backend)?.connectionClosed(seconds);
  }

  noBackend(error: LbError): void {
    this.path.noBackend(error);
  }
}
