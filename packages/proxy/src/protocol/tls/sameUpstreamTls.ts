import type { UpstreamTls } from '@lb/core';

type Pem = string | Uint8Array;

function samePem(a: Pem | undefined, b: Pem | undefined): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function sameCa(a: Pem | readonly Pem[] | undefined, b: Pem | readonly Pem[] | undefined): boolean {
  const list = (x: typeof a): readonly (Pem | undefined)[] => (Array.isArray(x) ? x : [x as Pem | undefined]);
  const [x, y] = [list(a), list(b)];
  return x.length === y.length && x.every((pem, i) => samePem(pem, y[i]));
}

/**
 * Whether two backend `tls` settings connect the same way, by content: a reload that lists a backend with an
 * equal but newly built setting must not replace it (dropping its pool and sessions), a changed one must.
 */
export function sameUpstreamTls(a: UpstreamTls | undefined, b: UpstreamTls | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return (
    a.servername === b.servername &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    sameCa(a.ca, b.ca) &&
    samePem(a.cert, b.cert) &&
    samePem(a.key, b.key)
  );
}
