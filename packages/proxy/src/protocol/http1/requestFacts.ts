import { FieldTable } from './fieldTable.js';

/** What the client side needs to know of a request's fields before it is forwarded. */
export interface RequestFacts {
  /** The `Host` value, when there is one (a second `Host` is refused by the framing check). */
  readonly host: string | undefined;
  /** `Connection: close` was sent. */
  readonly close: boolean;
  /** `Connection: keep-alive` was sent (meaningful for HTTP/1.0). */
  readonly keepAlive: boolean;
  /** Both `Connection: upgrade` and an `Upgrade` field were sent. */
  readonly upgrade: boolean;
  /** The `Expect` value, when there is one. */
  readonly expect: string | undefined;
}

const factFields = new FieldTable<'host' | 'expect' | 'upgrade' | 'connection'>([
  ['host', 'host'],
  ['expect', 'expect'],
  ['upgrade', 'upgrade'],
  ['connection', 'connection'],
]);

/**
 * Reads the connection-level facts of a request in one pass; only names that may be one of the fields it reads
 * are lower-cased (see {@link FieldTable}), so the common request costs a table probe per field.
 */
export function requestFacts(rawHeaders: readonly string[]): RequestFacts {
  let host: string | undefined;
  let close = false;
  let keepAlive = false;
  let upgradeToken = false;
  let upgradeField = false;
  let expect: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const field = factFields.get(rawHeaders[i]!);
    if (field === undefined) continue;
    if (field === 'host') host = rawHeaders[i + 1]!;
    else if (field === 'expect') expect = rawHeaders[i + 1]!;
    else if (field === 'upgrade') upgradeField = true;
    else {
      for (const part of rawHeaders[i + 1]!.split(',')) {
        const token = part.trim().toLowerCase();
        if (token === 'close') close = true;
        else if (token === 'keep-alive') keepAlive = true;
        else if (token === 'upgrade') upgradeToken = true;
      }
    }
  }
  return { host, close, keepAlive, upgrade: upgradeToken && upgradeField, expect };
}
