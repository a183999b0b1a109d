/** What the client side needs to know of a request's fields before it is forwarded. */
export interface RequestFacts {
  readonly host: boolean;
  /** `Connection: close` was sent. */
  readonly close: boolean;
  /** `Connection: keep-alive` was sent (meaningful for HTTP/1.0). */
  readonly keepAlive: boolean;
  /** Both `Connection: upgrade` and an `Upgrade` field were sent. */
  readonly upgrade: boolean;
  /** The `Expect` value, when there is one. */
  readonly expect: string | undefined;
}

/**
 * Reads the connection-level facts of a request in one pass. Only names of the lengths of `Host`, `Expect`,
 * `Upgrade` and `Connection` are lower-cased, so the common request costs a length check per field.
 */
export function requestFacts(rawHeaders: readonly string[]): RequestFacts {
  let host = false;
  let close = false;
  let keepAlive = false;
  let upgradeToken = false;
  let upgradeField = false;
  let expect: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!;
    const length = raw.length;
    if (length !== 4 && length !== 6 && length !== 7 && length !== 10) continue;
    const name = raw.toLowerCase();
    if (name === 'host') host = true;
    else if (name === 'expect') expect = rawHeaders[i + 1]!;
    else if (name === 'upgrade') upgradeField = true;
    else if (name === 'connection') {
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
