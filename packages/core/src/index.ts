/**
 * Shared types, configuration validation and errors for every `@lb/*` package. The checks the packages share
 * among themselves live in the internal entry `@lb/core/internal`, which is not public API.
 *
 * @module
 */
export { availableCpus, cgroupCpuLimit } from './availableCpus.js';
export type { Backend, BackendHealth, BackendId } from './backend.js';
export {
  ClusterConfig,
  type ClusterConfigOptions,
  clusterOnlyOptionKeys,
  type LogFormat,
  type ReadinessMode,
} from './clusterConfig.js';
export {
  type DiscoveredBackend,
  type DiscoveryListener,
  type DiscoverySnapshot,
  type DiscoverySource,
  discoveredBackendId,
} from './discoverySource.js';
export { ErrorCode } from './errorCodes.js';
export { ConfigError, LbError, type LbErrorOptions, NoHealthyBackendError } from './lbError.js';
export { loadBalancerDefaults } from './loadBalancerDefaults.js';
export type {
  LoadBalancerOptions,
  ProxyProtocolOptions,
  TlsOptions,
  UnderscoreHeaders,
  UpstreamPingOptions,
} from './loadBalancerOptions.js';
export {
  isLoadBalancingStrategyName,
  LoadBalancingStrategy,
  type LoadBalancingStrategyName,
} from './loadBalancingStrategy.js';
export { ProcessInfo, type ProcessInfoOptions } from './processInfo.js';
export type {
  HealthCheckOptions,
  OutlierDetectionOptions,
  RetryOptions,
  SlowStartOptions,
} from './resilienceOptions.js';
export type { PickContext, RequestOutcome, Strategy } from './strategy.js';
export type { EventMap, TypedEventEmitter } from './typedEmitter.js';
export { type UpstreamProtocol, validateUpstreamProtocol } from './upstreamProtocol.js';
export { type UpstreamTls, type UpstreamTlsOptions, validateUpstreamTls } from './upstreamTls.js';
export { validateLoadBalancerOptions } from './validateLoadBalancerOptions.js';
export {
  type ResolvedHealthCheckOptions,
  type ResolvedOutlierDetectionOptions,
  type ResolvedResilienceOptions,
  type ResolvedRetryOptions,
  type ResolvedSlowStartOptions,
  resolveHealthCheckOptions,
  resolveOutlierDetectionOptions,
  resolveSlowStartOptions,
} from './validateResilienceOptions.js';
