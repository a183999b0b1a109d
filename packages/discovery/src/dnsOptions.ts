import { assertInteger, assertKnownKeys, assertNumber, assertString, fail } from '@lb/core/internal';
import { defaultHoldMs, type FailureRuleOptions } from './sourceBase.js';

/** How a DNS source queries. */
export interface ResolverOptions extends FailureRuleOptions {
  /**
   * DNS servers to ask, as `'10.0.0.2'`, `'10.0.0.2:5353'` or `'[::1]:53'`, instead of the system's
   * (`/etc/resolv.conf`).
   */
  servers?: readonly string[];
  /** Milliseconds one query waits for an answer before it is retried or fails. @default 2000 */
  timeout?: number;
  /** Attempts per query before it fails. @default 2 */
  tries?: number;
}

/** The resolver options with defaults applied. */
export interface ResolvedResolverOptions {
  readonly servers: readonly string[] | undefined;
  readonly timeout: number;
  readonly tries: number;
  readonly hold: number;
}

/** Validates the options shared by the DNS sources and applies their defaults. */
export function resolveResolverOptions(
  options: ResolverOptions & { refresh?: number },
  known: readonly string[],
  source: string,
): ResolvedResolverOptions {
  if (typeof options !== 'object' || options === null)
    fail('LB_ERR_INVALID_OPTION', source, 'needs an options object', options);
  assertKnownKeys(options, new Set(known), source);
  const { servers, timeout = 2_000, tries = 2, hold = defaultHoldMs, refresh } = options;
  if (servers !== undefined) {
    if (!Array.isArray(servers) || servers.length === 0) {
      fail('LB_ERR_INVALID_OPTION', 'servers', 'must be a non-empty array of addresses', servers);
    }
    for (const [i, s] of servers.entries()) assertString(s, `servers[${i}]`);
  }
  assertInteger(timeout, 'timeout', 1);
  assertInteger(tries, 'tries', 1);
  assertNumber(hold, 'hold', 0);
  if (refresh !== undefined) assertInteger(refresh, 'refresh', 1);
  return { servers, timeout, tries, hold };
}
