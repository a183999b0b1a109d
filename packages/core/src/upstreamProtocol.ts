import { fail } from './validate.js';

/**
 * How the balancer speaks to a backend: `'http1'` is HTTP/1.1 (over TLS when a TLS setting applies), `'h2c'`
 * is HTTP/2 over cleartext TCP with prior knowledge, and `'h2'` is HTTP/2 over TLS, negotiated with ALPN `h2`
 * under the backend's TLS setting (its own `tls`, else `upstreamTls`, else the system's CAs).
 */
export type UpstreamProtocol = 'http1' | 'h2c' | 'h2';

const protocols: readonly UpstreamProtocol[] = ['http1', 'h2c', 'h2'];

/** Names people write for one of the protocols; the value to use instead. */
const meant: Readonly<Record<string, UpstreamProtocol>> = {
  http: 'http1',
  https: 'http1',
  'http/1.1': 'http1',
  'http1.1': 'http1',
  http11: 'http1',
  http2: 'h2',
  'http/2': 'h2',
  h2: 'h2',
  h2c: 'h2c',
  'h2-cleartext': 'h2c',
  'http2-cleartext': 'h2c',
  grpc: 'h2c',
};

/**
 * Checks an upstream protocol setting and returns it; a near miss (`'http2'`, `'H2C'`) is refused with the
 * value meant.
 * @param field where the setting sits, such as `upstreamProtocol` or `backends[0].protocol`
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION`
 */
export function validateUpstreamProtocol(value: unknown, field: string): UpstreamProtocol {
  if (typeof value === 'string' && (protocols as readonly string[]).includes(value)) {
    return value as UpstreamProtocol;
  }
  const guess = typeof value === 'string' ? meant[value.trim().toLowerCase()] : undefined;
  const hint = guess === undefined ? '' : `; did you mean '${guess}'?`;
  return fail('LB_ERR_INVALID_OPTION', field, `must be 'http1', 'h2c' or 'h2'${hint}`, value);
}
