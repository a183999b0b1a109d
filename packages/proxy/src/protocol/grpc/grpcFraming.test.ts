import { describe, expect, it } from 'vitest';
import { encodeGrpcFrame, GrpcFrameDecoder } from './grpcFraming.js';

describe('gRPC length-prefixed messages', () => {
  it('frames a message: flag, 4-byte big-endian length, bytes', () => {
    expect([...encodeGrpcFrame(Buffer.from('hi'))]).toEqual([0, 0, 0, 0, 2, 0x68, 0x69]);
    expect([...encodeGrpcFrame(Buffer.alloc(0), true)]).toEqual([1, 0, 0, 0, 0]);
    expect(encodeGrpcFrame(Buffer.alloc(70_000)).readUInt32BE(1)).toBe(70_000);
  });

  it('decodes the same messages whatever the split, empty messages included', () => {
    const messages = [Buffer.from('one'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from('last')];
    const wire = Buffer.concat(messages.map((m, i) => encodeGrpcFrame(m, i === 2)));
    for (let size = 1; size <= wire.length; size++) {
      const decoder = new GrpcFrameDecoder();
      const out = [];
      for (let i = 0; i < wire.length; i += size) out.push(...decoder.push(wire.subarray(i, i + size)));
      expect(out.map((f) => f.message.toString('hex'))).toEqual(messages.map((m) => m.toString('hex')));
      expect(out.map((f) => f.compressed)).toEqual([false, false, true, false]);
      expect(decoder.partial).toBe(false);
    }
  });

  it('says when a message is cut short', () => {
    const decoder = new GrpcFrameDecoder();
    expect(decoder.push(encodeGrpcFrame(Buffer.from('abc')).subarray(0, 6))).toEqual([]);
    expect(decoder.partial).toBe(true);
  });

  it('refuses a bad flag and a length over the limit before buffering the message', () => {
    expect(() => new GrpcFrameDecoder().push(Buffer.from([2, 0, 0, 0, 0]))).toThrow(/compressed flag 2/);
    const decoder = new GrpcFrameDecoder(1024);
    expect(() => decoder.push(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]))).toThrow(/over the 1024 bytes/);
    expect(() => new GrpcFrameDecoder(1024).push(encodeGrpcFrame(Buffer.alloc(1025)))).toThrow(
      expect.objectContaining({ code: 'LB_ERR_UPSTREAM_PROTOCOL' }),
    );
    expect(new GrpcFrameDecoder(1024).push(encodeGrpcFrame(Buffer.alloc(1024)))).toHaveLength(1);
  });
});
