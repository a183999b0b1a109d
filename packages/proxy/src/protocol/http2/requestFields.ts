import { HttpParseError } from '../http1/fieldSyntax.js';
import { isName, isValue } from './fieldChecks.js';

/**
 * An HTTP/2 request that RFC 9113 §8.1.1 calls malformed: the stream is reset with `PROTOCOL_ERROR` and nothing
 * of it is forwarded.
 */
export class MalformedRequestError extends HttpParseError {}

/** An HTTP/2 request head in the terms an HTTP/1.1 backend understands. */
export interface Http2RequestHead {
  readonly method: string;
  /** `:path`: origin form, or `*` for `OPTIONS`. */
  readonly path: string;
  /** `:authority`, or the `Host` field when there is no `:authority`. */
  readonly authority: string | undefined;
  /** Regular fields, `Host` first (from `:authority`), `Cookie` lines joined with `; ` (RFC 9113 §8.2.3). */
  readonly rawHeaders: string[];
  /** The `content-length` value, when the client sent one. */
  readonly contentLength: number | undefined;
  /** The `expect` value, when there is one (forwarded, as HTTP/1.1's is). */
  readonly expect: string | undefined;
}

/** What a field name means to the checks: pseudo-header, connection-specific, or one with a rule. */
type FieldRule = 'connection' | 'te' | 'host' | 'cookie' | 'contentLength' | 'expect';

/**
 * RFC 9113 §8.2.2: fields that describe one HTTP/1.1 connection and are malformed in HTTP/2. Keyed by the
 * lower-case name itself: a name is looked up only once it passed `isName`, which admits no upper case.
 */
const fieldRules: ReadonlyMap<string, FieldRule> = new Map<string, FieldRule>([
  ['connection', 'connection'],
  ['keep-alive', 'connection'],
  ['proxy-connection', 'connection'],
  ['transfer-encoding', 'connection'],
  ['upgrade', 'connection'],
  ['te', 'te'],
  ['host', 'host'],
  ['cookie', 'cookie'],
  ['content-length', 'contentLength'],
  ['expect', 'expect'],
]);

const digits = /^[0-9]{1,15}$/;

/**
 * Checks an HTTP/2 request's field list (pseudo-headers as received, then the regular fields) against RFC 9113 §8
 * and turns it into an HTTP/1.1 head.
 *
 * @param wellFormed - every name and value already passed `wellFormedField` (the HPACK decoder checks each
 * field once and remembers the answer with its table entry): only the rules on the list as a whole are left.
 * @throws {MalformedRequestError} for a malformed request (§8.1.1); CONNECT is refused the same way by the caller.
 */
export function checkRequestFields(raw: readonly string[], wellFormed = false): Http2RequestHead {
  let method: string | undefined;
  let path: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let host: string | undefined;
  let cookie: string | undefined;
  let contentLength: number | undefined;
  let expect: string | undefined;
  let regular = false;
  // `Host` comes first (from `:authority`, or the `host` field): its slot is kept from the start, so the list
  // is not copied to put it there.
  const rest: string[] = ['Host', ''];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      if (regular) throw new MalformedRequestError(`pseudo-header ${name} after a regular field`);
      if (!wellFormed && !isValue(value)) throw new MalformedRequestError(`invalid value of ${name}`);
      const seen = pseudo(name);
      if (seen === undefined) throw new MalformedRequestError(`unknown pseudo-header ${name.slice(0, 32)}`);
      const before =
        seen === 'method' ? method : seen === 'path' ? path : seen === 'scheme' ? scheme : authority;
      if (before !== undefined) throw new MalformedRequestError(`repeated ${name}`);
      if (seen === 'method') method = value;
      else if (seen === 'path') path = value;
      else if (seen === 'scheme') scheme = value;
      else authority = value;
      continue;
    }
    regular = true;
    if (!wellFormed) {
      if (!isName(name))
        throw new MalformedRequestError(`invalid field name ${JSON.stringify(name.slice(0, 32))}`);
      if (!isValue(value)) throw new MalformedRequestError(`invalid value of ${name}`);
    }
    const rule = fieldRules.get(name);
    if (rule === undefined) {
      rest.push(name, value);
      continue;
    }
    switch (rule) {
      case 'connection':
        throw new MalformedRequestError(`connection-specific field ${name}`);
      case 'te':
        if (value !== 'trailers') throw new MalformedRequestError('te other than trailers');
        // TE is hop-by-hop on the HTTP/1.1 hop to the backend: it stops here.
        break;
      case 'host':
        if (host !== undefined) throw new MalformedRequestError('repeated host');
        host = value;
        break;
      case 'cookie':
        cookie = cookie === undefined ? value : `${cookie}; ${value}`;
        break;
      case 'contentLength': {
        if (!digits.test(value)) throw new MalformedRequestError('invalid content-length');
        const length = Number(value);
        if (contentLength !== undefined && contentLength !== length)
          throw new MalformedRequestError('conflicting content-length');
        contentLength = length;
        break;
      }
      case 'expect':
        expect = value;
        rest.push(name, value);
        break;
    }
  }
  if (method === undefined) throw new MalformedRequestError('no :method');
  if (method === 'CONNECT') {
    return { method, path: '', authority, rawHeaders: rest.slice(2), contentLength, expect };
  }
  if (scheme === undefined || path === undefined) throw new MalformedRequestError('no :scheme or :path');
  if (path === '') throw new MalformedRequestError('empty :path');
  // §8.3.1: origin form, or `*` for OPTIONS; never the absolute form an HTTP/1.1 proxy request has.
  if (path.charCodeAt(0) !== 0x2f && !(path === '*' && method === 'OPTIONS'))
    throw new MalformedRequestError('invalid :path');
  // §8.3.1: the authority, when given, wins over Host; a Host alone still names the target.
  const target = authority ?? host;
  let rawHeaders = rest;
  if (target === undefined) rawHeaders = rest.slice(2);
  else rest[1] = target;
  if (cookie !== undefined) rawHeaders.push('Cookie', cookie);
  return { method, path, authority: target, rawHeaders, contentLength, expect };
}

function pseudo(name: string): 'method' | 'path' | 'scheme' | 'authority' | undefined {
  switch (name) {
    case ':method':
      return 'method';
    case ':path':
      return 'path';
    case ':scheme':
      return 'scheme';
    case ':authority':
      return 'authority';
    default:
      return undefined;
  }
}

/**
 * Checks a request's trailers (RFC 9113 §8.1): regular fields only, each a lower-case token with a value §8.2.1
 * allows, and no connection-specific field. `wellFormed` as for {@link checkRequestFields}.
 *
 * @throws {MalformedRequestError} for a malformed trailer section.
 */
export function checkRequestTrailers(fields: readonly string[], wellFormed = false): string[] {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) === 0x3a)
      throw new MalformedRequestError(`pseudo-header ${name.slice(0, 32)} in trailers`);
    if (!wellFormed) {
      if (!isName(name))
        throw new MalformedRequestError(`invalid trailer name ${JSON.stringify(name.slice(0, 32))}`);
      if (!isValue(fields[i + 1]!)) throw new MalformedRequestError(`invalid value of trailer ${name}`);
    }
    if (fieldRules.get(name) === 'connection')
      throw new MalformedRequestError(`connection-specific trailer ${name}`);
  }
  return fields as string[];
}
