import type { BackendStatus } from '../backends/backendStatus.js';
import type { MetricsSnapshot } from '../metrics/metricsRegistry.js';
import type { UpstreamPoolStats } from '../upstream/upstreamClient.js';

/** A JSON snapshot of a balancer, from `LoadBalancer.stats()`. */
export interface LoadBalancerStats {
  readonly address: { host: string; port: number } | undefined;
  readonly strategy: string;
  /** Client requests in progress (tunnels included). */
  readonly activeRequests: number;
  /** Client requests received. */
  readonly requests: number;
  /** Retries on another backend. */
  readonly retries: number;
  /** Requests retrying now (holding a retry budget or lost-connection slot). */
  readonly retriesInProgress: number;
  /** The most requests ever retrying at once: how close retries came to the budget. */
  readonly peakRetriesInProgress: number;
  /** Requests answered 503 because no backend could take them. */
  readonly noBackend: number;
  readonly backends: readonly BackendStatus[];
  /** Connection pool per backend. */
  readonly pools: readonly UpstreamPoolStats[];
  /** Per-backend counters and latency quantiles. */
  readonly metrics: MetricsSnapshot;
}
