import type { Backend, Strategy, TypedEventEmitter } from '@lb/core';
import type { BackendRegistry } from './backendRegistry.js';
import type { BalancerResilience } from './balancerResilience.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';
import type { MetricsRegistry } from './metrics/metricsRegistry.js';
import type { ProxyHooks } from './proxyHooks.js';
import type { ResolvedProxyOptions } from './resolveOptions.js';
import { RetryBudget } from './retry/retryBudget.js';
import type { UpstreamClient, UpstreamConnectionObserver } from './upstream/upstreamClient.js';

/** Balancer-wide request counters, with a way to wait until nothing is in flight. */
export class RequestCounters {
  active = 0;
  total = 0;
  retries = 0;
  private idleWaiters: (() => void)[] = [];

  /** Resolves once no request or tunnel is in flight. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  started(): void {
    this.active++;
    this.total++;
  }

  ended(): void {
    this.active--;
    if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The parts of a balancer the request path reports to. */
export interface HookTargets {
  readonly options: ResolvedProxyOptions;
  readonly upstream: UpstreamClient;
  readonly connections: UpstreamConnectionObserver;
  readonly strategy: Strategy;
  readonly registry: BackendRegistry;
  readonly metrics: MetricsRegistry;
  readonly resilience: BalancerResilience;
  readonly counters: RequestCounters;
  readonly events: TypedEventEmitter<LoadBalancerEvents>;
}

/**
 * Connects the request path to the balancer's bookkeeping: the strategy, the registry's in-flight counts,
 * outlier detection, metrics, the retry budget and the `proxyError` event.
 */
export function createProxyHooks(t: HookTargets): ProxyHooks {
  const retries = t.options.retries;
  const budget = retries
    ? new RetryBudget(retries.budgetPercent, retries.minRetryConcurrency, retries.retryLostConnections)
    : undefined;
  const metricsOf = (backend: Backend) => t.metrics.backend(backend.id);
  return {
    options: t.options,
    upstream: t.upstream,
    connections: t.connections,
    budget,
    maxRetries: retries?.attempts ?? 0,
    pick: (context) => {
      let backend: Backend | undefined;
      try {
        backend = t.strategy.pick(context);
      } catch (err) {
        // A user's strategy that throws costs this request (503), never the process or the accounting.
        if (t.events.listenerCount('error') > 0)
          t.events.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
      if (backend === undefined) t.metrics.noBackend++;
      return backend;
    },
    attemptStarted: (backend) => {
      if (t.registry.started(backend)) t.strategy.onRequestStart(backend);
      metricsOf(backend)?.requestStart();
    },
    attemptEnded: (backend, outcome) => {
      // A removed backend has left the strategy: its late outcomes are not reported there.
      if (t.registry.ended(backend)) {
        t.strategy.onRequestEnd(backend, outcome);
        t.resilience.recordOutcome(backend.id, outcome);
      }
      metricsOf(backend)?.requestEnd(outcome.status ?? 0, outcome.latencyMs / 1000);
    },
    retried: (backend, error, kind) => {
      t.counters.retries++;
      const metrics = metricsOf(backend);
      if (metrics) {
        metrics.retries++;
        metrics.error(t.resilience.errorKind(kind));
      }
      t.events.emit('proxyError', error, t.registry.status(backend.id));
    },
    failed: (error, backend, kind) => {
      if (backend) metricsOf(backend)?.error(t.resilience.errorKind(kind));
      t.events.emit('proxyError', error, backend && t.registry.status(backend.id));
    },
    requestStarted: () => {
      budget?.requestStarted();
      t.counters.started();
    },
    requestEnded: () => {
      budget?.requestEnded();
      t.counters.ended();
    },
  };
}
