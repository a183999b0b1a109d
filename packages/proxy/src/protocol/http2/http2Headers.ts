import type { OutgoingHttpHeaders } from 'node:http2';
import { FieldTable } from '../http1/fieldTable.js';
import { alwaysHopByHop } from '../http1/hopByHop.js';
import type { ResponseHead } from '../http1/responseParser.js';
import { reasonPhrase } from '../http1/statusReasons.js';

/**
 * Fields HTTP/2 forbids (RFC 9113 §8.2.2: connection-specific ones, which Node refuses to send) and `Host`,
 * which becomes `:authority`. `TE` is handled apart: only `trailers` may pass.
 */
const notForwarded = new FieldTable([...alwaysHopByHop, 'host', 'http2-settings'].map((n) => [n, true]));

/** Headers as Node hands them over on an HTTP/2 stream: `:status` a number, repeated fields a list. */
type ReceivedHeaders = Readonly<Record<string, string | string[] | number | undefined>>;

/** What {@link toHttp2Request} needs of a request, beyond its flat header list. */
export interface Http2RequestLine {
  readonly method: string;
  readonly path: string;
  readonly scheme: 'http' | 'https';
  /** Used as `:authority` when the headers carry no `Host`. */
  readonly defaultAuthority: string;
}

/**
 * Maps an HTTP/1.1-style request head (a flat `[name, value, …]` list) to HTTP/2 headers: the pseudo-headers
 * first, `Host` as `:authority`, connection-specific fields dropped, `TE` kept only as `trailers`, names
 * lower-cased, repeated fields as one list. `CONNECT` has no `:scheme` or `:path` (RFC 9113 §8.5).
 */
export function toHttp2Request(line: Http2RequestLine, headers: readonly string[]): OutgoingHttpHeaders {
  // One object, pseudo-headers first, fields added to it: no spread. On Node 20 (V8 11.3) every property added to
  // an object made by spreading a non-empty one costs microseconds, and this runs once per request.
  const out: Record<string, string | string[]> =
    line.method === 'CONNECT'
      ? { ':method': line.method, ':authority': line.defaultAuthority }
      : {
          ':method': line.method,
          ':scheme': line.scheme,
          ':authority': line.defaultAuthority,
          ':path': line.path,
        };
  let authority: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    const value = headers[i + 1]!;
    // Only the balancer sets pseudo-headers: a field named like one never overrides them.
    if (name.charCodeAt(0) === 0x3a) continue;
    if (name === 'host') authority ??= value;
    if (name === 'te') {
      // The one TE value HTTP/2 allows (RFC 9113 §8.2.2); gRPC servers require it.
      if (value.split(',').some((t) => t.split(';')[0]!.trim().toLowerCase() === 'trailers')) {
        out.te = 'trailers';
      }
      continue;
    }
    if (notForwarded.get(name)) continue;
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  if (authority !== undefined) out[':authority'] = authority;
  return out;
}

/** Flattens an HTTP/2 header object to `[name, value, …]`, leaving out the pseudo-headers. */
export function flattenHttp2Headers(headers: ReceivedHeaders): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, String(value));
  }
  return out;
}

const decimal = /^[0-9]{1,15}$/;

/** The response head an HTTP/2 response carries, in the shape the HTTP/1.1 parser reports. */
export function fromHttp2Response(headers: ReceivedHeaders): ResponseHead {
  const status = Number(headers[':status']);
  const length = headers['content-length'];
  return {
    status,
    reason: reasonPhrase(status),
    httpVersion: '2.0',
    rawHeaders: flattenHttp2Headers(headers),
    contentLength: typeof length === 'string' && decimal.test(length) ? Number(length) : undefined,
    chunked: false,
  };
}

/** A trailer list (`[name, value, …]`) as the HTTP/2 header object `sendTrailers` takes. */
export function toHttp2Trailers(rawTrailers: readonly string[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < rawTrailers.length; i += 2) {
    const name = rawTrailers[i]!.toLowerCase();
    if (notForwarded.get(name) || name.charCodeAt(0) === 0x3a) continue;
    const seen = out[name];
    const value = rawTrailers[i + 1]!;
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  return out;
}
