import { grpcStatusForHttpStatus } from './grpcResponses.js';
import { GrpcStatus, type GrpcStatusCode } from './grpcStatus.js';

/**
 * The gRPC status of an error the balancer itself answers with the HTTP status `httpStatus`: a timeout (504) is
 * `DEADLINE_EXCEEDED` and the balancer's own failure (500) `INTERNAL`, since the balancer knows what they mean;
 * an oversized request (413, 431) is `RESOURCE_EXHAUSTED`; the rest follow the gRPC docs' HTTP-to-gRPC table
 * (no backend 503 and a failed backend 502 are `UNAVAILABLE`, no route 404 is `UNIMPLEMENTED`).
 */
export function grpcStatusForBalancerError(httpStatus: number): GrpcStatusCode {
  switch (httpStatus) {
    case 504:
    case 408:
      return GrpcStatus.DEADLINE_EXCEEDED;
    case 500:
      return GrpcStatus.INTERNAL;
    case 413:
    case 431:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    default:
      return grpcStatusForHttpStatus(httpStatus);
  }
}
