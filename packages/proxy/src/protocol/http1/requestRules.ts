import type { UnderscoreHeaders } from '@lb/core';
import { isValidHost } from './hostSyntax.js';
import { type RequestHead, RequestParseError } from './requestHead.js';
import { originTarget } from './requestTarget.js';

/** The configurable rules a request head must pass before it is forwarded. */
export interface RequestRules {
  /** Most header fields in a request; more get 431. */
  readonly maxHeaderCount: number;
  /** Whether `TRACE` is forwarded rather than answered with 405. */
  readonly allowTrace: boolean;
  /** What becomes of fields whose name holds `_`. */
  readonly underscoreHeaders: UnderscoreHeaders;
}

/** A request as it is forwarded: origin-form target, fields after the rules, and whether it names a host. */
export interface CheckedRequest {
  readonly target: string;
  readonly rawHeaders: string[];
  readonly hasHost: boolean;
}

/** Without the fields whose name holds `_`; the list itself when there are none, as in nearly every request. */
function withoutUnderscored(rawHeaders: string[], reject: boolean): string[] {
  let kept: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.includes('_')) {
      if (reject) throw new RequestParseError(400, `header name with an underscore ${name.slice(0, 64)}`);
      kept ??= rawHeaders.slice(0, i);
    } else if (kept !== undefined) kept.push(name, rawHeaders[i + 1]!);
  }
  return kept ?? rawHeaders;
}

/** The fields with `Host` set to `authority`: replaced where it was (only one can be), or added first. */
function withHost(rawHeaders: string[], authority: string): string[] {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      const out = rawHeaders.slice();
      out[i + 1] = authority;
      return out;
    }
  }
  return ['Host', authority, ...rawHeaders];
}

/**
 * Applies the request rules beyond syntax and framing: the field count cap (431), `TRACE` (405), names with
 * `_` (dropped or 400), the request target (absolute-form becomes origin-form and its authority the `Host`)
 * and the `Host` syntax (400). `host` is the received `Host` value, already checked to be the only one.
 *
 * @throws {RequestParseError} With the status to answer before closing.
 */
export function applyRequestRules(
  head: RequestHead,
  host: string | undefined,
  rules: RequestRules,
): CheckedRequest {
  if (head.rawHeaders.length / 2 > rules.maxHeaderCount)
    throw new RequestParseError(431, `more than ${rules.maxHeaderCount} header fields`);
  if (head.method === 'TRACE' && !rules.allowTrace) throw new RequestParseError(405, 'TRACE is not allowed');
  let rawHeaders =
    rules.underscoreHeaders === 'allow'
      ? head.rawHeaders
      : withoutUnderscored(head.rawHeaders, rules.underscoreHeaders === 'reject');
  const { path, authority } = originTarget(head.method, head.target);
  if (authority !== undefined) {
    // RFC 9112 §3.2.2: the received Host is ignored (its presence was still required of an HTTP/1.1 client).
    rawHeaders = withHost(rawHeaders, authority);
    return { target: path, rawHeaders, hasHost: true };
  }
  if (host !== undefined && !isValidHost(host)) throw new RequestParseError(400, 'invalid Host');
  return { target: path, rawHeaders, hasHost: host !== undefined };
}
