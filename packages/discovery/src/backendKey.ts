import type { DiscoveredBackend } from '@lb/core';

/**
 * The identity of a discovered backend, `host:port` (`[v6]:port` for IPv6), used as the balancer's backend id:
 * an address change is a new backend, never a silent re-point of an old one.
 */
export function backendKey(backend: Pick<DiscoveredBackend, 'host' | 'port'>): string {
  return backend.host.includes(':') ? `[${backend.host}]:${backend.port}` : `${backend.host}:${backend.port}`;
}
