import { describe, expect, it } from 'vitest';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  ServingStatus,
} from './healthMessages.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('grpc.health.v1 messages by hand', () => {
  it('encodes HealthCheckRequest as protobuf does (field 1, length-delimited; empty is no bytes)', () => {
    expect(hex(encodeHealthCheckRequest(''))).toBe('');
    expect(hex(encodeHealthCheckRequest('svc'))).toBe('0a03737663');
    const long = 'x'.repeat(300);
    expect(hex(encodeHealthCheckRequest(long).subarray(0, 3))).toBe('0aac02');
    expect(decodeHealthCheckRequest(encodeHealthCheckRequest(long)).service).toBe(long);
    expect(decodeHealthCheckRequest(encodeHealthCheckRequest('grüße')).service).toBe('grüße');
  });

  it('encodes and decodes HealthCheckResponse (field 1, varint; UNKNOWN is the default)', () => {
    expect(hex(encodeHealthCheckResponse(ServingStatus.SERVING))).toBe('0801');
    expect(hex(encodeHealthCheckResponse(ServingStatus.UNKNOWN))).toBe('');
    for (const status of [0, 1, 2, 3, 200]) {
      expect(decodeHealthCheckResponse(encodeHealthCheckResponse(status)).status).toBe(status);
    }
    expect(decodeHealthCheckResponse(new Uint8Array()).status).toBe(ServingStatus.UNKNOWN);
  });

  it('skips unknown fields of every wire type, and the last status wins', () => {
    const withUnknown = Buffer.from([
      0x10,
      0x96,
      0x01, // field 2 varint 150
      0x1a,
      0x02,
      0x61,
      0x62, // field 3 bytes "ab"
      0x21,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 4 fixed64
      0x2d,
      1,
      2,
      3,
      4, // field 5 fixed32
      0x08,
      0x02, // status NOT_SERVING
      0x08,
      0x01, // status SERVING again
    ]);
    expect(decodeHealthCheckResponse(withUnknown).status).toBe(ServingStatus.SERVING);
    expect(decodeHealthCheckRequest(Buffer.from([0x10, 0x01, 0x0a, 0x01, 0x61])).service).toBe('a');
  });

  it('throws an upstream protocol error on malformed bytes, never reads past the end', () => {
    for (const bad of [
      [0x08], // varint cut short
      [0x0a, 0x05, 0x61], // length past the end
      [0x21, 1, 2], // fixed64 cut short
      [0x0b], // group start (wire type 3)
      [0x00, 0x01], // field 0
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // varint over 10 bytes
      [0x0a, 0x01], // service length-delimited but cut
    ]) {
      expect(() => decodeHealthCheckResponse(Uint8Array.from(bad))).toThrow(
        expect.objectContaining({ code: 'LB_ERR_UPSTREAM_PROTOCOL' }),
      );
    }
    expect(() => decodeHealthCheckResponse(Buffer.from([0x0a, 0x00]))).toThrow(/not a varint/);
    expect(() => decodeHealthCheckRequest(Buffer.from([0x08, 0x01]))).toThrow(/not length-delimited/);
  });
});
