import type { OutgoingHttpHeaders } from 'node:http2';

/**
 * Response fields HTTP/2 forbids (RFC 9113 §8.2.2). The response builder already drops the hop-by-hop ones;
 * this is the last guard, since Node throws on them rather than dropping them.
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
 * Flat `[name, value, …]` fields as an HTTP/2 field block: names lower-cased, connection-specific fields left
 * out, repeated fields joined with `, ` except `set-cookie`, which stays a list (RFC 9110 §5.3).
 */
export function toHttp2Fields(raw: readonly string[], into: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (connectionSpecific.has(name) || name.charCodeAt(0) === 0x3a) continue;
    const value = raw[i + 1]!;
    const seen = into[name];
    if (seen === undefined) into[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(seen)) seen.push(value);
    else into[name] = `${String(seen)}, ${value}`;
  }
  return into;
}
