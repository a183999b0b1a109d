import type { Backend, UpstreamProtocol, UpstreamTlsOptions } from '@lb/core';
import { backendTls, verifyWithSystemCas } from '../tls/connectBackend.js';

/**
 * The protocol a backend is spoken to with: its own `protocol`, else the balancer's or group's
 * `upstreamProtocol`. The one place that choice is made; the pools and the health probes ask here.
 */
export function backendProtocol(backend: Backend, fallback: UpstreamProtocol): UpstreamProtocol {
  return backend.protocol ?? fallback;
}

/**
 * The TLS setting of an HTTP/2 backend: none for `h2c`; for `h2` the backend's own `tls`, else the
 * balancer's or group's `upstreamTls`, else verification against the system's CAs (`h2` is TLS by definition).
 */
export function http2Tls(
  backend: Backend,
  protocol: 'h2' | 'h2c',
  fallback: UpstreamTlsOptions | undefined,
): UpstreamTlsOptions | undefined {
  if (protocol === 'h2c') return undefined;
  return backendTls(backend, fallback) ?? verifyWithSystemCas;
}

/**
 * The TLS setting a backend's connections use under its protocol: `http1` as `backendTls` says, `h2c` none,
 * `h2` always TLS (see {@link http2Tls}).
 */
export function transportTls(
  backend: Backend,
  protocol: UpstreamProtocol,
  fallback: UpstreamTlsOptions | undefined,
): UpstreamTlsOptions | undefined {
  return protocol === 'http1' ? backendTls(backend, fallback) : http2Tls(backend, protocol, fallback);
}
