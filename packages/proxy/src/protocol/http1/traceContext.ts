import { randomBytes } from 'node:crypto';

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeros32 = '0'.repeat(32);
const zeros16 = '0'.repeat(16);

/**
 * Whether `value` is a `traceparent` a proxy may pass on (W3C Trace Context §3.2): version `00` exactly as
 * specified, or a later version whose known prefix is well-formed; never version `ff`, an all-zero trace id or
 * an all-zero parent id.
 */
export function isValidTraceparent(value: string): boolean {
  const m = traceparentPattern.exec(value);
  if (m === null) return false;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff' || traceId === zeros32 || parentId === zeros16) return false;
  // Version 00 has no further fields; later versions may append some after a dash.
  return version === '00' ? rest === undefined : rest === undefined || rest.startsWith('-');
}

/** A new `traceparent` (version 00, sampled flag off) with random trace and parent ids. */
export function newTraceparent(): string {
  const bytes = randomBytes(24);
  let traceId = bytes.toString('hex', 0, 16);
  let parentId = bytes.toString('hex', 16, 24);
  // An all-zero id is invalid; with 128 random bits it is all but impossible, but never emit one.
  if (traceId === zeros32) traceId = `${zeros32.slice(1)}1`;
  if (parentId === zeros16) parentId = `${zeros16.slice(1)}1`;
  return `00-${traceId}-${parentId}-00`;
}

/** The trace id of a valid `traceparent`, for logs. */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
