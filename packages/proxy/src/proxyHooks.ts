import type { Backend, LbError, PickContext } from '@lb/core';
import type { ResolvedProxyOptions } from './resolveOptions.js';
import type { RetryBudget } from './retry/retryBudget.js';
import type { UpstreamClient, UpstreamConnectionObserver } from './upstream/upstreamClient.js';

/** How one attempt against a backend ended. */
export interface AttemptOutcome {
  /** `true` when the backend answered (any status); `false` on connect failure, reset, timeout or bad HTTP. */
  readonly ok: boolean;
  readonly latencyMs: number;
  /** The backend's status code, when it answered. */
  readonly status: number | undefined;
}

/** Why an attempt failed, for metrics and events. */
export type FailureKind =
  | 'connect'
  | 'connectTimeout'
  | 'reset'
  | 'responseTimeout'
  | 'idleTimeout'
  | 'protocol';

/**
 * What the request path needs from the load balancer that owns it: backend choice, accounting and reporting.
 * Keeping it an interface keeps {@link ProxyExchange} free of the balancer's bookkeeping.
 */
export interface ProxyHooks {
  readonly options: ResolvedProxyOptions;
  readonly upstream: UpstreamClient;
  /** Counts upstream connections opened outside the pool (upgrade tunnels) in the backend metrics. */
  readonly connections: UpstreamConnectionObserver;
  /** `undefined` when retries are off. */
  readonly budget: RetryBudget | undefined;
  readonly maxRetries: number;
  pick(context: PickContext): Backend | undefined;
  attemptStarted(backend: Backend): void;
  attemptEnded(backend: Backend, outcome: AttemptOutcome): void;
  retried(backend: Backend, error: LbError, kind: FailureKind): void;
  failed(error: LbError, backend: Backend | undefined, kind: FailureKind): void;
  requestStarted(): void;
  /** `status` is what the client got; 499 when it went away first. */
  requestEnded(status: number, durationMs: number): void;
}
