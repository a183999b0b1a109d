import { encodeGrpcMessage } from './grpcMessage.js';
import { GrpcStatus, type GrpcStatusCode } from './grpcStatus.js';

/**
 * A trailers-only gRPC response (one HEADERS frame that ends the stream), as a flat `[name, value, …]` list with
 * its pseudo-header: `:status 200`, `content-type: application/grpc`, `grpc-status` and, when there is one,
 * the percent-encoded `grpc-message`.
 */
export function trailersOnlyResponse(status: GrpcStatusCode, message = ''): string[] {
  const out = [':status', '200', 'content-type', 'application/grpc', 'grpc-status', String(status)];
  if (message !== '') out.push('grpc-message', encodeGrpcMessage(message));
  return out;
}

/** Why the balancer could not relay a call: no backend to pick, or how the attempt failed. */
export type GrpcRelayFailure =
  | 'noBackend'
  | 'connect'
  | 'connectTimeout'
  | 'reset'
  | 'responseTimeout'
  | 'idleTimeout'
  | 'protocol';

const failureStatus: Readonly<Record<GrpcRelayFailure, GrpcStatusCode>> = {
  noBackend: GrpcStatus.UNAVAILABLE,
  connect: GrpcStatus.UNAVAILABLE,
  reset: GrpcStatus.UNAVAILABLE,
  connectTimeout: GrpcStatus.DEADLINE_EXCEEDED,
  responseTimeout: GrpcStatus.DEADLINE_EXCEEDED,
  idleTimeout: GrpcStatus.DEADLINE_EXCEEDED,
  // A backend that breaks HTTP/2 framing: the protocol doc's mapping of a PROTOCOL_ERROR.
  protocol: GrpcStatus.INTERNAL,
};

/** The gRPC status a client gets when the balancer fails its call: unavailable, or past its deadline. */
export function grpcStatusForFailure(failure: GrpcRelayFailure): GrpcStatusCode {
  return failureStatus[failure];
}

/**
 * The gRPC status of a response that is not gRPC (no `grpc-status`), by its HTTP status, as
 * `grpc/doc/http-grpc-status-mapping.md` maps it; every status it does not list is `UNKNOWN`.
 */
export function grpcStatusForHttpStatus(httpStatus: number): GrpcStatusCode {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}
