import { LbError } from '@lb/core';

/** One gRPC message as framed on the wire: its payload and whether the sender compressed it. */
export interface GrpcFrame {
  readonly compressed: boolean;
  readonly message: Buffer;
}

/** Frames one message: a compressed flag byte, a 4-byte big-endian length, the bytes (gRPC's Length-Prefixed-Message). */
export function encodeGrpcFrame(message: Uint8Array, compressed = false): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** The default largest message a decoder accepts: 4 MiB, gRPC's default receive limit. */
const DEFAULT_MAX_GRPC_MESSAGE = 4 * 1024 * 1024;

/**
 * Splits a stream of bytes into gRPC messages, however the bytes are chunked. A flag byte other than 0 or 1,
 * or a length over `maxMessage`, throws an `LB_ERR_UPSTREAM_PROTOCOL` error before anything is buffered for it.
 */
export class GrpcFrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessage = DEFAULT_MAX_GRPC_MESSAGE) {}

  /** Adds bytes and returns the messages they complete. */
  push(chunk: Uint8Array): GrpcFrame[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const frames: GrpcFrame[] = [];
    while (this.buffered.length >= 5) {
      const flag = this.buffered[0]!;
      if (flag > 1) throw new LbError('LB_ERR_UPSTREAM_PROTOCOL', `invalid gRPC compressed flag ${flag}`);
      const length = this.buffered.readUInt32BE(1);
      if (length > this.maxMessage) {
        throw new LbError(
          'LB_ERR_UPSTREAM_PROTOCOL',
          `gRPC message of ${length} bytes is over the ${this.maxMessage} bytes allowed`,
        );
      }
      if (this.buffered.length < 5 + length) break;
      frames.push({ compressed: flag === 1, message: this.buffered.subarray(5, 5 + length) });
      this.buffered = this.buffered.subarray(5 + length);
    }
    return frames;
  }

  /** Whether bytes of an unfinished message are held (a stream ending now would be truncated). */
  get partial(): boolean {
    return this.buffered.length > 0;
  }
}
