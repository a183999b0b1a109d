import { FRAME_HEADER_SIZE } from './frameKinds.js';

/** Where complete frames go; `false` from {@link FrameSink.onFrame} stops the reading (the session ended). */
export interface FrameSink {
  /**
   * A frame whose payload is `buffer[start..end)`: the sink makes a view of it only if it keeps it, since most
   * payloads (field blocks, control frames) are read on the spot and a view is an object per frame.
   */
  onFrame(type: number, flags: number, streamId: number, buffer: Buffer, start: number, end: number): boolean;
}

/**
 * Cuts a byte stream into frames (RFC 9113 §4.1), whatever the chunking: a frame inside one chunk is handed on
 * as a range of it (no copy); only a frame split across chunks is copied, and only that frame's bytes. A frame
 * longer than our `SETTINGS_MAX_FRAME_SIZE` is reported before any of its payload is held (§4.2).
 */
export class FrameReader {
  /** The start of a frame split across chunks, sized for its header or for the whole frame. */
  private partial: Buffer | undefined = undefined;
  private held = 0;

  constructor(private readonly maxFrameSize: number) {}

  /** Feeds `chunk`; `'tooLarge'` for a frame over the limit, `'stopped'` when the sink stopped the reading. */
  push(chunk: Buffer, sink: FrameSink): 'ok' | 'tooLarge' | 'stopped' {
    let at = 0;
    if (this.partial !== undefined) {
      const taken = this.fill(chunk);
      if (taken === -1) return 'tooLarge';
      at = taken;
      const frame = this.partial;
      if (this.held < frame.length) return 'ok';
      this.partial = undefined;
      this.held = 0;
      if (!this.deliver(frame, 0, frame.length - FRAME_HEADER_SIZE, sink)) return 'stopped';
    }
    const end = chunk.length;
    while (end - at >= FRAME_HEADER_SIZE) {
      const length = (chunk[at]! << 16) | (chunk[at + 1]! << 8) | chunk[at + 2]!;
      if (length > this.maxFrameSize) return 'tooLarge';
      if (end - at - FRAME_HEADER_SIZE < length) break;
      if (!this.deliver(chunk, at, length, sink)) return 'stopped';
      at += FRAME_HEADER_SIZE + length;
    }
    if (at < end) {
      this.partial = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
      this.held = 0;
      const taken = this.fill(chunk.subarray(at));
      if (taken === -1) return 'tooLarge';
    }
    return 'ok';
  }

  /** Copies what the partial frame still needs from `chunk`; the bytes taken, or -1 for a frame over the limit. */
  private fill(chunk: Buffer): number {
    let partial = this.partial!;
    let taken = 0;
    if (this.held < FRAME_HEADER_SIZE) {
      taken = Math.min(FRAME_HEADER_SIZE - this.held, chunk.length);
      chunk.copy(partial, this.held, 0, taken);
      this.held += taken;
      if (this.held < FRAME_HEADER_SIZE) return taken;
      const length = (partial[0]! << 16) | (partial[1]! << 8) | partial[2]!;
      if (length > this.maxFrameSize) return -1;
      const whole = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
      partial.copy(whole, 0, 0, FRAME_HEADER_SIZE);
      this.partial = partial = whole;
    }
    const more = Math.min(partial.length - this.held, chunk.length - taken);
    chunk.copy(partial, this.held, taken, taken + more);
    this.held += more;
    return taken + more;
  }

  private deliver(buffer: Buffer, at: number, length: number, sink: FrameSink): boolean {
    const streamId = buffer.readUInt32BE(at + 5) & 0x7fffffff;
    const start = at + FRAME_HEADER_SIZE;
    return sink.onFrame(buffer[at + 3]!, buffer[at + 4]!, streamId, buffer, start, start + length);
  }
}
