import { FieldTable } from './fieldTable.js';
import { alwaysHopByHop, connectionTokens, namedInConnection } from './hopByHop.js';

/** Response fields the balancer never relays as received: the hop-by-hop ones, and the length it re-emits. */
const droppedResponseFields = new FieldTable([...alwaysHopByHop, 'content-length'].map((n) => [n, true]));

/**
 * Filters a backend's response headers for the client: hop-by-hop fields and those named in `Connection` are
 * dropped, and `Content-Length` is re-emitted in canonical decimal form when the body is length-framed (the
 * client side re-frames everything else, chunked or close-delimited, for its connection).
 */
export function buildResponseHeaders(
  rawHeaders: readonly string[],
  contentLength: number | undefined,
): string[] {
  const tokens = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (droppedResponseFields.get(name) || namedInConnection(name, tokens)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  if (contentLength !== undefined) out.push('Content-Length', String(contentLength));
  return out;
}

/**
 * Fields a trailer section must not carry (RFC 9110 §6.5.1): framing, routing (`Host`), request modifiers,
 * authentication, response control and content processing, which a recipient may already have acted on by the
 * time the trailers come; and the forwarding fields, which only the balancer may set, so a client cannot slip
 * an `X-Forwarded-For` past it behind its body.
 */
const forbiddenTrailers = new FieldTable(
  [
    ...alwaysHopByHop,
    'content-length',
    'trailer',
    'host',
    'cache-control',
    'expect',
    'max-forwards',
    'pragma',
    'range',
    'if-match',
    'if-none-match',
    'if-modified-since',
    'if-unmodified-since',
    'if-range',
    'authorization',
    'proxy-authorization',
    'www-authenticate',
    'proxy-authenticate',
    'authentication-info',
    'proxy-authentication-info',
    'cookie',
    'set-cookie',
    'age',
    'expires',
    'date',
    'location',
    'retry-after',
    'vary',
    'warning',
    'content-encoding',
    'content-type',
    'content-range',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'x-forwarded-port',
    'forwarded',
    'via',
  ].map((n) => [n, true]),
);

/**
 * Keeps the trailer fields that may be relayed, dropping every field {@link forbiddenTrailers} lists and, when
 * `dropUnderscored` (client trailers under `underscoreHeaders: 'drop'` or `'reject'`), names with `_`.
 */
export function filterTrailers(rawTrailers: readonly string[], dropUnderscored = false): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawTrailers.length; i += 2) {
    const name = rawTrailers[i]!;
    if (forbiddenTrailers.get(name) || (dropUnderscored && name.includes('_'))) continue;
    out.push(name, rawTrailers[i + 1]!);
  }
  return out;
}
