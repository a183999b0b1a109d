/**
 * @lb/proxy — not implemented yet; see the package README.
 *
 * @module
 */

export {
  type AdminProvider,
  type AdminRouteHandler,
  AdminServer,
  type AdminServerOptions,
} from './admin/adminServer.js';
export {
  HealthChecker,
  type HealthCheckerEvents,
  type HealthCheckerOptions,
} from './health/healthChecker.js';
export { type CancelProbe, type ProbeOptions, type ProbeResult, probeBackend } from './health/healthProbe.js';
export { type OutlierDecision, OutlierDetector } from './health/outlierDetector.js';
export { SlowStartRamp, type SlowStartStep, slowStartFactor } from './health/slowStart.js';
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
