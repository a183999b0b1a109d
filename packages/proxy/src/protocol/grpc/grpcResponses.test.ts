import { describe, expect, it } from 'vitest';
import {
  type GrpcRelayFailure,
  grpcStatusForFailure,
  grpcStatusForHttpStatus,
  trailersOnlyResponse,
} from './grpcResponses.js';
import { GrpcStatus } from './grpcStatus.js';

describe('gRPC answers the balancer gives', () => {
  it('builds a trailers-only response, the message percent-encoded', () => {
    expect(trailersOnlyResponse(GrpcStatus.UNAVAILABLE, 'no backend: 100% down\n')).toEqual([
      ':status',
      '200',
      'content-type',
      'application/grpc',
      'grpc-status',
      '14',
      'grpc-message',
      'no backend: 100%25 down%0A',
    ]);
    expect(trailersOnlyResponse(GrpcStatus.OK)).toEqual([
      ':status',
      '200',
      'content-type',
      'application/grpc',
      'grpc-status',
      '0',
    ]);
  });

  it('maps balancer failures: unavailable, or past the deadline', () => {
    const expected: Record<GrpcRelayFailure, number> = {
      noBackend: GrpcStatus.UNAVAILABLE,
      connect: GrpcStatus.UNAVAILABLE,
      reset: GrpcStatus.UNAVAILABLE,
      connectTimeout: GrpcStatus.DEADLINE_EXCEEDED,
      responseTimeout: GrpcStatus.DEADLINE_EXCEEDED,
      idleTimeout: GrpcStatus.DEADLINE_EXCEEDED,
      protocol: GrpcStatus.INTERNAL,
    };
    for (const [failure, status] of Object.entries(expected)) {
      expect(grpcStatusForFailure(failure as GrpcRelayFailure)).toBe(status);
    }
  });

  it('maps HTTP statuses of a response that is not gRPC as http-grpc-status-mapping.md does', () => {
    expect(grpcStatusForHttpStatus(400)).toBe(GrpcStatus.INTERNAL);
    expect(grpcStatusForHttpStatus(401)).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(grpcStatusForHttpStatus(403)).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(grpcStatusForHttpStatus(404)).toBe(GrpcStatus.UNIMPLEMENTED);
    for (const s of [429, 502, 503, 504]) expect(grpcStatusForHttpStatus(s)).toBe(GrpcStatus.UNAVAILABLE);
    for (const s of [200, 204, 301, 405, 500, 501, 505, 0])
      expect(grpcStatusForHttpStatus(s)).toBe(GrpcStatus.UNKNOWN);
  });
});
