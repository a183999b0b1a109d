/**
 * Response fields HTTP/2 forbids (RFC 9113 §8.2.2). The response builder already drops the hop-by-hop ones;
 * this is the last guard, since a peer must treat them as malformed.
 */
const connectionSpecific: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
]);

/**
 * Flat `[name, value, …]` fields as an HTTP/2 field list appended to `into` (which may start with `:status`):
 * names lower-cased, connection-specific fields and pseudo-header look-alikes left out, repeated fields kept as
 * repeated fields (RFC 9113 §8.2.3 allows it, and `set-cookie` needs it).
 */
export function toHttp2Fields(raw: readonly string[], into: string[]): string[] {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (connectionSpecific.has(name) || name.charCodeAt(0) === 0x3a) continue;
    into.push(name, raw[i + 1]!);
  }
  return into;
}
