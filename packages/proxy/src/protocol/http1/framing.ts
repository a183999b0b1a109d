import { bodyFraming } from './bodyFraming.js';
import { FieldTable } from './fieldTable.js';
import type { BodyFraming } from './requestHeaders.js';

/** A message whose framing cannot be trusted, with the status a client should get for it. */
export interface FramingViolation {
  readonly status: 400 | 501;
  readonly reason: string;
}

const host = new FieldTable([['host', true]]);

function hostCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (host.get(rawHeaders[i]!)) count++;
  return count;
}

/**
 * Checks a client request's framing beyond the field syntax the request-head parser enforces (see the framing
 * vectors): a second `Host`, then the Transfer-Encoding / Content-Length rules shared with responses
 * ({@link bodyFraming}). Returns how the body is framed, or the violation to answer with before closing.
 */
export function checkRequestFraming(
  httpVersion: string,
  rawHeaders: readonly string[],
): { framing: BodyFraming } | { violation: FramingViolation } {
  if (hostCount(rawHeaders) > 1) return { violation: { status: 400, reason: 'duplicate Host' } };
  const result = bodyFraming(httpVersion === '1.1' ? '1.1' : '1.0', rawHeaders);
  switch (result.kind) {
    case 'invalid':
      return { violation: { status: result.unsupportedCoding ? 501 : 400, reason: result.reason } };
    case 'chunked':
      return { framing: { kind: 'chunked' } };
    case 'length':
      return { framing: result.length === 0 ? { kind: 'none' } : { kind: 'length', length: result.length } };
    default:
      // A request without framing fields has no body (RFC 9112 §6.3).
      return { framing: { kind: 'none' } };
  }
}
