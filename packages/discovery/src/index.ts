/**
 * Service discovery for `@lb`: sources that publish versioned snapshots of backends, for a `LoadBalancer`'s
 * `discovery` option or a proxy of your own.
 *
 * @module
 */
export { type DnsDiscoveryOptions, dnsDiscovery } from './dnsDiscovery.js';
export type { ResolverOptions } from './dnsOptions.js';
export { type FileDiscoveryOptions, fileDiscovery } from './fileDiscovery.js';
export type { DiscoveryAnswer } from './holdRule.js';
export { type KubernetesDiscoveryOptions, kubernetesDiscovery } from './kubernetesDiscovery.js';
export { type FailureRuleOptions, SourceBase } from './sourceBase.js';
export { type SrvDiscoveryOptions, srvDiscovery } from './srvDiscovery.js';
