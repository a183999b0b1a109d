import { isIP } from 'node:net';
import { loadBalancerDefaults } from './loadBalancerDefaults.js';
import {
  type LoadBalancerOptions,
  loadBalancerOptionKeys,
  type TlsOptions,
  underscoreHeadersValues,
} from './loadBalancerOptions.js';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  assertPort,
  assertRange,
  assertString,
  fail,
} from './validate.js';
import { validateResilienceOptions } from './validateResilienceOptions.js';

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isAddressOrRange(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const family = isIP(entry.slice(0, slash));
  const bits = entry.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function validateTrustProxy(value: unknown): void {
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    assertInteger(value, 'trustProxy', 0);
    return;
  }
  if (!Array.isArray(value)) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'trustProxy',
      'must be a boolean, a hop count or a list of addresses',
      value,
    );
  }
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string' || !isAddressOrRange(entry)) {
      fail(
        'LB_ERR_INVALID_OPTION',
        `trustProxy[${i}]`,
        "must be an IP address or a CIDR range such as '10.0.0.0/8'",
        entry,
      );
    }
  });
}

function validateTls(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    fail('LB_ERR_INVALID_OPTION', 'tls', 'must be an object with key and cert', value);
  }
  const tls = value as Partial<Record<keyof TlsOptions, unknown>>;
  for (const field of ['key', 'cert'] as const) {
    const pem = tls[field];
    const ok = (typeof pem === 'string' || pem instanceof Uint8Array) && pem.length > 0;
    if (!ok) fail('LB_ERR_INVALID_OPTION', `tls.${field}`, 'must be a non-empty PEM string or buffer', pem);
  }
}

function validateProxyProtocol(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'proxyProtocol',
      "must be an object such as { trusted: ['10.0.0.0/8'] }",
      value,
    );
  }
  const { trusted, timeout, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    fail(
      'LB_ERR_INVALID_OPTION',
      `proxyProtocol.${unknown}`,
      'is not an option (use trusted, timeout)',
      unknown,
    );
  if (!Array.isArray(trusted) || trusted.length === 0) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'proxyProtocol.trusted',
      'must list at least one address or CIDR range',
      trusted,
    );
  }
  trusted.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string' || !isAddressOrRange(entry)) {
      fail(
        'LB_ERR_INVALID_OPTION',
        `proxyProtocol.trusted[${i}]`,
        "must be an IP address or a CIDR range such as '10.0.0.0/8'",
        entry,
      );
    }
  });
  if (timeout !== undefined) assertNumber(timeout, 'proxyProtocol.timeout', 1);
}

const upstreamPingKeys: ReadonlySet<string> = new Set(['interval', 'timeout']);

function validateUpstreamPing(value: unknown): void {
  if (value === false) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'upstreamPing',
      'must be false or an object such as { interval: 10000, timeout: 10000 }',
      value,
    );
  }
  assertKnownKeys(value, upstreamPingKeys, 'upstreamPing');
  const { interval, timeout } = value as Record<string, unknown>;
  if (interval !== undefined) assertNumber(interval, 'upstreamPing.interval', 1);
  if (timeout !== undefined) assertNumber(timeout, 'upstreamPing.timeout', 1);
}

function validateTimeouts(o: LoadBalancerOptions): void {
  if (o.connectTimeout !== undefined) assertNumber(o.connectTimeout, 'connectTimeout', 1);
  const zeroDisables = [
    'responseTimeout',
    'idleTimeout',
    'tunnelIdleTimeout',
    'headersTimeout',
    'requestTimeout',
  ] as const;
  for (const field of zeroDisables) {
    if (o[field] !== undefined) assertNumber(o[field], field, 0);
  }
  if (o.keepAliveTimeout !== undefined) assertNumber(o.keepAliveTimeout, 'keepAliveTimeout', 0);
  if (o.upstreamIdleTimeout !== undefined) assertNumber(o.upstreamIdleTimeout, 'upstreamIdleTimeout', 1);
  const headers = o.headersTimeout ?? loadBalancerDefaults.headersTimeout;
  const request = o.requestTimeout ?? loadBalancerDefaults.requestTimeout;
  if (request > 0 && headers > request) {
    fail('LB_ERR_INVALID_OPTION', 'headersTimeout', `must not exceed requestTimeout (${request})`, headers);
  }
}

/**
 * Validates every load-balancer option (`loadBalancerHost`, timeouts, header limits and rules, pool sizes,
 * `trustProxy`, `forwarded`, `via`, `tls`, and the resilience options through {@link validateResilienceOptions}) and returns the ones that
 * were set, without defaults, so they can be copied onto a config object. `ClusterConfig` and the HTTP
 * `LoadBalancer` both call it.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` or `LB_ERR_INVALID_PORT`, naming the field at fault.
 *
 * @example
 * ```ts
 * validateLoadBalancerOptions({ connectTimeout: 2000, trustProxy: ['10.0.0.0/8'] }); // ok
 * validateLoadBalancerOptions({ connectTimeout: -1 }); // throws ConfigError (field 'connectTimeout')
 * ```
 */
export function validateLoadBalancerOptions(options: LoadBalancerOptions): LoadBalancerOptions {
  const o = options;
  if (o.loadBalancerHost !== undefined) assertString(o.loadBalancerHost, 'loadBalancerHost');
  if (o.adminPort !== undefined) assertPort(o.adminPort, 'adminPort', true);
  if (o.adminHost !== undefined) assertString(o.adminHost, 'adminHost');
  if (o.panicThreshold !== undefined) assertRange(o.panicThreshold, 'panicThreshold', 0, 1);
  validateResilienceOptions(o);
  validateTimeouts(o);
  if (o.maxHeaderSize !== undefined) assertInteger(o.maxHeaderSize, 'maxHeaderSize', 1024);
  if (o.maxHeaderCount !== undefined) assertInteger(o.maxHeaderCount, 'maxHeaderCount', 1);
  if (o.allowTrace !== undefined) assertBoolean(o.allowTrace, 'allowTrace');
  if (o.underscoreHeaders !== undefined) {
    assertOneOf(o.underscoreHeaders, 'underscoreHeaders', underscoreHeadersValues);
  }
  if (o.maxConnectionsPerBackend !== undefined) {
    assertInteger(o.maxConnectionsPerBackend, 'maxConnectionsPerBackend', 1);
  }
  if (o.maxIdleConnectionsPerBackend !== undefined) {
    assertInteger(o.maxIdleConnectionsPerBackend, 'maxIdleConnectionsPerBackend', 0);
  }
  if (o.upstreamPing !== undefined) validateUpstreamPing(o.upstreamPing);
  if (o.trustProxy !== undefined) validateTrustProxy(o.trustProxy);
  if (o.forwarded !== undefined) assertBoolean(o.forwarded, 'forwarded');
  if (o.via !== undefined && o.via !== false && (typeof o.via !== 'string' || !token.test(o.via))) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'via',
      'must be false or a token such as "lb" (no spaces or commas)',
      o.via,
    );
  }
  if (o.tls !== undefined) validateTls(o.tls);
  if (o.proxyProtocol !== undefined) validateProxyProtocol(o.proxyProtocol);
  if (o.http2 !== undefined) assertBoolean(o.http2, 'http2');
  const set: Record<string, unknown> = {};
  for (const key of loadBalancerOptionKeys) {
    const value = (o as Record<string, unknown>)[key];
    if (value !== undefined) set[key] = value;
  }
  return set as LoadBalancerOptions;
}
