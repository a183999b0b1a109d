import type { BackendEvents } from '../backends/backendEvents.js';
import type { RequestEvents } from '../router/requestEvents.js';
import type { DiscoveryEvents } from './discoveryEvents.js';

/**
 * Events of `LoadBalancer` and `TcpLoadBalancer`: every change of a backend ({@link BackendEvents}) and what
 * the request path reports ({@link RequestEvents}). Per-request failures arrive as `proxyError`, never as
 * `error`, so a balancer with no listeners cannot be crashed by what a client or backend does.
 */
export type LoadBalancerEvents = BackendEvents & RequestEvents & DiscoveryEvents;
