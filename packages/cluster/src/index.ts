/**
 * `@lb/cluster`: run one Node.js server as N processes behind the `@lb/proxy` load balancer or on one shared
 * port, with readiness, restarts with backoff, zero-downtime reloads, memory limits and graceful shutdown. The
 * `lb` command runs any unmodified app that listens on `PORT`.
 *
 * @module
 */
// What a cluster's users write next to `ClusterManager`, so one import is enough.
export {
  ClusterConfig,
  type ClusterConfigOptions,
  ConfigError,
  ErrorCode,
  type HealthCheckOptions,
  LbError,
  type LoadBalancerOptions,
  LoadBalancingStrategy,
  type LoadBalancingStrategyName,
  type LogFormat,
  type OutlierDetectionOptions,
  ProcessInfo,
  type ProcessInfoOptions,
  type ReadinessMode,
  type RetryOptions,
  type SlowStartOptions,
  type TlsOptions,
} from '@lb/core';
export type { ClusterManagerEvents } from './clusterEvents.js';
export { ClusterManager, type ClusterManagerOptions } from './clusterManager.js';
export type { ClusterStatus } from './clusterStatus.js';
export type { LbConfigFile } from './configFile.js';
export { LineSplitter } from './lineSplitter.js';
export { formatLogLine, type LogLineSource } from './logLine.js';
export { reportMetrics } from './reportMetrics.js';
export { type RestartDecision, RestartPolicy, type RestartPolicyOptions } from './restartPolicy.js';
export { ready } from './workerEnv.js';
export type { WorkerInfo, WorkerState } from './workerInfo.js';
