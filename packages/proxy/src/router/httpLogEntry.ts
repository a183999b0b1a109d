import type { AccessLogEntry } from '../accessLog/accessLogEntry.js';
import type { DownstreamExchange } from '../downstream/downstreamExchange.js';
import { isValidTraceparent, traceIdOf } from '../protocol/http1/traceContext.js';
import type { RequestIds } from './requestIds.js';

/** What the request path measured of one HTTP request, for its access-log line. */
export interface HttpLogMeasures {
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The route that took the request (its name or index); `undefined` without `routes`. */
  readonly route: string | undefined;
  readonly group: string | undefined;
  readonly backend: string | undefined;
  readonly connectMs: number | undefined;
  readonly responseMs: number | undefined;
  readonly totalMs: number;
  readonly retries: number;
}

/**
 * The access-log entry of an HTTP request (proxied, tunnelled or refused): the measures plus what the request
 * says of itself. Without `tracing` (`ids` undefined) the trace id still comes from a valid `traceparent`.
 */
export function httpLogEntry(
  client: DownstreamExchange,
  clientAddress: string,
  measures: HttpLogMeasures,
  ids: RequestIds | undefined,
): AccessLogEntry {
  const headers = client.headers;
  const text = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  let traceId = ids?.traceId;
  if (ids === undefined) {
    const traceparent = text('traceparent');
    if (traceparent !== undefined && isValidTraceparent(traceparent)) traceId = traceIdOf(traceparent);
  }
  return {
    time: Date.now() - measures.totalMs,
    client: clientAddress,
    protocol: `HTTP/${client.httpVersion}`,
    method: client.method,
    target: client.url,
    status: measures.status,
    bytesIn: measures.bytesIn,
    bytesOut: measures.bytesOut,
    route: measures.route,
    group: measures.group,
    backend: measures.backend,
    connectMs: measures.connectMs,
    responseMs: measures.responseMs,
    totalMs: measures.totalMs,
    retries: measures.retries,
    traceId,
    requestId: ids?.requestId,
    referer: text('referer'),
    userAgent: text('user-agent'),
    ...(client.grpcStatus === undefined ? {} : { grpcStatus: client.grpcStatus }),
  };
}
