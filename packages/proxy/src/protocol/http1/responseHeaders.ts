import { connectionTokens, isHopByHop, mayBeHopByHop } from './hopByHop.js';

/**
 * Filters a backend's response headers for the client: hop-by-hop fields and those named in `Connection` are
 * dropped, and `Content-Length` is re-emitted in canonical decimal form when the body is length-framed (Node
 * re-frames everything else, chunked or close-delimited, for the client connection).
 */
export function buildResponseHeaders(
  rawHeaders: readonly string[],
  contentLength: number | undefined,
): string[] {
  const tokens = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 14 || mayBeHopByHop(name, tokens)) {
      const lower = name.toLowerCase();
      if (lower === 'content-length' || isHopByHop(lower, tokens)) continue;
    }
    out.push(name, rawHeaders[i + 1]!);
  }
  if (contentLength !== undefined) out.push('Content-Length', String(contentLength));
  return out;
}

/** Drops hop-by-hop and framing fields from trailers, which must never change how a message is framed. */
export function filterTrailers(rawTrailers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawTrailers.length; i += 2) {
    const lower = rawTrailers[i]!.toLowerCase();
    if (lower === 'content-length' || lower === 'host' || isHopByHop(lower, new Set())) continue;
    out.push(rawTrailers[i]!, rawTrailers[i + 1]!);
  }
  return out;
}
