import { FieldTable } from './fieldTable.js';

/**
 * Hop-by-hop header rules (RFC 9110 §7.6.1): these fields describe one connection, never the message, so a proxy
 * drops them together with every field the `Connection` header names.
 */

/** Fields that are always connection-specific, whether `Connection` names them or not. */
export const alwaysHopByHop: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
];

/**
 * Fields a `Connection` header cannot remove: routing, framing and the forwarding fields the balancer vouches
 * for. Naming them would let a client strip the `Host` a backend routes on (`Connection: close, Host`); framing
 * and forwarding fields are re-emitted by the balancer anyway.
 */
const ignoredTokens: ReadonlySet<string> = new Set([
  ...alwaysHopByHop,
  'close',
  'host',
  'content-length',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'via',
]);

const noTokens: ReadonlySet<string> = new Set();
const connectionName = new FieldTable([['connection', true]]);
/** `Connection` values that name nothing the message loses, looked up in any letter case. */
const soleToken = new FieldTable([
  ['keep-alive', true],
  ['close', true],
]);

/**
 * The lower-case field names listed in every `Connection` header of a raw header list that the message loses
 * on the next hop (the always hop-by-hop names, `close` and the fields of {@link ignoredTokens} left out).
 */
export function connectionTokens(rawHeaders: readonly string[]): ReadonlySet<string> {
  // Most messages carry no `Connection` field: they share one empty set instead of allocating their own.
  let tokens: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 10 || !connectionName.get(name)) continue;
    const value = rawHeaders[i + 1]!;
    // What nearly every message says, settled without splitting or lower-casing.
    if (soleToken.get(value)) continue;
    for (const part of value.split(',')) {
      const token = part.trim().toLowerCase();
      // Leaving out what is dropped anyway keeps the common `Connection: keep-alive` message on the shared
      // empty set, and its other names un-lower-cased.
      if (token === '' || ignoredTokens.has(token)) continue;
      tokens ??= new Set();
      tokens.add(token);
    }
  }
  return tokens ?? noTokens;
}

/** Whether a field must be dropped because its message's `Connection` header names it. */
export function namedInConnection(rawName: string, tokens: ReadonlySet<string>): boolean {
  return tokens.size > 0 && tokens.has(rawName.toLowerCase());
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
