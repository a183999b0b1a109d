import type { Backend, LbError, PickContext } from '@lb/core';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { AttemptOutcome } from '../backends/attemptOutcome.js';
import type { GrpcMetrics } from '../metrics/grpcMetrics.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import type { UpstreamClient, UpstreamConnectionObserver } from '../upstream/upstreamClient.js';
import type { DeadlineList } from './deadlineList.js';
import type { FailureKind } from './failureKind.js';
import type { RetryBudget } from './retry/retryBudget.js';

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
  /** Where each finished request writes its line; `undefined` (no entry built) without the option. */
  readonly accessLog: AccessLog | undefined;
  /** The group's name, for the access log; `undefined` for a balancer without `groups`. */
  readonly group: string | undefined;
  /** The attempts waiting for a connection and for a response head, by their timeout option (none at 0). */
  readonly deadlines: {
    readonly connect: DeadlineList | undefined;
    readonly response: DeadlineList | undefined;
  };
  /** Counts gRPC calls by status; `undefined` without `http2` (no gRPC client can arrive). */
  readonly grpcMetrics?: GrpcMetrics | undefined;
  pick(context: PickContext): Backend | undefined;
  attemptStarted(backend: Backend): void;
  attemptEnded(backend: Backend, outcome: AttemptOutcome): void;
  retried(backend: Backend, error: LbError, kind: FailureKind): void;
  failed(error: LbError, backend: Backend | undefined, kind: FailureKind): void;
  /** No backend could take the request: reported as a `proxyError` without a backend. */
  noBackend(): void;
  requestStarted(): void;
  /** `status` is what the client got; 499 when it went away first. */
  requestEnded(status: number, durationMs: number): void;
}
