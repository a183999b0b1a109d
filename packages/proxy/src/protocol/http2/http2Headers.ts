import { HttpParseError } from '../http1/fieldSyntax.js';
import { FieldTable } from '../http1/fieldTable.js';
import { alwaysHopByHop } from '../http1/hopByHop.js';
import type { ResponseHead } from '../http1/responseParser.js';
import { reasonPhrase } from '../http1/statusReasons.js';
import { connectionSpecificFields, isName, isValue } from './fieldChecks.js';
import { lowerCaseName } from './lowerCaseName.js';

/**
 * Fields HTTP/2 forbids (RFC 9113 §8.2.2: connection-specific ones) and `Host`, which becomes `:authority`.
 * `TE` is handled apart: only `trailers` may pass.
 */
const notForwarded = new FieldTable([...alwaysHopByHop, 'host', 'http2-settings'].map((n) => [n, true]));

/** A backend's HTTP/2 response that RFC 9113 §8.1.1 calls malformed: the stream is reset and the request fails. */
export class MalformedResponseError extends HttpParseError {}

/** What {@link toHttp2Request} needs of a request, beyond its flat header list. */
export interface Http2RequestLine {
  readonly method: string;
  readonly path: string;
  readonly scheme: 'http' | 'https';
  /** Used as `:authority` when the headers carry no `Host`. */
  readonly defaultAuthority: string;
}

/**
 * Maps an HTTP/1.1-style request head (a flat `[name, value, …]` list) to an HTTP/2 field list: the
 * pseudo-headers first, `Host` as `:authority`, connection-specific fields dropped, `TE` kept only as
 * `trailers`, names lower-cased. `CONNECT` has no `:scheme` or `:path` (RFC 9113 §8.5).
 */
export function toHttp2Request(line: Http2RequestLine, headers: readonly string[]): string[] {
  const connect = line.method === 'CONNECT';
  const out: string[] = connect
    ? [':method', line.method, ':authority', line.defaultAuthority]
    : [
        ':method',
        line.method,
        ':scheme',
        line.scheme,
        ':authority',
        line.defaultAuthority,
        ':path',
        line.path,
      ];
  let authority: string | undefined;
  let te = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = lowerCaseName(headers[i]!);
    const value = headers[i + 1]!;
    // Only the balancer sets pseudo-headers: a field named like one never overrides them.
    if (name.charCodeAt(0) === 0x3a) continue;
    if (name === 'host') authority ??= value;
    if (name === 'te') {
      // The one TE value HTTP/2 allows (RFC 9113 §8.2.2); gRPC servers require it.
      if (!te && value.split(',').some((t) => t.split(';')[0]!.trim().toLowerCase() === 'trailers')) {
        te = true;
        out.push('te', 'trailers');
      }
      continue;
    }
    if (notForwarded.get(name)) continue;
    out.push(name, value);
  }
  if (authority !== undefined) out[connect ? 3 : 5] = authority;
  return out;
}

/** A trailer list (`[name, value, …]`) as HTTP/2 trailer fields: names lower-cased, forbidden fields dropped. */
export function toHttp2Trailers(rawTrailers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawTrailers.length; i += 2) {
    const name = lowerCaseName(rawTrailers[i]!);
    if (notForwarded.get(name) || name.charCodeAt(0) === 0x3a) continue;
    out.push(name, rawTrailers[i + 1]!);
  }
  return out;
}

const decimal = /^[0-9]{1,15}$/;
const statusDigits = /^[1-9][0-9]{2}$/;

/**
 * Checks the fields of a header block from a backend (RFC 9113 §8.1.1, §8.2) and returns the regular ones:
 * lower-case token names, values without NUL, CR, LF or other controls (they may be forwarded on an HTTP/1.1
 * connection), no connection-specific field, and `:status` as the only pseudo-header (before the others) in a
 * head; none in trailers. Returns the status (0 for trailers) in `status`. With `wellFormed` (see
 * `checkRequestFields`), names and values are known good already.
 *
 * @throws {MalformedResponseError} for a malformed block.
 */
function checkFields(
  fields: readonly string[],
  head: boolean,
  wellFormed: boolean,
): { status: number; regular: string[] } {
  let status = 0;
  let regular = false;
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      if (!head || regular || name !== ':status' || status !== 0 || !statusDigits.test(value)) {
        throw new MalformedResponseError(`invalid pseudo-header ${name.slice(0, 32)}`);
      }
      status = Number(value);
      continue;
    }
    regular = true;
    if (!wellFormed) {
      if (!isName(name))
        throw new MalformedResponseError(`invalid field name ${JSON.stringify(name.slice(0, 32))}`);
      if (!isValue(value)) throw new MalformedResponseError(`invalid value of ${name}`);
    }
    if (connectionSpecificFields.has(name))
      throw new MalformedResponseError(`connection-specific field ${name}`);
    out.push(name, value);
  }
  if (head && status === 0) throw new MalformedResponseError('no :status');
  return { status, regular: out };
}

/**
 * The response head a backend's HTTP/2 header block carries, in the shape the HTTP/1.1 parser reports
 * (informational heads included: the caller tells them by their status). `wellFormed`: every name and value
 * already passed `wellFormedField`, as the session's HPACK decoder tells.
 *
 * @throws {MalformedResponseError} for a malformed block.
 */
export function fromHttp2Response(fields: readonly string[], wellFormed = false): ResponseHead {
  const { status, regular } = checkFields(fields, true, wellFormed);
  let length: string | undefined;
  for (let i = 0; i < regular.length; i += 2) if (regular[i] === 'content-length') length = regular[i + 1];
  return {
    status,
    reason: reasonPhrase(status),
    httpVersion: '2.0',
    rawHeaders: regular,
    contentLength: length !== undefined && decimal.test(length) ? Number(length) : undefined,
    chunked: false,
  };
}

/**
 * A backend's HTTP/2 trailers as a flat list (`wellFormed` as for {@link fromHttp2Response}).
 *
 * @throws {MalformedResponseError} for a malformed block (a pseudo-header among them, a bad field).
 */
export function fromHttp2Trailers(fields: readonly string[], wellFormed = false): string[] {
  return checkFields(fields, false, wellFormed).regular;
}
