import { NoHealthyBackendError } from '@lb/core';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { GrpcMetrics } from '../metrics/grpcMetrics.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import type { UpstreamClient, UpstreamConnectionObserver } from '../upstream/upstreamClient.js';
import { DeadlineList } from './deadlineList.js';
import type { ProxyHooks } from './proxyHooks.js';
import type { RequestPath } from './requestPath.js';
import { RetryBudget } from './retry/retryBudget.js';

/**
 * The HTTP request path's view of the balancer: the shared {@link RequestPath} for picking and accounting,
 * plus what only HTTP has (the upstream pool and the retry budget).
 */
export function createProxyHooks(
  options: ResolvedProxyOptions,
  upstream: UpstreamClient,
  connections: UpstreamConnectionObserver,
  path: RequestPath,
  accessLog: AccessLog | undefined,
  group: string | undefined,
  grpcMetrics?: GrpcMetrics,
): ProxyHooks {
  const retries = options.retries;
  const budget = retries
    ? new RetryBudget(retries.budgetPercent, retries.minRetryConcurrency, retries.retryLostConnections)
    : undefined;
  return {
    options,
    upstream,
    connections,
    budget,
    maxRetries: retries?.attempts ?? 0,
    deadlines: {
      connect: options.connectTimeout > 0 ? new DeadlineList(options.connectTimeout) : undefined,
      response: options.responseTimeout > 0 ? new DeadlineList(options.responseTimeout) : undefined,
    },
    accessLog,
    group,
    grpcMetrics,
    pick: (context) => path.pick(context),
    attemptStarted: (backend) => path.attemptStarted(backend),
    attemptEnded: (backend, outcome) => path.attemptEnded(backend, outcome, true),
    retried: (backend, error, kind) => path.failed(error, backend, kind, true),
    failed: (error, backend, kind) => path.failed(error, backend, kind, false),
    noBackend: () => path.noBackend(new NoHealthyBackendError('No healthy backend can take the request')),
    requestStarted: () => {
      budget?.requestStarted();
      path.requestStarted();
    },
    requestEnded: () => {
      budget?.requestEnded();
      path.requestEnded();
    },
  };
}
