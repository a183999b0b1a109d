import { FRAME_HEADER_SIZE, FrameType } from './frameKinds.js';

/** Writes a frame header (§4.1) at `offset` of `into`. */
export function writeFrameHeader(
  into: Buffer,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  into[offset] = length >>> 16;
  into[offset + 1] = (length >>> 8) & 0xff;
  into[offset + 2] = length & 0xff;
  into[offset + 3] = type;
  into[offset + 4] = flags;
  into.writeUInt32BE(streamId, offset + 5);
}

/** A frame whose payload is written by the caller into the returned buffer, after the header. */
export function frameWithRoom(length: number, type: number, flags: number, streamId: number): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
  writeFrameHeader(frame, 0, length, type, flags, streamId);
  return frame;
}

/** SETTINGS (§6.5) from `[id, value, id, value, …]`; an empty list with `ack` is the acknowledgement. */
export function settingsFrame(entries: readonly number[], ack: boolean): Buffer {
  const frame = frameWithRoom(entries.length * 3, FrameType.SETTINGS, ack ? 1 : 0, 0);
  for (let i = 0; i < entries.length; i += 2) {
    const at = FRAME_HEADER_SIZE + i * 3;
    frame.writeUInt16BE(entries[i]!, at);
    frame.writeUInt32BE(entries[i + 1]!, at + 2);
  }
  return frame;
}

/** PING (§6.7) with its 8 opaque bytes. */
export function pingFrame(opaque: Uint8Array, ack: boolean): Buffer {
  const frame = frameWithRoom(8, FrameType.PING, ack ? 1 : 0, 0);
  frame.set(opaque, FRAME_HEADER_SIZE);
  return frame;
}

/** RST_STREAM (§6.4). */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  const frame = frameWithRoom(4, FrameType.RST_STREAM, 0, streamId);
  frame.writeUInt32BE(code, FRAME_HEADER_SIZE);
  return frame;
}

/** GOAWAY (§6.8), with a short debug text (ASCII) for whoever reads the capture. */
export function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
  const frame = frameWithRoom(8 + debug.length, FrameType.GOAWAY, 0, 0);
  frame.writeUInt32BE(lastStreamId, FRAME_HEADER_SIZE);
  frame.writeUInt32BE(code, FRAME_HEADER_SIZE + 4);
  frame.write(debug, FRAME_HEADER_SIZE + 8, 'latin1');
  return frame;
}

/** WINDOW_UPDATE (§6.9). */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const frame = frameWithRoom(4, FrameType.WINDOW_UPDATE, 0, streamId);
  frame.writeUInt32BE(increment, FRAME_HEADER_SIZE);
  return frame;
}
