import type { PickContext } from '@lb/core';
import { fail } from '@lb/core/internal';
import { hashKey, xxHash32Words } from './hash.js';

/**
 * Where a hash strategy takes the affinity key of a request from:
 * - `'clientAddress'`: the client's address (`::ffff:`-mapped IPv4 counts as the plain IPv4 address);
 * - `{ header: name }`: a request header (case-insensitive; repeated values are joined with `, `);
 * - `{ cookie: name }`: a cookie from the `Cookie` header;
 * - a function of the {@link PickContext}, returning `undefined` when it has no key.
 *
 * `context.hashKey`, when set, wins over all of them.
 */
export type StickyKey =
  | 'clientAddress'
  | { readonly header: string }
  | { readonly cookie: string }
  | ((context: PickContext) => string | undefined);

type Headers = NonNullable<PickContext['headers']>;

function headerValue(headers: Headers | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  let value = headers[name];
  if (value === undefined) {
    // Node lower-cases header names; plain objects from users may not.
    const lower = name.toLowerCase();
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        value = headers[key];
        break;
      }
    }
  }
  if (typeof value === 'string') return value;
  // Anything but a string array (a plain object built by hand may hold other values) counts as absent.
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(', ') : undefined;
}

/**
 * Finds cookie `name` in one or more `Cookie` header values (RFC 6265 §4.2: `a=1; b=2`). Surrounding spaces are
 * trimmed and one pair of double quotes around the value is removed; the first occurrence wins.
 *
 * @example
 * ```ts
 * cookieValue('theme=dark; session="abc123"', 'session'); // 'abc123'
 * ```
 */
export function cookieValue(
  cookieHeader: string | readonly string[] | undefined,
  name: string,
): string | undefined {
  if (cookieHeader === undefined) return undefined;
  const headers = typeof cookieHeader === 'string' ? [cookieHeader] : cookieHeader;
  if (!Array.isArray(headers)) return undefined;
  for (const header of headers) {
    if (typeof header !== 'string') continue;
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      const value = pair.slice(eq + 1).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
  }
  return undefined;
}

function normalizeAddress(address: string | undefined): string | undefined {
  if (typeof address !== 'string' || address.length === 0) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function fromSource(context: PickContext, source: StickyKey): string | undefined {
  if (source === 'clientAddress') return normalizeAddress(context.clientAddress);
  if (typeof source === 'function') {
    try {
      const key = source(context);
      return typeof key === 'string' ? key : undefined;
    } catch {
      // A failing user function must not make pick throw; the request falls back like a keyless one.
      return undefined;
    }
  }
  if ('header' in source) return headerValue(context.headers, source.header.toLowerCase()) || undefined;
  return cookieValue(context.headers?.cookie, source.cookie) || undefined;
}

/**
 * Derives the affinity key of a request. Order: `context.hashKey` when it is a string; then the configured
 * `source`; then, if that gave nothing (no such header or cookie, empty value, function returned `undefined` or
 * threw), the client address. Returns `undefined` when none is available; the hash strategies then spread such
 * requests over the backends by a rotating counter. Never throws.
 *
 * @param source - Where the key comes from. @default 'clientAddress'
 * @example
 * ```ts
 * resolveStickyKey({ headers: { cookie: 'sid=u7; lang=en' } }, { cookie: 'sid' }); // 'u7'
 * ```
 */
export function resolveStickyKey(
  context: PickContext | undefined,
  source: StickyKey = 'clientAddress',
): string | undefined {
  if (context === undefined) return undefined;
  if (typeof context.hashKey === 'string') return context.hashKey;
  const key = fromSource(context, source);
  if (key !== undefined || source === 'clientAddress') return key;
  return normalizeAddress(context.clientAddress);
}

/** Seed for keyless picks, so their hashes do not line up with any key's. */
const KEYLESS_SEED = 0x2f0b3c1d;

/**
 * Returns a function mapping a request to a 32-bit hash: {@link hashKey} of its sticky key (see
 * {@link resolveStickyKey}) or, for a request with no key at all, the hash of a counter that advances on each
 * such request, so keyless traffic spreads over the backends in proportion to their share instead of piling
 * onto one of them.
 */
export function stickyKeyHasher(source: StickyKey = 'clientAddress'): (context?: PickContext) => number {
  let keyless = 0;
  return (context) => {
    const key = resolveStickyKey(context, source);
    if (key !== undefined) return hashKey(key);
    keyless = (keyless + 1) | 0;
    return xxHash32Words(keyless, 0, KEYLESS_SEED);
  };
}

/** Checks a `key` option and returns it, throwing a `ConfigError` (`LB_ERR_INVALID_OPTION`) otherwise. */
export function validateStickyKey(value: unknown, field: string): StickyKey {
  if (value === 'clientAddress' || typeof value === 'function') return value as StickyKey;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (keys.length === 1 && (keys[0] === 'header' || keys[0] === 'cookie')) {
      const name = record[keys[0]];
      if (typeof name === 'string' && name.length > 0) return value as StickyKey;
    }
  }
  return fail(
    'LB_ERR_INVALID_OPTION',
    field,
    "must be 'clientAddress', { header: name }, { cookie: name } or a function of the pick context",
    value,
  );
}
