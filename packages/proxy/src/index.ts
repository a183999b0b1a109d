/**
 * An HTTP/1.1 (and TCP) load balancer for Node.js with zero runtime dependencies: keep-alive pools, strict
 * framing, RFC 9110 forwarding headers, WebSocket tunnels, timeouts, safe retries under a budget, health
 * checks, drain and Prometheus metrics.
 *
 * @module
 */

export {
  type AdminProvider,
  type AdminRouteHandler,
  AdminServer,
  type AdminServerOptions,
} from './admin/adminServer.js';
export { dashboardPage } from './admin/dashboard/dashboardPage.js';
export { registerDashboard } from './admin/dashboard/registerDashboard.js';
export type { BackendStatus } from './backendRegistry.js';
export {
  HealthChecker,
  type HealthCheckerEvents,
  type HealthCheckerOptions,
} from './health/healthChecker.js';
export { type CancelProbe, type ProbeOptions, type ProbeResult, probeBackend } from './health/healthProbe.js';
export { type OutlierDecision, OutlierDetector } from './health/outlierDetector.js';
export { SlowStartRamp, type SlowStartStep, slowStartFactor } from './health/slowStart.js';
export type { TrustPredicate } from './http/trustProxy.js';
export { LoadBalancer } from './loadBalancer.js';
export type { LoadBalancerEvents } from './loadBalancerEvents.js';
export type { LoadBalancerStats } from './loadBalancerStats.js';
export {
  BackendMetrics,
  type ErrorKind,
  errorKinds,
  type StatusClass,
  statusClasses,
} from './metrics/backendMetrics.js';
export { defaultLatencyBuckets, Histogram } from './metrics/histogram.js';
export {
  type BackendMetricsSnapshot,
  type LatencySnapshot,
  MetricsRegistry,
  type MetricsRegistryOptions,
  type MetricsSnapshot,
} from './metrics/metricsRegistry.js';
export {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  type PrometheusLabels,
  type PrometheusMetricType,
  PrometheusWriter,
  prometheusContentType,
} from './metrics/prometheusText.js';
export type { ResolvedProxyOptions } from './resolveOptions.js';
export { TcpLoadBalancer, type TcpLoadBalancerStats } from './tcp/tcpLoadBalancer.js';
export { proxyTcpConnection, type TcpConnectFailure, type TcpSessionHooks } from './tcp/tcpSession.js';
export { Http1Pool } from './upstream/http1Pool.js';
export {
  type ResponseHead,
  ResponseParseError,
  ResponseParser,
  type ResponseParserHandlers,
} from './upstream/responseParser.js';
export type {
  UpstreamClient,
  UpstreamConnectionObserver,
  UpstreamExchange,
  UpstreamFailure,
  UpstreamHandlers,
  UpstreamPoolOptions,
  UpstreamPoolStats,
  UpstreamRequestInit,
} from './upstream/upstreamClient.js';
