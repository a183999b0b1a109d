import { EventEmitter, once } from 'node:events';
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  createServer as createHttp2Server,
  type Http2Server,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import {
  CLIENT_PREFACE,
  Flag,
  FRAME_HEADER_SIZE,
  FrameType,
} from '../src/protocol/http2/frames/frameKinds.js';
import { FrameReader } from '../src/protocol/http2/frames/frameReader.js';
import { frameWithRoom, pingFrame, settingsFrame } from '../src/protocol/http2/frames/frameWriter.js';
import { HpackDecoder } from '../src/protocol/http2/hpack/hpackDecoder.js';
import { encodeFieldBlock } from '../src/protocol/http2/hpack/hpackEncoder.js';
import {
  Http2Session,
  type Http2SessionEvents,
  type Http2SessionOptions,
} from '../src/protocol/http2/session/http2Session.js';
import type { Http2Stream, Http2StreamHandler } from '../src/protocol/http2/session/http2Stream.js';

// What the session tests share: recorders for what a session and its streams tell their owner, sessions of ours
// and of node:http2 on loopback, a peer that writes and reads frames by hand, and bounded waits on events.

/** Poked by every recorder on every event: `until` re-checks its condition then. */
const changes = new EventEmitter();
changes.setMaxListeners(0);

function changed(): void {
  changes.emit('change');
}

/** Resolves once `condition()` holds, checked now and after every recorded event; fails after `ms` saying `what`. */
export function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!condition()) return;
      clearTimeout(timer);
      changes.off('change', check);
      resolve();
    };
    const timer = setTimeout(() => {
      changes.off('change', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    changes.on('change', check);
  });
}

/** `promise`, failing after `ms` saying `what` (for waits on node:http2 events, which `until` does not see). */
export function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Everything a stream's handler hears, in order. */
export class StreamLog implements Http2StreamHandler {
  readonly heads: (string[] | undefined)[] = [];
  readonly chunks: Buffer[] = [];
  /** The order of events: `head`, `data`, `trailers` (a head with END_STREAM), `end`, `drain`, `close`. */
  readonly order: string[] = [];
  ended = false;
  drains = 0;
  closeCode: number | undefined = undefined;
  /** Called after each chunk is recorded (to pause, reset, …). */
  onChunk: ((chunk: Buffer) => void) | undefined = undefined;

  onHeaders(fields: string[] | undefined, endStream: boolean): void {
    this.heads.push(fields);
    this.order.push(endStream ? 'trailers' : 'head');
    if (endStream) this.ended = true;
    changed();
  }

  onData(chunk: Buffer, endStream: boolean): void {
    // Chunks are views of the socket's buffers: keep a copy.
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk));
      this.order.push('data');
    }
    if (endStream) {
      this.ended = true;
      this.order.push('end');
    }
    this.onChunk?.(chunk);
    changed();
  }

  onDrain(): void {
    this.drains++;
    this.order.push('drain');
    changed();
  }

  onClose(code: number): void {
    this.closeCode = code;
    this.order.push('close');
    changed();
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get bytes(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk.length;
    return total;
  }
}

/** A stream a server session was given, with what opened it. */
export interface Arrival {
  readonly stream: Http2Stream;
  readonly fields: string[] | undefined;
  readonly endStream: boolean;
  readonly log: StreamLog;
}

/** Everything a session tells its owner. Arriving streams get a {@link StreamLog} and stay paused. */
export class SessionLog implements Http2SessionEvents {
  readonly arrivals: Arrival[] = [];
  readonly goaways: { lastStreamId: number; code: number }[] = [];
  readonly abuses: { kind: string; reason: string }[] = [];
  ready = false;
  closed: { code: number; reason: string | undefined; error: Error | undefined } | undefined = undefined;

  onStream(stream: Http2Stream, fields: string[] | undefined, endStream: boolean): void {
    const log = new StreamLog();
    stream.handler = log;
    this.arrivals.push({ stream, fields, endStream, log });
    changed();
  }

  onReady(): void {
    this.ready = true;
    changed();
  }

  onGoaway(lastStreamId: number, code: number): void {
    this.goaways.push({ lastStreamId, code });
    changed();
  }

  onAbuse(kind: 'malformed' | 'flood', reason: string): void {
    this.abuses.push({ kind, reason });
    changed();
  }

  onClose(code: number, reason: string | undefined, error: Error | undefined): void {
    this.closed = { code, reason, error };
    changed();
  }
}

const cleanups: (() => void)[] = [];

/** Ends every server, socket and session the test made (call from `afterEach`). */
export function cleanup(): void {
  for (const end of cleanups.splice(0)) end();
}

function track(socket: Socket): Socket {
  cleanups.push(() => socket.destroy());
  socket.on('close', changed);
  socket.on('error', () => {
    // A test that breaks a connection on purpose reads the outcome from the recorders.
  });
  return socket;
}

/** A TCP server on 127.0.0.1, port 0, that hands each accepted socket to `accept`; resolves with its port. */
async function listen(accept: (socket: Socket) => void): Promise<number> {
  const server: Server = createServer((socket) => accept(track(socket)));
  cleanups.push(() => server.close());
  server.listen(0, '127.0.0.1');
  await within(once(server, 'listening'), 'the listener');
  return (server.address() as AddressInfo).port;
}

/** A TCP connection to 127.0.0.1:`port`, once it is open. */
async function dial(port: number): Promise<Socket> {
  const socket = track(connect(port, '127.0.0.1'));
  await within(once(socket, 'connect'), 'the connection');
  return socket;
}

const defaults = { maxConcurrentStreams: 1_000, maxHeaderListSize: 64 * 1024 };

/** A session of ours with its recorder. */
export interface OurSession {
  readonly session: Http2Session;
  readonly log: SessionLog;
}

function ours(
  socket: Socket,
  role: Http2SessionOptions['role'],
  options: Partial<Http2SessionOptions>,
): OurSession {
  const log = new SessionLog();
  const session = new Http2Session(socket, { role, ...defaults, ...options }, log);
  cleanups.push(() => session.destroy());
  return { session, log };
}

/** A server of ours on loopback: every connection gets a session, recorded in `sessions`. */
export async function ourServer(
  options: Partial<Http2SessionOptions> = {},
): Promise<{ port: number; sessions: OurSession[] }> {
  const sessions: OurSession[] = [];
  const port = await listen((socket) => {
    sessions.push(ours(socket, 'server', options));
    changed();
  });
  return { port, sessions };
}

/** A client session of ours to `port`, once the peer's SETTINGS arrived. */
export async function ourClient(
  port: number,
  options: Partial<Http2SessionOptions> = {},
): Promise<OurSession> {
  const client = ours(await dial(port), 'client', options);
  await until(() => client.log.ready, 'the server SETTINGS');
  return client;
}

/** Two sessions of ours connected over loopback, both ready. */
export async function ourPair(
  serverOptions: Partial<Http2SessionOptions> = {},
  clientOptions: Partial<Http2SessionOptions> = {},
): Promise<{ client: OurSession; server: OurSession }> {
  const { port, sessions } = await ourServer(serverOptions);
  const client = await ourClient(port, clientOptions);
  await until(() => sessions[0]?.log.ready === true, 'the client SETTINGS');
  return { client, server: sessions[0]! };
}

/** Resolves with the outcome of a PING round trip; fails if `done` is not called within the bound. */
export function ping(session: Http2Session): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to ping(done)')), 5_000);
    session.ping((ok) => {
      clearTimeout(timer);
      resolve(ok);
    });
  });
}

/** A node:http2 (nghttp2) server on loopback, cleartext; `onStream` answers each request. */
export async function nodeServer(
  onStream: (stream: ServerHttp2Stream, headers: Record<string, unknown>) => void,
  settings: Settings = {},
  maxHeaderListPairs?: number,
): Promise<{ port: number; server: Http2Server }> {
  const server = createHttp2Server({ settings, maxSessionMemory: 1_000, maxHeaderListPairs });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {
      // Streams reset on purpose end with an error; the test reads the outcome elsewhere.
    });
    onStream(stream, headers);
    // What the test's handler records is then checked by `until`, as is what it records when the stream ends.
    changed();
    stream.on('close', changed);
    stream.on('end', changed);
  });
  server.on('session', (session) => {
    session.on('error', () => {
      // As above.
    });
    cleanups.push(() => session.destroy());
  });
  cleanups.push(() => server.close());
  server.listen(0, '127.0.0.1');
  await within(once(server, 'listening'), 'the listener');
  return { port: (server.address() as AddressInfo).port, server };
}

/** A node:http2 client to `port`. */
export function nodeClient(port: number, settings: Settings = {}): ClientHttp2Session {
  const client = connectHttp2(`http://127.0.0.1:${port}`, {
    settings,
    maxSessionMemory: 1_000,
    maxSendHeaderBlockLength: 1 << 20,
  });
  client.on('error', () => {
    // Read from the streams.
  });
  cleanups.push(() => client.destroy());
  return client;
}

/** A frame as a hand-written peer saw it (payload copied). */
export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** One frame on the wire. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const out = frameWithRoom(payload.length, type, flags, streamId);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

/**
 * A peer written by hand over a real socket: it records every frame our session sends, decodes header blocks,
 * and sends whatever frames a test writes (well-formed or not).
 */
export class RawPeer {
  readonly frames: Frame[] = [];
  /** Decoded header blocks by stream, in arrival order (HEADERS + CONTINUATION joined). */
  readonly blocks: { streamId: number; fields: string[] | undefined; endStream: boolean }[] = [];
  ended = false;
  private readonly decoder = new HpackDecoder();
  private readonly reader = new FrameReader(16_777_215);
  private pending: Buffer[] = [];
  private pendingFlags = 0;
  private pings = 0;

  /** `server`: it expects the client preface before frames. */
  constructor(
    readonly socket: Socket,
    server: boolean,
  ) {
    let prefaceLeft = server ? CLIENT_PREFACE.length : 0;
    socket.on('data', (chunk: Buffer) => {
      if (prefaceLeft > 0) {
        const n = Math.min(prefaceLeft, chunk.length);
        prefaceLeft -= n;
        chunk = chunk.subarray(n);
      }
      this.reader.push(chunk, this);
      changed();
    });
    socket.on('end', () => {
      this.ended = true;
      changed();
    });
    if (!server) socket.write(CLIENT_PREFACE);
  }

  onFrame(
    type: number,
    flags: number,
    streamId: number,
    buffer: Buffer,
    start: number,
    end: number,
  ): boolean {
    const payload = buffer.subarray(start, end);
    this.frames.push({ type, flags, streamId, payload: Buffer.from(payload) });
    if (type === FrameType.HEADERS || type === FrameType.CONTINUATION) {
      if (type === FrameType.HEADERS) this.pendingFlags = flags;
      this.pending.push(Buffer.from(payload));
      if ((flags & Flag.END_HEADERS) !== 0) {
        const fields = this.decoder.decode(Buffer.concat(this.pending), 1 << 20);
        this.pending = [];
        this.blocks.push({ streamId, fields, endStream: (this.pendingFlags & Flag.END_STREAM) !== 0 });
      }
    }
    return true;
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** SETTINGS from `[id, value, …]`. */
  settings(entries: number[] = []): void {
    this.send(settingsFrame(entries, false));
  }

  /** A header block on `streamId`, as HEADERS and CONTINUATION frames of at most `maxFrame` bytes. */
  headers(streamId: number, fields: readonly string[], endStream: boolean, maxFrame = 16_384): void {
    const block = encodeFieldBlock(fields);
    const parts: Buffer[] = [];
    for (let at = 0; at === 0 || at < block.length; at += maxFrame) {
      const last = at + maxFrame >= block.length;
      const type = at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (last ? Flag.END_HEADERS : 0) | (at === 0 && endStream ? Flag.END_STREAM : 0);
      parts.push(frame(type, flags, streamId, block.subarray(at, at + maxFrame)));
    }
    this.send(...parts);
  }

  data(streamId: number, payload: Buffer, endStream: boolean): void {
    this.send(frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload));
  }

  /**
   * A PING round trip: once its ACK is back, our session has handled every frame this peer sent before it,
   * and what it sent in reply is in {@link RawPeer.frames}.
   */
  async barrier(): Promise<void> {
    const opaque = Buffer.alloc(8);
    opaque.writeUInt32BE(++this.pings, 0);
    opaque.write('peer', 4, 'latin1');
    const from = this.frames.length;
    this.send(pingFrame(opaque, false));
    const acked = (): boolean =>
      this.frames
        .slice(from)
        .some((f) => f.type === FrameType.PING && f.flags === Flag.ACK && f.payload.equals(opaque));
    await until(() => acked() || this.ended, 'the PING acknowledgement');
    if (!acked()) {
      const goaway = this.seen(FrameType.GOAWAY).at(-1);
      const why =
        goaway === undefined
          ? 'no GOAWAY'
          : `GOAWAY ${goaway.payload.readUInt32BE(4)} '${goaway.payload.toString('latin1', 8)}'`;
      throw new Error(`the connection ended before the PING acknowledgement (${why})`);
    }
  }

  /** Frames of `type` (on `streamId` when given) seen so far. */
  seen(type: number, streamId?: number): Frame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  /** DATA bytes seen on `streamId`. */
  dataBytes(streamId: number): number {
    let total = 0;
    for (const f of this.seen(FrameType.DATA, streamId)) total += f.payload.length;
    return total;
  }
}

/** A hand-written server peer on loopback, and a client session of ours connected to it (not yet ready). */
export async function rawServer(
  options: Partial<Http2SessionOptions> = {},
): Promise<{ peer: RawPeer; client: OurSession }> {
  let peer: RawPeer | undefined;
  const port = await listen((socket) => {
    peer = new RawPeer(socket, true);
    changed();
  });
  const client = ours(await dial(port), 'client', options);
  await until(() => peer !== undefined, 'the connection');
  return { peer: peer!, client };
}

/** A hand-written client peer connected to a server session of ours. */
export async function rawClient(
  options: Partial<Http2SessionOptions> = {},
): Promise<{ peer: RawPeer; server: OurSession }> {
  const { port, sessions } = await ourServer(options);
  const peer = new RawPeer(await dial(port), false);
  await until(() => sessions.length > 0, 'the connection');
  return { peer, server: sessions[0]! };
}

/** `[name, value, …]` of a request with `extra` fields. */
export function request(path = '/', extra: string[] = []): string[] {
  return [':method', 'POST', ':scheme', 'http', ':authority', 'localhost', ':path', path, ...extra];
}

/** Bytes that say where they are: any loss, repeat or reordering changes them. */
export function pattern(length: number, seed = 0): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i += 4) {
    const word = (Math.imul(i + seed, 2_654_435_761) ^ i) >>> 0;
    if (i + 4 <= length) out.writeUInt32BE(word, i);
    else for (let j = i; j < length; j++) out[j] = (word >>> (8 * (j - i))) & 0xff;
  }
  return out;
}

/** The value of `name` in a `[name, value, …]` list. */
export function field(fields: readonly string[] | undefined, name: string): string | undefined {
  if (fields === undefined) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
