import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from './helpers.js';
import { HpackDecoder, huffmanEncode } from './http2Hpack.js';

/**
 * HTTP/2 frames written by hand (RFC 9113 §4, §6; HPACK RFC 7541, its Huffman code in `http2Hpack.ts`), for tests
 * that send what no well-behaved client library would: malformed field blocks, floods, resets and bombs.
 */

/** The client connection preface (RFC 9113 §3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const Flag = { END_STREAM: 1, ACK: 1, END_HEADERS: 4, PADDED: 8, PRIORITY: 0x20 } as const;

/** The error codes of RFC 9113 §7, by the names a test asserts on. */
const errorNames = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

function errorName(code: number): string {
  return errorNames[code] ?? `error 0x${code.toString(16)}`;
}

/** The SETTINGS parameters of RFC 9113 §6.5.2. */
export const Setting = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
} as const;

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

/** A literal field without indexing, new name, name and value Huffman-coded (RFC 7541 §5.2). */
export function huffmanLiteral(name: string, value: string): Buffer {
  const coded = (s: string) => {
    const bytes = huffmanEncode(s);
    return Buffer.concat([integer(bytes.length, 7, 0x80), bytes]);
  };
  return Buffer.concat([Buffer.from([0]), coded(name), coded(value)]);
}

/** A dynamic table size update (RFC 7541 §6.3). */
export function tableSizeUpdate(size: number): Buffer {
  return integer(size, 5, 0x20);
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

export function data(stream: number, body: Buffer | string, endStream = true): Buffer {
  return frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, stream, Buffer.from(body));
}

/** A 32-bit big-endian payload: the body of RST_STREAM and WINDOW_UPDATE. */
function word(value: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(value >>> 0);
  return payload;
}

export function windowUpdate(stream: number, increment: number): Buffer {
  return frame(FrameType.WINDOW_UPDATE, 0, stream, word(increment));
}

/** A PRIORITY frame (RFC 9113 §6.3): deprecated, but a server must still parse it. */
export function priority(stream: number, dependsOn: number, weight = 15, exclusive = false): Buffer {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE((dependsOn | (exclusive ? 0x80000000 : 0)) >>> 0);
  payload[4] = weight;
  return frame(FrameType.PRIORITY, 0, stream, payload);
}

export function ping(opaque: Buffer, ack = false): Buffer {
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, opaque);
}

export function rstStream(stream: number, code: number): Buffer {
  return frame(FrameType.RST_STREAM, 0, stream, word(code));
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
  private pings = 0;
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

  /** Connects and sends the preface and a SETTINGS frame (empty unless `entries` are given). */
  static async open(port: number, entries: readonly (readonly [number, number])[] = []): Promise<RawH2> {
    const raw = await RawH2.connect(port);
    raw.write(Buffer.concat([PREFACE, settings(entries)]));
    return raw;
  }

  /** Connects and sends nothing: the test writes the preface itself, or something else. */
  static async connect(port: number): Promise<RawH2> {
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    await once(socket, 'connect');
    return new RawH2(socket);
  }

  /**
   * Opens a connection as a well-behaved client does (RFC 9113 §3.4): preface and SETTINGS sent, the server's
   * SETTINGS acknowledged, and ours acknowledged by the server, so what follows is judged on its own.
   */
  static async handshake(port: number, entries: readonly (readonly [number, number])[] = []): Promise<RawH2> {
    const raw = await RawH2.open(port, entries);
    await raw.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0);
    raw.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
    await raw.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
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

  /**
   * What the server did, as a value to assert on: `GOAWAY <code>`, `RST_STREAM <code> on stream <n>` (only for
   * `stream`), `closed` (without a GOAWAY), or `no answer` once `timeoutMs` passed. After a GOAWAY with an error
   * the server must close the connection (RFC 9113 §5.4.1): this waits for the close, and reports
   * `GOAWAY <code>, left open` if it does not come within `timeoutMs`.
   */
  async outcome(stream?: number, timeoutMs = 5000): Promise<string> {
    let found: ReadFrame | undefined;
    try {
      found = await this.waitFor(
        (f) => f.type === FrameType.GOAWAY || (f.type === FrameType.RST_STREAM && f.stream === stream),
        timeoutMs,
      );
    } catch {
      return 'no answer';
    }
    if (found === undefined) return 'closed';
    if (found.type === FrameType.RST_STREAM)
      return `RST_STREAM ${errorName(found.payload.readUInt32BE(0))} on stream ${found.stream}`;
    const code = found.payload.readUInt32BE(4);
    if (code !== 0 && !(await this.closedWithin(timeoutMs))) return `GOAWAY ${errorName(code)}, left open`;
    return `GOAWAY ${errorName(code)}`;
  }

  /** Waits (bounded) for the server to close the connection; `false` if it is still open after `timeoutMs`. */
  async closedWithin(timeoutMs = 5000): Promise<boolean> {
    try {
      await this.waitFor(() => false, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends a PING and waits for its ACK: `PING ACK` when the connection is still served (whatever was sent before
   * was accepted or ignored), else what {@link outcome} reports.
   */
  async alive(timeoutMs = 5000): Promise<string> {
    const opaque = Buffer.alloc(8);
    opaque.writeUInt32BE(++this.pings);
    opaque.write('live', 4, 'latin1');
    this.write(ping(opaque));
    try {
      const answer = await this.waitFor(
        (f) =>
          f.type === FrameType.GOAWAY ||
          (f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0 && f.payload.equals(opaque)),
        timeoutMs,
      );
      if (answer?.type === FrameType.PING) return 'PING ACK';
    } catch {
      return 'no answer';
    }
    return this.outcome(undefined, timeoutMs);
  }

  /**
   * The response on `stream` once it ended (`END_STREAM`): its `:status`, decoded whatever HPACK representation
   * the server chose, and its body. If the stream or connection ended otherwise, what {@link outcome} reports.
   */
  async response(stream: number, timeoutMs = 5000): Promise<{ status: number; body: string } | string> {
    try {
      const end = await this.waitFor(
        (f) =>
          f.type === FrameType.GOAWAY ||
          (f.stream === stream &&
            (f.type === FrameType.RST_STREAM ||
              ((f.type === FrameType.HEADERS || f.type === FrameType.DATA) &&
                (f.flags & Flag.END_STREAM) !== 0))),
        timeoutMs,
      );
      if (end === undefined || end.type === FrameType.GOAWAY || end.type === FrameType.RST_STREAM)
        return this.outcome(stream, timeoutMs);
    } catch {
      return 'no answer';
    }
    const status = this.fieldBlocks()
      .find((b) => b.stream === stream)
      ?.fields.find(([n]) => n === ':status');
    const body = this.frames
      .filter((f) => f.type === FrameType.DATA && f.stream === stream)
      .map((f) => unpad(f))
      .join('');
    return { status: Number(status?.[1]), body };
  }

  /** Every field block the server sent so far, decoded in order (CONTINUATION joined to its HEADERS). */
  fieldBlocks(): { stream: number; fields: [string, string][] }[] {
    const decoder = new HpackDecoder();
    const blocks: { stream: number; fields: [string, string][] }[] = [];
    let parts: Buffer[] = [];
    for (const f of this.frames) {
      if (f.type === FrameType.HEADERS) {
        let fragment = Buffer.from(unpad(f), 'latin1');
        if (f.flags & Flag.PRIORITY) fragment = fragment.subarray(5);
        parts = [fragment];
      } else if (f.type === FrameType.CONTINUATION) parts.push(f.payload);
      else continue;
      if (f.flags & Flag.END_HEADERS)
        blocks.push({ stream: f.stream, fields: decoder.decode(Buffer.concat(parts)) });
    }
    return blocks;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** The payload of a DATA or HEADERS frame without its padding (RFC 9113 §6.1), as latin1 text. */
function unpad(f: ReadFrame): string {
  if ((f.flags & Flag.PADDED) === 0) return f.payload.toString('latin1');
  return f.payload.subarray(1, f.payload.length - f.payload[0]!).toString('latin1');
}
