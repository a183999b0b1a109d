import { listElements } from './hopByHop.js';
import type { BodyFraming } from './requestHeaders.js';

/** A message whose framing cannot be trusted, with the status a client should get for it. */
export interface FramingViolation {
  readonly status: 400 | 501;
  readonly reason: string;
}

/** Names of another length cannot match, so most fields are skipped without lower-casing them. */
function isNamed(raw: string, lowerName: string): boolean {
  return raw.length === lowerName.length && raw.toLowerCase() === lowerName;
}

function countHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (isNamed(rawHeaders[i]!, lowerName)) count++;
  return count;
}

function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (isNamed(rawHeaders[i]!, lowerName)) values.push(rawHeaders[i + 1]!);
  }
  return values;
}

/**
 * Checks a client request's framing beyond the field syntax the request-head parser enforces (see the framing
 * vectors): a second `Host`, `Transfer-Encoding` on HTTP/1.0, any coding other than a single `chunked`, or
 * `Content-Length` next to `Transfer-Encoding`. Returns how the body is framed, or the violation to answer with before closing.
 */
export function checkRequestFraming(
  httpVersion: string,
  rawHeaders: readonly string[],
): { framing: BodyFraming } | { violation: FramingViolation } {
  if (countHeader(rawHeaders, 'host') > 1) return { violation: { status: 400, reason: 'duplicate Host' } };
  const te = headerValues(rawHeaders, 'transfer-encoding');
  const cl = headerValues(rawHeaders, 'content-length');
  if (te.length > 0) {
    if (httpVersion !== '1.1') return { violation: { status: 400, reason: 'Transfer-Encoding in HTTP/1.0' } };
    if (cl.length > 0) return { violation: { status: 400, reason: 'Content-Length with Transfer-Encoding' } };
    const codings = te.flatMap(listElements);
    if (codings.length !== 1 || codings[0] !== 'chunked') {
      const status = codings.filter((c) => c === 'chunked').length === 1 ? 501 : 400;
      return { violation: { status, reason: `unsupported Transfer-Encoding ${te.join(', ')}` } };
    }
    return { framing: { kind: 'chunked' } };
  }
  if (cl.length > 1) return { violation: { status: 400, reason: 'duplicate Content-Length' } };
  if (cl.length === 1) {
    const value = cl[0]!.trim();
    if (!/^\d{1,15}$/.test(value)) return { violation: { status: 400, reason: 'invalid Content-Length' } };
    const length = Number(value);
    return { framing: length === 0 ? { kind: 'none' } : { kind: 'length', length } };
  }
  return { framing: { kind: 'none' } };
}
