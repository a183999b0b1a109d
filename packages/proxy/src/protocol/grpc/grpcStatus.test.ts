import { describe, expect, it } from 'vitest';
import { GrpcStatus, grpcStatusName, parseGrpcStatus } from './grpcStatus.js';

describe('gRPC status codes', () => {
  it('numbers the codes as statuscodes.md does, and names them back', () => {
    expect(GrpcStatus.OK).toBe(0);
    expect(GrpcStatus.DEADLINE_EXCEEDED).toBe(4);
    expect(GrpcStatus.UNIMPLEMENTED).toBe(12);
    expect(GrpcStatus.UNAVAILABLE).toBe(14);
    expect(GrpcStatus.UNAUTHENTICATED).toBe(16);
    for (const [name, code] of Object.entries(GrpcStatus)) expect(grpcStatusName(code)).toBe(name);
    expect(grpcStatusName(17)).toBeUndefined();
    expect(grpcStatusName(-1)).toBeUndefined();
    expect(grpcStatusName(1.5)).toBeUndefined();
  });

  it('reads grpc-status, anything unreadable as UNKNOWN', () => {
    expect(parseGrpcStatus('0')).toBe(0);
    expect(parseGrpcStatus('14')).toBe(14);
    for (const bad of [undefined, '', ' 0', '0 ', '17', '99', '-1', '1e1', '0x1', '007', 'OK']) {
      expect(parseGrpcStatus(bad)).toBe(GrpcStatus.UNKNOWN);
    }
  });
});
