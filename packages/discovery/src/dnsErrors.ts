/**
 * Whether a `node:dns` error means "no such records" (NXDOMAIN, or the name exists without records of this
 * type) rather than a failure to ask: the first empties a set after the hold, the second freezes it.
 */
export function isEmptyAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}
