import { describe, expect, it } from 'vitest';
import { grpcStatusForBalancerError } from './grpcErrorStatus.js';
import { fieldValue, isGrpcContentType, isGrpcRequest } from './grpcRequest.js';
import { GrpcStatus } from './grpcStatus.js';

describe('isGrpcContentType', () => {
  it('takes application/grpc with a subtype or parameters, in any case', () => {
    for (const v of [
      'application/grpc',
      'application/grpc+proto',
      'APPLICATION/GRPC+json',
      'application/grpc; x=1',
    ]) {
      expect(isGrpcContentType(v)).toBe(true);
    }
  });
  it('refuses grpc-web, look-alikes and short values', () => {
    for (const v of [
      'application/grpc-web',
      'application/grpcx',
      'application/json',
      'application/grp',
      // Case folds letters only: '\x0f' would be '/' with the letter bit set.
      'application\x0fgrpc',
      'applicatio\u00ee/grpc',
      '',
    ]) {
      expect(isGrpcContentType(v)).toBe(false);
    }
  });
  it('reads the first content-type of a flat list', () => {
    expect(isGrpcRequest(['Host', 'a', 'Content-Type', 'application/grpc'])).toBe(true);
    expect(isGrpcRequest(['content-type', 'text/html', 'content-type', 'application/grpc'])).toBe(false);
    expect(isGrpcRequest(['host', 'a'])).toBe(false);
    expect(fieldValue(['Grpc-Timeout', '5S'], 'grpc-timeout')).toBe('5S');
    expect(fieldValue([], 'grpc-timeout')).toBeUndefined();
  });
});

describe('grpcStatusForBalancerError', () => {
  it('maps the balancer’s own errors', () => {
    expect(grpcStatusForBalancerError(503)).toBe(GrpcStatus.UNAVAILABLE);
    expect(grpcStatusForBalancerError(502)).toBe(GrpcStatus.UNAVAILABLE);
    expect(grpcStatusForBalancerError(504)).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(grpcStatusForBalancerError(404)).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(grpcStatusForBalancerError(500)).toBe(GrpcStatus.INTERNAL);
    expect(grpcStatusForBalancerError(413)).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(grpcStatusForBalancerError(418)).toBe(GrpcStatus.UNKNOWN);
  });
});
