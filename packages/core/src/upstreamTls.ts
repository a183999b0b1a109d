import { assertBoolean, assertString, fail } from './validate.js';

/**
 * How the balancer originates TLS to a backend (the other direction from the listener's `tls`, which
 * terminates it). Every field is optional: `{}` (or `true`) verifies the backend's certificate against the
 * system's CAs and sends the host name as SNI.
 */
export interface UpstreamTlsOptions {
  /** Trusted CA certificates, PEM encoded, instead of the system's. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /**
   * The name sent as SNI and checked against the certificate. @default the backend's host, unless it is an IP
   * address (SNI carries names only; the certificate is then checked against the IP)
   */
  readonly servername?: string;
  /** Client certificate chain, PEM encoded, for backends that require mutual TLS (with `key`). */
  readonly cert?: string | Uint8Array;
  /** Private key of `cert`, PEM encoded. */
  readonly key?: string | Uint8Array;
  /**
   * Whether a certificate that does not verify (unknown CA, wrong name, expired) fails the connection.
   * `false` is UNSAFE: anyone on the path can impersonate the backend. Meant for a test bench only. @default true
   */
  readonly rejectUnauthorized?: boolean;
}

/** The value of `upstreamTls` (balancer or group) and of a backend's `tls`: `true` means `{}`. */
export type UpstreamTls = boolean | UpstreamTlsOptions;

const keys: ReadonlySet<string> = new Set(['ca', 'servername', 'cert', 'key', 'rejectUnauthorized']);

function assertPem(value: unknown, field: string): void {
  const empty =
    typeof value === 'string' ? value.trim().length === 0 : value instanceof Uint8Array && value.length === 0;
  if ((typeof value !== 'string' && !(value instanceof Uint8Array)) || empty) {
    fail('LB_ERR_INVALID_OPTION', field, 'must be a non-empty PEM string or buffer', value);
  }
}

/**
 * Checks an upstream TLS setting; throws a `ConfigError` naming `field` or one of its keys.
 * @param field where the setting sits, such as `upstreamTls` or `backends[0].tls`
 */
export function validateUpstreamTls(value: unknown, field: string): void {
  if (typeof value === 'boolean') return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      'LB_ERR_INVALID_OPTION',
      field,
      'must be true, false or { ca, servername, cert, key, rejectUnauthorized }',
      value,
    );
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!keys.has(key))
      fail(
        'LB_ERR_INVALID_OPTION',
        `${field}.${key}`,
        `is not an upstream TLS option (${[...keys].join(', ')})`,
        o[key],
      );
  }
  if (o.ca !== undefined) {
    const list = Array.isArray(o.ca) ? o.ca : [o.ca];
    if (list.length === 0) fail('LB_ERR_INVALID_OPTION', `${field}.ca`, 'must not be an empty list', o.ca);
    for (const [i, ca] of list.entries()) {
      assertPem(ca, Array.isArray(o.ca) ? `${field}.ca[${i}]` : `${field}.ca`);
    }
  }
  if (o.servername !== undefined) assertString(o.servername, `${field}.servername`);
  if (o.cert !== undefined) assertPem(o.cert, `${field}.cert`);
  if (o.key !== undefined) assertPem(o.key, `${field}.key`);
  // A certificate without its key (or the reverse) would fail at every handshake: say so at startup.
  if ((o.cert === undefined) !== (o.key === undefined)) {
    const missing = o.cert === undefined ? 'cert' : 'key';
    fail(
      'LB_ERR_INVALID_OPTION',
      `${field}.${missing}`,
      'must be given with the other half of the client certificate',
      undefined,
    );
  }
  if (o.rejectUnauthorized !== undefined) assertBoolean(o.rejectUnauthorized, `${field}.rejectUnauthorized`);
}
