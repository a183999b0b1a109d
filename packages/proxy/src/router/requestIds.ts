import { randomUUID } from 'node:crypto';
import type { ResolvedTracing } from '../options/tracingOptions.js';
import { isValidTraceparent, newTraceparent, traceIdOf } from '../protocol/http1/traceContext.js';

/** The ids a request carries to its backend, for the access log. */
export interface RequestIds {
  readonly traceId: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Adds to a forwarded header list (`[name, value, …]`, built for this request alone) what `tracing` asks for:
 * a new `traceparent` when the request has no valid one and `generate` is on, and a request id when the client
 * sent none. What the client sent and is valid passes unchanged.
 */
export function applyTracing(headers: string[], tracing: ResolvedTracing): RequestIds {
  let traceparent: string | undefined;
  let invalidTrace = false;
  let requestId: string | undefined;
  const idHeader = tracing.requestIdHeader;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'traceparent') {
      // Two traceparent fields are as unusable as a malformed one.
      if (traceparent === undefined && isValidTraceparent(headers[i + 1]!)) traceparent = headers[i + 1];
      else invalidTrace = true;
    } else if (name === idHeader) {
      requestId ??= headers[i + 1];
    }
  }
  if (invalidTrace) traceparent = undefined;
  if (traceparent === undefined && tracing.generate) {
    // W3C Trace Context §3.3.1: without a parsable traceparent, tracestate must not be passed on either.
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      const name = headers[i]!.toLowerCase();
      if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
    }
    traceparent = newTraceparent();
    headers.push('traceparent', traceparent);
  }
  if (requestId === undefined && idHeader !== undefined) {
    requestId = randomUUID();
    headers.push(idHeader, requestId);
  }
  return { traceId: traceparent === undefined ? undefined : traceIdOf(traceparent), requestId };
}
