/**
 * An HTTP/1.1 (and TCP) load balancer for Node.js with zero runtime dependencies: keep-alive pools, strict
 * framing, RFC 9110 forwarding headers, WebSocket tunnels, timeouts, safe retries under a budget, health
 * checks, drain and Prometheus metrics.
 *
 * @module
 */

export {
  ConfigError,
  type HealthCheckOptions,
  LbError,
  type LoadBalancerOptions,
  LoadBalancingStrategy,
  type LoadBalancingStrategyName,
  type OutlierDetectionOptions,
  type RetryOptions,
  type SlowStartOptions,
  type TlsOptions,
  type UpstreamTls,
  type UpstreamTlsOptions,
} from '@lb/core';
export type { AccessLogConfig } from './accessLog/accessLogConfig.js';
export type { AccessLogEntry } from './accessLog/accessLogEntry.js';
export type { AccessLogFormat } from './accessLog/formatAccessLog.js';
export {
  type AdminProvider,
  type AdminRouteHandler,
  AdminServer,
  type AdminServerOptions,
} from './admin/adminServer.js';
export type {
  DashboardFeed,
  DashboardFeedOptions,
  DashboardSample,
  DashboardSampleRow,
  DashboardSnapshot,
} from './admin/dashboard/dashboardFeed.js';
export { dashboardPage } from './admin/dashboard/dashboardPage.js';
export type { DashboardRow, HealthCheckResult } from './admin/dashboard/dashboardRow.js';
export type { DashboardEvent, DashboardEventLevel, EventLog } from './admin/dashboard/eventLog.js';
export { registerDashboard } from './admin/dashboard/registerDashboard.js';
export type { BackendStatus } from './backends/backendStatus.js';
export {
  HealthChecker,
  type HealthCheckerEvents,
  type HealthCheckerOptions,
} from './backends/health/healthChecker.js';
export { type OutlierDecision, OutlierDetector } from './backends/health/outlierDetector.js';
export { SlowStartRamp, type SlowStartStep, slowStartFactor } from './backends/health/slowStart.js';
export { LoadBalancer } from './balancer/loadBalancer.js';
export type { LoadBalancerEvents } from './balancer/loadBalancerEvents.js';
export type { LoadBalancerStats } from './balancer/loadBalancerStats.js';
export { TcpLoadBalancer, type TcpLoadBalancerStats } from './balancer/tcpLoadBalancer.js';
export {
  type BackendGauges,
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
export { writeProcessMetrics } from './metrics/processMetrics.js';
export {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  type PrometheusLabels,
  type PrometheusMetricType,
  PrometheusWriter,
  prometheusContentType,
} from './metrics/prometheusText.js';
export type { LoadBalancerConfig, TcpLoadBalancerConfig } from './options/balancerOptions.js';
export type {
  OnRequestHook,
  OnResponseHook,
  RequestHookContext,
  ResponseHookContext,
} from './options/requestHooks.js';
export type { ResolvedProxyOptions } from './options/resolveOptions.js';
export type { TracingConfig } from './options/tracingOptions.js';
export {
  type ResponseHead,
  ResponseParseError,
  ResponseParser,
  type ResponseParserHandlers,
} from './protocol/http1/responseParser.js';
export type { TrustPredicate } from './protocol/http1/trustProxy.js';
export { Http1Pool } from './upstream/http1Pool.js';
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
