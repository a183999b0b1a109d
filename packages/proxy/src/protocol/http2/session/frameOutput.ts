import { FRAME_HEADER_SIZE } from '../frames/frameKinds.js';
import { writeFrameHeader } from '../frames/frameWriter.js';

/** The size of each buffer frames are written into. */
const CHUNK_SIZE = 16 * 1024;
/** Payloads up to this size are copied next to their frame header; larger ones go out as buffers of their own. */
const COPY_LIMIT = 1024;

/**
 * The frames a session gathers during one turn of the event loop, written into shared buffers: frame headers,
 * field blocks and small payloads are laid down one after another (no buffer per frame, no copy to join them),
 * while large DATA payloads are kept as the caller's buffers. `take()` hands over the pieces for one `writev`.
 *
 * What was taken is never written over: later frames go after it in the same buffer, or in a new one.
 */
export class FrameOutput {
  /** Bytes gathered since the last `take()`. */
  bytes = 0;
  private chunk: Buffer | undefined = undefined;
  /** Where the next byte goes in `chunk`. */
  private used = 0;
  /** Where the part of `chunk` not yet handed over starts. */
  private start = 0;
  private parts: Buffer[] = [];

  /** Reserves `n` bytes; returns their offset in {@link FrameOutput.target}, which is read after this call. */
  reserve(n: number): number {
    const chunk = this.chunk;
    if (chunk === undefined || chunk.length - this.used < n) {
      this.seal();
      this.chunk = Buffer.allocUnsafe(Math.max(n, CHUNK_SIZE));
      this.used = 0;
      this.start = 0;
    }
    const at = this.used;
    this.used += n;
    this.bytes += n;
    return at;
  }

  /** Gives back the last `n` bytes of the last `reserve`, which were not written (an estimate's slack). */
  giveBack(n: number): void {
    this.used -= n;
    this.bytes -= n;
  }

  /** The buffer the last `reserve` returned an offset into. */
  get target(): Buffer {
    return this.chunk!;
  }

  /** A frame header (RFC 9113 §4.1). */
  frameHeader(length: number, type: number, flags: number, streamId: number): void {
    const at = this.reserve(FRAME_HEADER_SIZE);
    writeFrameHeader(this.chunk!, at, length, type, flags, streamId);
  }

  /** Payload bytes, or a whole frame built elsewhere: copied when small, else kept as it is. */
  append(data: Uint8Array): void {
    if (data.length <= COPY_LIMIT) {
      const at = this.reserve(data.length);
      this.chunk!.set(data, at);
      return;
    }
    this.seal();
    this.parts.push(data as Buffer);
    this.bytes += data.length;
  }

  /** Everything gathered, in order, for one write; the output starts empty again. */
  take(): Buffer[] {
    this.seal();
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    return parts;
  }

  private seal(): void {
    if (this.chunk === undefined || this.used === this.start) return;
    this.parts.push(this.chunk.subarray(this.start, this.used));
    this.start = this.used;
  }
}
