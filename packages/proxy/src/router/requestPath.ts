import type { Backend, LbError, PickContext, Strategy, TypedEventEmitter } from '@lb/core';
import type { AttemptOutcome } from '../backends/attemptOutcome.js';
import type { BackendSet } from '../backends/backendSet.js';
import type { BalancerResilience } from '../backends/balancerResilience.js';
import type { BackendMetrics } from '../metrics/backendMetrics.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { errorKindOf, type FailureKind } from './failureKind.js';
import type { RequestCounters } from './requestCounters.js';
import type { RequestEvents } from './requestEvents.js';

/** The parts of a balancer the request path reports to. */
export interface RequestPathTargets {
  readonly strategy: Strategy;
  readonly backends: BackendSet;
  readonly metrics: MetricsRegistry;
  readonly resilience: BalancerResilience;
  readonly counters: RequestCounters;
  readonly events: TypedEventEmitter<RequestEvents>;
}

/**
 * What an HTTP request and a TCP connection share on their way to a backend: picking, in-flight accounting,
 * outcomes for health and load-aware strategies, failure kinds, events and metrics. The transports differ only
 * in how bytes move and when they learn an attempt's outcome.
 */
export class RequestPath {
  constructor(private readonly t: RequestPathTargets) {}

  /** A client request (or TCP connection) began. */
  requestStarted(): void {
    this.t.counters.started();
  }

  /** A client request (or TCP connection) ended. */
  requestEnded(): void {
    this.t.counters.ended();
  }

  /**
   * Asks the strategy for a backend. A strategy that throws costs this request or connection (as if no backend
   * were available) and an `error` event, never the process.
   */
  pick(context: PickContext): Backend | undefined {
    let backend: Backend | undefined;
    try {
      backend = this.t.strategy.pick(context);
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
    }
    if (backend === undefined) this.t.metrics.noBackend++;
    return backend;
  }

  attemptStarted(backend: Backend): void {
    this.t.backends.started(backend);
  }

  /**
   * An attempt ended. `status` and `seconds` go to the metrics (`status` 0 when there was no response);
   * `learn` feeds the outcome to outlier detection, which a transport may have done earlier.
   */
  attemptEnded(backend: Backend, outcome: AttemptOutcome, learn: boolean): void {
    // A removed backend has left the strategy and health: its late outcomes are not reported there.
    const record = this.t.backends.ended(backend, outcome.ok, outcome.latencyMs);
    if (record === undefined) return;
    if (learn) this.t.resilience.recordOutcome(record, outcome);
    record.metrics.requestEnd(outcome.status ?? 0, outcome.latencyMs / 1000);
  }

  /** Feeds an outcome to outlier detection before the attempt ends (a TCP connect). */
  learn(backend: Backend, outcome: AttemptOutcome): void {
    const record = this.t.backends.get(backend.id);
    if (record !== undefined) this.t.resilience.recordOutcome(record, outcome);
  }

  /** An attempt failed for `kind`; `retrying` when the request moves on to another backend. */
  failed(error: LbError, backend: Backend | undefined, kind: FailureKind, retrying: boolean): void {
    const record = backend && this.t.backends.get(backend.id);
    if (record) record.metrics.error(errorKindOf[kind]);
    if (retrying) {
      this.t.counters.retries++;
      if (record) record.metrics.retries++;
    }
    this.t.events.emit('proxyError', error, record?.status());
  }

  /** The counters of `backend`, while it is in the set. */
  metricsOf(backend: Backend): BackendMetrics | undefined {
    return this.t.backends.get(backend.id)?.metrics;
  }

  /** No backend could take the request or connection. */
  noBackend(error: LbError): void {
    this.t.events.emit('proxyError', error, undefined);
  }

  private reportError(error: Error): void {
    // `error` is optional: without a listener EventEmitter would throw and take the process down.
    if (this.t.events.listenerCount('error') > 0) this.t.events.emit('error', error);
  }
}
