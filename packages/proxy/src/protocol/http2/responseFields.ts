import { connectionSpecificFields } from './fieldChecks.js';
import { lowerCaseName } from './lowerCaseName.js';

/**
 * Flat `[name, value, …]` fields as an HTTP/2 field list appended to `into` (which may start with `:status`):
 * names lower-cased, connection-specific fields and pseudo-header look-alikes left out, repeated fields kept as
 * repeated fields (RFC 9113 §8.2.3 allows it, and `set-cookie` needs it).
 */
export function toHttp2Fields(raw: readonly string[], into: string[]): string[] {
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerCaseName(raw[i]!);
    // The response builder already drops the hop-by-hop fields; this is the last guard, since a peer must treat
    // them (and `te` in a response) as malformed.
    if (connectionSpecificFields.has(name) || name === 'te' || name.charCodeAt(0) === 0x3a) continue;
    into.push(name, raw[i + 1]!);
  }
  return into;
}
