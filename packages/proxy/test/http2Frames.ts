import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from './helpers.js';

/**
 * HTTP/2 frames written by hand (RFC 9113 §4, §6; HPACK RFC 7541 without Huffman coding), for tests that send
 * what no well-behaved client library would: malformed field blocks, floods, resets and bombs.
 */

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const Flag = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;

export function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `n`-bit prefix, the prefix's other bits set from `mask`. */
function integer(value: number, n: number, mask: number): Buffer {
  const max = (1 << n) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const out = [mask | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return Buffer.concat([integer(bytes.length, 7, 0), bytes]);
}

/** A literal field without indexing, new name (§6.2.2): sent as given, whatever its bytes. */
export function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0]), text(name), text(value)]);
}

/** A literal field with incremental indexing (§6.2.1): it enters the dynamic table. */
export function indexedLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40]), text(name), text(value)]);
}

/** An indexed field (§6.1): 62 is the newest dynamic-table entry. */
export function indexed(index: number): Buffer {
  return integer(index, 7, 0x80);
}

/** A field block from name-value pairs, as literals. */
export function block(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(fields.map(([name, value]) => literal(name, value)));
}

/** A complete GET request's fields. */
export function getFields(path = '/'): [string, string][] {
  return [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
  ];
}

export function headers(stream: number, fieldBlock: Buffer, endStream = true): Buffer {
  return frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), stream, fieldBlock);
}

export function rstStream(stream: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, stream, payload);
}

export function settings(entries: readonly (readonly [number, number])[] = []): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

/** A frame as read back: type, flags, stream and payload. */
export interface ReadFrame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

/** A raw HTTP/2 connection: writes bytes and collects the frames the server sends back. */
export class RawH2 {
  readonly frames: ReadFrame[] = [];
  closed = false;
  private pending = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 9) {
        const length = this.pending.readUIntBE(0, 3);
        if (this.pending.length < 9 + length) break;
        this.frames.push({
          type: this.pending[3]!,
          flags: this.pending[4]!,
          stream: this.pending.readUInt32BE(5) & 0x7fffffff,
          payload: this.pending.subarray(9, 9 + length),
        });
        this.pending = this.pending.subarray(9 + length);
      }
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Connects and sends the preface and an empty SETTINGS frame. */
  static async open(port: number): Promise<RawH2> {
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    await once(socket, 'connect');
    const raw = new RawH2(socket);
    socket.write(Buffer.concat([PREFACE, settings()]));
    return raw;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits (bounded) until a frame matches, or the connection closed; resolves with the frame or `undefined`. */
  async waitFor(match: (f: ReadFrame) => boolean, timeoutMs = 10_000): Promise<ReadFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found !== undefined || this.closed) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The error code of the first GOAWAY, once one arrived (or the connection closed without one). */
  async goaway(timeoutMs?: number): Promise<number | undefined> {
    const f = await this.waitFor((x) => x.type === FrameType.GOAWAY, timeoutMs);
    return f?.payload.readUInt32BE(4);
  }

  /** The error code of the RST_STREAM of `stream`, or `undefined` if the stream got none. */
  async reset(stream: number, timeoutMs?: number): Promise<number | undefined> {
    const f = await this.waitFor((x) => x.type === FrameType.RST_STREAM && x.stream === stream, timeoutMs);
    return f?.payload.readUInt32BE(0);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
