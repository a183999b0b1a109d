import type { Backend, BackendId } from './backend.js';
import { validateUpstreamProtocol } from './upstreamProtocol.js';
import { validateUpstreamTls } from './upstreamTls.js';
import { assertNumber, assertPort, assertString, fail } from './validate.js';

/**
 * Checks a backend list before it reaches a strategy or the proxy: ids unique, ports valid, weights finite and
 * not negative. Returns the list unchanged so calls can be chained.
 *
 * @throws {ConfigError} `LB_ERR_DUPLICATE_BACKEND`, `LB_ERR_INVALID_WEIGHT`, `LB_ERR_INVALID_PORT` or
 * `LB_ERR_INVALID_BACKEND`; `LB_ERR_INVALID_OPTION` for a bad `tls` or `protocol`.
 */
export function validateBackends<B extends Backend>(backends: readonly B[]): readonly B[] {
  if (!Array.isArray(backends))
    fail('LB_ERR_INVALID_BACKEND', 'backends', 'must be an array of backends', backends);
  const seen = new Set<BackendId>();
  backends.forEach((backend, index) => {
    const where = `backends[${index}]`;
    if (typeof backend !== 'object' || backend === null) {
      fail(
        'LB_ERR_INVALID_BACKEND',
        where,
        'must be an object such as { id: 0, host: "127.0.0.1", port: 8081 }',
        backend,
      );
    }
    const { id } = backend;
    if (!(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && id.length > 0)) {
      fail('LB_ERR_INVALID_BACKEND', `${where}.id`, 'must be a number or a non-empty string', id);
    }
    if (seen.has(id)) {
      fail(
        'LB_ERR_DUPLICATE_BACKEND',
        `${where}.id`,
        'must be unique: another backend already has this id',
        id,
      );
    }
    seen.add(id);
    assertString(backend.host, `${where}.host`, 'LB_ERR_INVALID_BACKEND');
    assertPort(backend.port, `${where}.port`);
    if (backend.weight !== undefined)
      assertNumber(backend.weight, `${where}.weight`, 0, 'LB_ERR_INVALID_WEIGHT');
    if (backend.maxConnections !== undefined && backend.maxConnections !== Number.POSITIVE_INFINITY) {
      assertNumber(backend.maxConnections, `${where}.maxConnections`, 1);
    }
    if (backend.metricsName !== undefined)
      assertString(backend.metricsName, `${where}.metricsName`, 'LB_ERR_INVALID_BACKEND');
    if (backend.tls !== undefined) validateUpstreamTls(backend.tls, `${where}.tls`);
    if (backend.protocol !== undefined) validateBackendProtocol(backend, where);
  });
  return backends;
}

/** A protocol that contradicts the backend's own `tls` would fail at every connect: say so at startup. */
function validateBackendProtocol(backend: Backend, where: string): void {
  const protocol = validateUpstreamProtocol(backend.protocol, `${where}.protocol`);
  if (protocol === 'h2c' && backend.tls !== undefined && backend.tls !== false) {
    fail(
      'LB_ERR_INVALID_OPTION',
      `${where}.protocol`,
      "is 'h2c' (cleartext) but the backend has a tls setting; use 'h2' for HTTP/2 over TLS",
      protocol,
    );
  }
  if (protocol === 'h2' && backend.tls === false) {
    fail(
      'LB_ERR_INVALID_OPTION',
      `${where}.protocol`,
      "is 'h2' (HTTP/2 over TLS) but the backend has tls: false; use 'h2c' for cleartext",
      protocol,
    );
  }
}
