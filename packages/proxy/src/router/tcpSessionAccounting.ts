import type { Backend, LbError, PickContext, Strategy, TypedEventEmitter } from '@lb/core';
import type { BackendRegistry } from '../backends/backendRegistry.js';
import type { BalancerResilience } from '../backends/balancerResilience.js';
import type { LoadBalancerEvents } from '../balancer/loadBalancerEvents.js';
import type { ResolvedProxyOptions } from '../balancer/resolveOptions.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { TcpConnectFailure, TcpSessionHooks } from './tcpSession.js';

/** What {@link TcpSessionAccounting} reports to. */
export interface TcpSessionAccountingDeps {
  readonly options: ResolvedProxyOptions;
  /** Milliseconds of silence both ways before a proxied connection is closed; `0` never. */
  readonly idleTimeout: number;
  readonly strategy: Strategy;
  readonly registry: BackendRegistry;
  readonly metrics: MetricsRegistry;
  readonly resilience: BalancerResilience;
  readonly events: TypedEventEmitter<LoadBalancerEvents>;
}

/**
 * The TCP balancer's side of each proxied connection: keeps the strategy, the backend registry (in-flight
 * counts for drain), outlier detection and metrics in step with what {@link proxyTcpConnection} reports.
 * A connection is one "request": it starts at the connect attempt and ends when it closes (`ok`) or when the
 * connect fails (not `ok`); the latency reported to the strategy is the connect time.
 */
export class TcpSessionAccounting implements TcpSessionHooks {
  readonly connectTimeout: number;
  readonly maxRetries: number;
  readonly idleTimeout: number;
  /** Connect retries on another backend so far. */
  retries = 0;

  constructor(private readonly deps: TcpSessionAccountingDeps) {
    this.connectTimeout = deps.options.connectTimeout;
    this.maxRetries = deps.options.retries?.attempts ?? 0;
    this.idleTimeout = deps.idleTimeout;
  }

  pick(context: PickContext): Backend | undefined {
    return this.deps.strategy.pick(context);
  }

  attemptStarted(backend: Backend): void {
    if (this.deps.registry.started(backend)) this.deps.strategy.onRequestStart(backend);
    this.deps.metrics.backend(backend.id)?.requestStart();
  }

  attemptEnded(backend: Backend, ok: boolean, latencyMs: number): void {
    if (this.deps.registry.ended(backend)) this.deps.strategy.onRequestEnd(backend, { ok, latencyMs });
    this.deps.metrics.backend(backend.id)?.requestEnd(0, 0);
  }

  connectFailed(backend: Backend, error: LbError, kind: TcpConnectFailure, willRetry: boolean): void {
    const metrics = this.deps.metrics.backend(backend.id);
    metrics?.error(kind);
    if (willRetry) {
      this.retries++;
      if (metrics) metrics.retries++;
    }
    this.recordOutcome(backend, false);
    this.deps.events.emit('proxyError', error, this.deps.registry.status(backend.id));
  }

  connected(backend: Backend): void {
    this.recordOutcome(backend, true);
    this.deps.metrics.backend(backend.id)?.connectionOpened();
  }

  closed(backend: Backend, seconds: number): void {
    this.deps.metrics.backend(backend.id)?.connectionClosed(seconds);
  }

  noBackend(error: LbError): void {
    this.deps.metrics.noBackend++;
    this.deps.events.emit('proxyError', error, undefined);
  }

  private recordOutcome(backend: Backend, ok: boolean): void {
    if (!this.deps.registry.has(backend.id)) return;
    this.deps.resilience.recordOutcome(backend.id, { ok, latencyMs: 0, status: undefined });
  }
}
