/**
 * Hop-by-hop header rules (RFC 9110 §7.6.1): these fields describe one connection, never the message, so a proxy
 * drops them together with every field the `Connection` header names.
 */

/** Fields that are always connection-specific, whether `Connection` names them or not. */
const alwaysHopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
]);

const noTokens: ReadonlySet<string> = new Set();

/** The lower-case field names listed in every `Connection` header of a raw header list. */
export function connectionTokens(rawHeaders: readonly string[]): ReadonlySet<string> {
  // Most messages carry no `Connection` field: they share one empty set instead of allocating their own.
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const part of rawHeaders[i + 1]!.split(',')) {
      const token = part.trim().toLowerCase();
      // `keep-alive`, `close` and `upgrade` are dropped anyway: leaving them out keeps the common
      // `Connection: keep-alive` message on the shared empty set, and its other names un-lower-cased.
      if (token === '' || token === 'close' || alwaysHopByHop.has(token)) continue;
      tokens ??= new Set();
      tokens.add(token);
    }
  }
  return tokens ?? noTokens;
}

/**
 * Whether a raw field name can be hop-by-hop at all: the fixed ones are 2, 7, 10, 16 or 17 characters long, so
 * a message without `Connection` tokens skips lower-casing every other name.
 */
export function mayBeHopByHop(rawName: string, tokens: ReadonlySet<string>): boolean {
  const length = rawName.length;
  return tokens.size > 0 || length === 2 || length === 7 || length === 10 || length === 16 || length === 17;
}

/** Whether a lower-case field name must not be forwarded, given the connection tokens of its message. */
export function isHopByHop(lowerName: string, tokens: ReadonlySet<string>): boolean {
  return alwaysHopByHop.has(lowerName) || tokens.has(lowerName);
}

/** Splits a comma-separated list field into trimmed, lower-case, non-empty elements. */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const element = part.trim().toLowerCase();
    if (element !== '') out.push(element);
  }
  return out;
}
