import type { Socket } from 'node:net';
import { wellFormedField } from '../fieldChecks.js';
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER_SIZE,
  FrameType,
  MAX_WINDOW,
  SettingId,
} from '../frames/frameKinds.js';
import { FrameReader, type FrameSink } from '../frames/frameReader.js';
import {
  goawayFrame,
  pingFrame,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from '../frames/frameWriter.js';
import { HpackDecoder } from '../hpack/hpackDecoder.js';
import { HpackEncoder } from '../hpack/hpackEncoder.js';
import { HpackError } from '../hpack/hpackError.js';
import { FrameOutput } from './frameOutput.js';
import { Http2Stream, type Http2StreamHandler, type StreamTransport } from './http2Stream.js';
import { applySettings, defaultPeerSettings, type PeerSettings } from './peerSettings.js';
import { StreamTable } from './streamTable.js';

/** How a session is set up: which side it is, and the limits it announces and keeps. */
export interface Http2SessionOptions {
  readonly role: 'server' | 'client';
  /** Server: `SETTINGS_MAX_CONCURRENT_STREAMS`, streams past it are refused. */
  readonly maxConcurrentStreams: number;
  /** `SETTINGS_MAX_HEADER_LIST_SIZE`: a larger header block is decoded but its fields are not kept. */
  readonly maxHeaderListSize: number;
}

/** What a session tells its owner. */
export interface Http2SessionEvents {
  /**
   * Server: the peer opened a stream; `fields` is its request header block (`undefined` when over the header
   * list limit). The owner sets `stream.handler` before returning; the stream's body is held until `resume()`.
   * `wellFormed` as for {@link Http2StreamHandler.onHeaders}.
   */
  onStream(stream: Http2Stream, fields: string[] | undefined, endStream: boolean, wellFormed: boolean): void;
  /** The peer's first SETTINGS arrived: the session carries streams. */
  onReady(): void;
  /** The peer sent GOAWAY: streams above `lastStreamId` were closed as unprocessed already. */
  onGoaway(lastStreamId: number, code: number): void;
  /**
   * The session ended the connection for abuse (`ENHANCE_YOUR_CALM`): a `flood` of frames that cost us work
   * for nothing, or too many streams that broke the protocol (`malformed`); `reason` says which in words.
   */
  onAbuse(kind: 'malformed' | 'flood', reason: string): void;
  /**
   * The connection is gone; `code` is the GOAWAY that ended it (either side's), `reason` says why in words, and
   * `error` is the socket's error when it failed (a refused connection, a TLS alert).
   */
  onClose(code: number, reason: string | undefined, error: Error | undefined): void;
}

/**
 * Our flow-control window for the whole connection. Streams keep the default 64 KiB window (credited as the
 * owner consumes their body), so what one session can make us hold is bounded by its streams; the connection
 * window is credited on arrival and only has to be large enough not to throttle them.
 */
const CONNECTION_WINDOW = 16 * 1024 * 1024;
/**
 * Our window for each stream a client opens (`SETTINGS_INITIAL_WINDOW_SIZE`, twice the default): a request body
 * up to this size goes out in one burst, before the backend can answer. A client that gets a complete answer while
 * it still waits for window to finish its upload may never finish it (curl 7.88 hangs so), and a backend that
 * answers before reading the body is common. It also bounds what a session can make us hold: 100 streams × 128 KiB.
 */
const SERVER_STREAM_WINDOW = 128 * 1024;
/** Bytes waiting for the socket past which writers are asked to wait (`sendData` returns `false`). */
const HIGH_WATER = 64 * 1024;
/**
 * Acknowledgements queued for a peer that reads nothing of what we write (the socket congested and no write
 * completing), past which a frame it makes us answer (PING, SETTINGS) is a flood: the connection ends with
 * ENHANCE_YOUR_CALM instead of queueing acknowledgements without bound. Answers are counted, not the bytes ahead
 * of them: a peer reading a large body we wrote may still PING (gRPC clients do, to size their windows).
 */
const UNREAD_ANSWERS = 1_000;
/**
 * Acknowledgements the reads of one turn of the event loop (between two writes) may ask of us: no client needs
 * more than a few, and nghttp2 ends a session past 1,000 queued (its outbound-queue flood limit) the same way.
 */
const ANSWERS_PER_READ = 1_000;
/**
 * Frames that carry nothing (empty DATA without END_STREAM, empty CONTINUATION, PRIORITY) a peer may send per
 * stream it opened, with this many free: beyond, it is a flood that costs CPU for nothing.
 */
const CHAFF_FREE = 10_000;
const CHAFF_PER_STREAM = 100;
/**
 * Streams we reset for breaking the protocol, once more than a quarter of those the peer opened, past which
 * the session ends: nghttp2's and Node's limit on invalid frames serves the same purpose.
 */
const STREAM_ERROR_FLOOR = 100;
/**
 * Ids of streams we reset, remembered so the peer's frames still in flight for them are ignored (RFC 9113 §5.1):
 * the last this many.
 */
const REMEMBERED_CLOSED = 1024;
/** Runs of stream ids a client skipped (§5.1.1) kept, to tell a reused id from a closed stream's: the last few. */
const SKIPPED_KEPT = 16;
/** How long a closing connection may take to flush its last frames before the socket is destroyed. */
const CLOSE_GRACE = 2_000;
/**
 * Header block bytes (HEADERS + CONTINUATION) read before the block is refused as a flood: a block over the
 * header list limit is still read whole, to answer 431 and keep the HPACK state, up to this many times it.
 */
const BLOCK_FACTOR = 4;
const BLOCK_SLACK = 64 * 1024;

const emptyPayload = Buffer.alloc(0);

/** A header block arriving in several frames (HEADERS then CONTINUATION, §6.10). */
interface PartialBlock {
  readonly streamId: number;
  readonly flags: number;
  /** The HEADERS frame's priority names the stream itself (§5.3.1): a stream error once the block is read. */
  readonly selfDependent: boolean;
  readonly fragments: Buffer[];
  bytes: number;
}

/**
 * One HTTP/2 connection (RFC 9113) over a socket, either side: frames cut by {@link FrameReader}, field blocks
 * by our HPACK codec, streams with both flow-control windows, SETTINGS, PING, GOAWAY and RST_STREAM, and the
 * limits that make a hostile peer cost only its own connection. It replaces `node:http2` on the balancer's hot
 * path: no stream objects with events, no header objects, one write per turn of the event loop.
 *
 * Outgoing frames are gathered during a turn and written once (one system call for every stream's frames).
 * Incoming DATA is handed on as views of the socket's chunks.
 */
export class Http2Session implements StreamTransport, FrameSink {
  /** The peer's SETTINGS, with defaults until they come. */
  readonly peer: PeerSettings = defaultPeerSettings();
  /** Open streams by id. */
  readonly streams = new StreamTable<Http2Stream>();
  /** The peer's SETTINGS arrived. */
  ready = false;
  /** GOAWAY went out or came in: no new streams. */
  closing = false;
  /** The connection is gone or going: nothing more is read or written. */
  destroyed = false;
  /** The last stream id of the peer's GOAWAY; `Infinity` before one. */
  goawayLastStreamId = Number.POSITIVE_INFINITY;
  /** Streams the peer opened (server) or we opened (client), for the abuse ratios. */
  streamsOpened = 0;
  private readonly server: boolean;
  /** Our window for each stream, and the consumed bytes past which it is credited again (half of it). */
  private readonly streamWindow: number;
  private readonly reader: FrameReader;
  /** Checks each field once, as it enters the HPACK table or arrives as a literal (see `HpackDecoder.wellFormed`). */
  private readonly decoder = new HpackDecoder(undefined, wellFormedField);
  private readonly encoder = new HpackEncoder();
  private sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONNECTION_WINDOW;
  private recvUnacked = 0;
  /** The highest stream id the peer opened (server), or the next one we open (client). */
  private lastPeerStreamId = 0;
  private nextStreamId = 1;
  /** The client preface (server side) still to be checked: how many of its bytes matched so far. */
  private prefaceSeen: number;
  private block: PartialBlock | undefined = undefined;
  /** Streams with body waiting for a window. */
  private readonly blocked = new Set<Http2Stream>();
  /** Streams owed `onDrain` once the socket drains. */
  private readonly drainWaiters = new Set<Http2Stream>();
  /** Ids of streams we reset lately, whose in-flight frames are ignored; `resetRing` drops the oldest. */
  private readonly recentlyReset = new Set<number>();
  private readonly resetRing = new Int32Array(REMEMBERED_CLOSED);
  private resetRingAt = 0;
  private readonly output = new FrameOutput();
  /** Server: the runs of ids the peer skipped, never opened, as `[first, last]` pairs, newest last. */
  private readonly skipped: number[] = [];
  private flushQueued = false;
  private chaff = 0;
  /** Acknowledgements asked of us since the last write (see {@link ANSWERS_PER_READ}). */
  private answers = 0;
  /** Acknowledgements queued since the socket last completed a write, and how far it had written then. */
  private unreadAnswers = 0;
  private writtenMark = -1;
  /** The peer acknowledged our SETTINGS: it knows our limits. */
  private settingsAcked = false;
  private streamErrors = 0;
  /**
   * Streams opened by the chunk being read, told to the owner once the whole chunk is: a stream reset in the
   * same read (the rapid-reset attack, CVE-2023-44487) arrives closed and costs the owner nothing.
   */
  private readonly arrivals: Http2Stream[] = [];
  private pings = new Map<string, (ok: boolean) => void>();
  private pingCount = 0;
  private endCode: number = ErrorCode.NO_ERROR;
  private endReason: string | undefined = undefined;
  private socketError: Error | undefined = undefined;
  private cause: Error | undefined = undefined;
  private grace: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly socket: Socket,
    private readonly options: Http2SessionOptions,
    private readonly events: Http2SessionEvents,
  ) {
    this.server = options.role === 'server';
    this.streamWindow = this.server ? SERVER_STREAM_WINDOW : DEFAULT_WINDOW;
    this.prefaceSeen = this.server ? 0 : CLIENT_PREFACE.length;
    this.reader = new FrameReader(DEFAULT_MAX_FRAME_SIZE);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', (err: Error) => {
      this.socketError ??= err;
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.socketClosed());
    if (!this.server) this.send(CLIENT_PREFACE);
    const settings: number[] = [SettingId.MAX_HEADER_LIST_SIZE, options.maxHeaderListSize];
    if (this.server) {
      settings.push(SettingId.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams);
      settings.push(SettingId.INITIAL_WINDOW_SIZE, SERVER_STREAM_WINDOW);
    } else settings.push(SettingId.ENABLE_PUSH, 0);
    this.send(settingsFrame(settings, false));
    this.send(windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
  }

  /** Takes `bytes` as one read from the socket (what its `data` event does; tests hand frames over so). */
  receive(head: Buffer): void {
    this.read(head);
  }

  /** Whether the socket holds more than it should: writers wait for `onDrain`. */
  get congested(): boolean {
    return this.output.bytes + this.socket.writableLength > HIGH_WATER;
  }

  /** Streams the peer lets us open now (client). */
  get capacity(): number {
    if (!this.ready || this.closing || this.destroyed) return 0;
    return Math.max(0, this.peer.maxConcurrentStreams - this.streams.size);
  }

  /**
   * Client: opens a stream with the request header block `fields`; `undefined` when the session takes no new
   * streams (closing, or out of stream ids).
   */
  request(
    fields: readonly string[],
    endStream: boolean,
    handler: Http2StreamHandler,
  ): Http2Stream | undefined {
    if (this.closing || this.destroyed || this.nextStreamId > MAX_WINDOW) return undefined;
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new Http2Stream(id, this, this.peer.initialWindowSize, this.streamWindow, false);
    stream.handler = handler;
    this.streams.set(id, stream);
    this.streamsOpened++;
    stream.sendHeaders(fields, endStream);
    return stream;
  }

  /** Sends a PING; `done(true)` on its acknowledgement, `done(false)` if the session ends first. */
  ping(done: (ok: boolean) => void): void {
    if (this.destroyed) {
      done(false);
      return;
    }
    const opaque = Buffer.allocUnsafe(8);
    opaque.writeUInt32BE(++this.pingCount, 0);
    opaque.writeUInt32BE(0x6c62, 4);
    this.pings.set(opaque.toString('latin1'), done);
    this.send(pingFrame(opaque, false));
  }

  /** Graceful close: GOAWAY with NO_ERROR, no new streams, the connection ends when the open ones have. */
  close(): void {
    if (this.closing || this.destroyed) {
      if (this.streams.size === 0) this.finish();
      return;
    }
    this.closing = true;
    this.send(goawayFrame(this.server ? this.lastPeerStreamId : 0, ErrorCode.NO_ERROR));
    if (this.streams.size === 0) this.finish();
  }

  /** Ends the connection now with GOAWAY `code`; open streams close with it, and `cause` is the session's error. */
  destroy(code: number = ErrorCode.CANCEL, reason?: string, cause?: Error): void {
    if (this.destroyed) return;
    this.cause = cause;
    this.fail(code, reason ?? cause?.message ?? 'the session was closed');
  }

  /** Why the connection failed, as an error: the one it was destroyed with, or the socket's. */
  get error(): Error | undefined {
    return this.cause ?? this.socketError;
  }

  /** Why the connection ended, in words, once it has. */
  get reason(): string | undefined {
    return this.endReason ?? this.socketError?.message;
  }

  // --- StreamTransport ---------------------------------------------------------------------------------------

  sendHeaders(stream: Http2Stream, fields: readonly string[], endStream: boolean): void {
    if (this.destroyed) return;
    if (endStream) stream.endSent = true;
    this.writeHeaders(stream.id, fields, endStream);
    if (endStream) this.settle(stream);
  }

  pump(stream: Http2Stream): void {
    if (stream.closed || this.destroyed) return;
    const maxFrame = this.peer.maxFrameSize;
    while (stream.outboundBytes > 0) {
      const allowed = Math.min(stream.sendWindow, this.sendWindow, maxFrame);
      if (allowed <= 0) {
        this.blocked.add(stream);
        return;
      }
      const chunk = stream.outboundHead!;
      let piece = chunk;
      if (chunk.length <= allowed) stream.outboundHead = stream.outboundRest?.shift();
      else {
        piece = chunk.subarray(0, allowed);
        stream.outboundHead = chunk.subarray(allowed);
      }
      stream.outboundBytes -= piece.length;
      stream.sendWindow -= piece.length;
      this.sendWindow -= piece.length;
      const last = stream.outboundBytes === 0 && stream.endQueued && stream.trailers === undefined;
      this.writeData(stream.id, piece, last);
      if (last) stream.endSent = true;
    }
    this.blocked.delete(stream);
    if (stream.endQueued && !stream.endSent) {
      stream.endSent = true;
      if (stream.trailers !== undefined) this.writeHeaders(stream.id, stream.trailers, true);
      else this.writeData(stream.id, emptyPayload, true);
    }
    if (stream.endSent) this.settle(stream);
  }

  awaitDrain(stream: Http2Stream): void {
    this.drainWaiters.add(stream);
  }

  consumed(stream: Http2Stream, bytes: number): void {
    if (bytes === 0 || stream.remoteEnded || this.destroyed) return;
    stream.recvUnacked += bytes;
    if (stream.recvUnacked < this.streamWindow / 2) return;
    this.send(windowUpdateFrame(stream.id, stream.recvUnacked));
    stream.recvWindow += stream.recvUnacked;
    stream.recvUnacked = 0;
  }

  reset(stream: Http2Stream, code: number): void {
    if (stream.closed) return;
    if (!this.destroyed) this.send(rstStreamFrame(stream.id, code));
    this.remember(stream.id);
    this.closeStream(stream, code);
  }

  settle(stream: Http2Stream): void {
    if (stream.closed || !stream.endSent || !stream.remoteEnded || stream.holding) return;
    this.closeStream(stream, ErrorCode.NO_ERROR);
  }

  // --- reading -----------------------------------------------------------------------------------------------

  private read(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.prefaceSeen < CLIENT_PREFACE.length) {
      const want = CLIENT_PREFACE.length - this.prefaceSeen;
      const n = Math.min(want, chunk.length);
      for (let i = 0; i < n; i++) {
        if (chunk[i] !== CLIENT_PREFACE[this.prefaceSeen + i]) {
          this.fail(ErrorCode.PROTOCOL_ERROR, 'invalid connection preface');
          return;
        }
      }
      this.prefaceSeen += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    const result = this.reader.push(chunk, this);
    if (result === 'tooLarge')
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'frame larger than SETTINGS_MAX_FRAME_SIZE');
    const arrivals = this.arrivals;
    if (arrivals.length === 0) return;
    // A session that failed on this chunk closed them all: the owner never heard of them.
    for (let i = 0; i < arrivals.length && !this.destroyed; i++) {
      const stream = arrivals[i]!;
      const fields = stream.arrivalFields;
      stream.arrivalFields = undefined;
      this.events.onStream(stream, fields, stream.arrivalEnded, stream.arrivalWellFormed);
    }
    arrivals.length = 0;
  }

  onFrame(
    type: number,
    flags: number,
    streamId: number,
    buffer: Buffer,
    start: number,
    end: number,
  ): boolean {
    if (this.block !== undefined && type !== FrameType.CONTINUATION) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'a header block was interrupted by another frame');
      return false;
    }
    if (!this.ready && type !== FrameType.SETTINGS) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'the first frame was not SETTINGS');
      return false;
    }
    // A field block is decoded where it arrived; other payloads are small or handed on, and get a view.
    if (type === FrameType.HEADERS) {
      this.onHeaders(flags, streamId, buffer, start, end);
      return !this.destroyed;
    }
    const payload = buffer.subarray(start, end);
    switch (type) {
      case FrameType.DATA:
        this.onData(flags, streamId, payload);
        break;
      case FrameType.PRIORITY:
        this.onPriority(streamId, payload);
        break;
      case FrameType.RST_STREAM:
        this.onReset(streamId, payload);
        break;
      case FrameType.SETTINGS:
        this.onSettings(flags, streamId, payload);
        break;
      case FrameType.PUSH_PROMISE:
        this.fail(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE while push is disabled');
        break;
      case FrameType.PING:
        this.onPing(flags, streamId, payload);
        break;
      case FrameType.GOAWAY:
        this.onGoaway(streamId, payload);
        break;
      case FrameType.WINDOW_UPDATE:
        this.onWindowUpdate(streamId, payload);
        break;
      case FrameType.CONTINUATION:
        this.onContinuation(flags, streamId, payload);
        break;
      default:
        // Extension frames are ignored (§5.5), except inside a header block (checked above).
        break;
    }
    return !this.destroyed;
  }

  private onData(flags: number, id: number, payload: Buffer): void {
    if (id === 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
      return;
    }
    const size = payload.length;
    if (size > this.recvWindow) {
      this.fail(ErrorCode.FLOW_CONTROL_ERROR, 'DATA past the connection window');
      return;
    }
    this.recvWindow -= size;
    this.recvUnacked += size;
    if (this.recvUnacked >= CONNECTION_WINDOW / 2) {
      this.send(windowUpdateFrame(0, this.recvUnacked));
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
    }
    let data = payload;
    if ((flags & Flag.PADDED) !== 0) {
      if (size === 0 || payload[0]! >= size) {
        this.fail(ErrorCode.PROTOCOL_ERROR, 'DATA padding too long');
        return;
      }
      data = payload.subarray(1, size - payload[0]!);
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      this.onClosedStream(id, FrameType.DATA);
      return;
    }
    if (stream.remoteEnded) {
      this.streamError(stream, ErrorCode.STREAM_CLOSED);
      return;
    }
    if (size > stream.recvWindow) {
      this.streamError(stream, ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    stream.recvWindow -= size;
    const end = (flags & Flag.END_STREAM) !== 0;
    if (data.length === 0 && !end && this.chaffed()) return;
    if (end) stream.remoteEnded = true;
    stream.received(data, size, end);
    this.settle(stream);
  }

  private onHeaders(flags: number, id: number, payload: Buffer, start: number, end: number): void {
    if (id === 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
      return;
    }
    if ((flags & Flag.PADDED) !== 0) {
      if (end === start || payload[start]! >= end - start) {
        this.fail(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding too long');
        return;
      }
      end -= payload[start]!;
      start++;
    }
    let selfDependent = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (end - start < 5) {
        this.fail(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority');
        return;
      }
      selfDependent = (payload.readUInt32BE(start) & 0x7fffffff) === id;
      start += 5;
    }
    if ((flags & Flag.END_HEADERS) === 0) {
      const fragment = payload.subarray(start, end);
      this.block = { streamId: id, flags, selfDependent, fragments: [fragment], bytes: fragment.length };
      return;
    }
    this.headerBlock(id, flags, payload, start, end, selfDependent);
  }

  private onContinuation(flags: number, id: number, payload: Buffer): void {
    const block = this.block;
    if (block === undefined || block.streamId !== id) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without a header block on its stream');
      return;
    }
    if (payload.length === 0 && (flags & Flag.END_HEADERS) === 0 && this.chaffed()) return;
    block.fragments.push(payload);
    block.bytes += payload.length;
    if (block.bytes > BLOCK_FACTOR * this.options.maxHeaderListSize + BLOCK_SLACK) {
      this.abuse('flood', 'a header block far larger than the header list limit');
      return;
    }
    if ((flags & Flag.END_HEADERS) === 0) return;
    this.block = undefined;
    this.headerBlock(
      id,
      block.flags,
      Buffer.concat(block.fragments, block.bytes),
      0,
      block.bytes,
      block.selfDependent,
    );
  }

  /**
   * A complete header block, `block[start..end)`: always decoded (the HPACK state is the connection's), then
   * given to its stream.
   */
  private headerBlock(
    id: number,
    flags: number,
    block: Buffer,
    start: number,
    end: number,
    selfDependent: boolean,
  ): void {
    let fields: string[] | undefined;
    try {
      fields = this.decoder.decode(block, this.options.maxHeaderListSize, start, end);
    } catch (err) {
      if (!(err instanceof HpackError)) throw err;
      this.fail(ErrorCode.COMPRESSION_ERROR, `invalid field block: ${err.message}`);
      return;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const stream = this.streams.get(id);
    if (stream !== undefined) {
      if (stream.remoteEnded) {
        this.streamError(stream, ErrorCode.STREAM_CLOSED);
        return;
      }
      if (selfDependent) {
        this.streamError(stream, ErrorCode.PROTOCOL_ERROR);
        return;
      }
      // A request's second block must be its trailers (§8.1); a response's may be informational heads first.
      if (this.server && !endStream) {
        this.streamError(stream, ErrorCode.PROTOCOL_ERROR);
        return;
      }
      if (endStream) stream.remoteEnded = true;
      stream.receivedHeaders(fields, endStream, this.decoder.wellFormed);
      this.settle(stream);
      return;
    }
    if (!this.server || (id & 1) === 0) {
      if (this.isIdle(id)) {
        this.fail(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${id}, which nobody opened`);
        return;
      }
      this.onClosedStream(id, FrameType.HEADERS);
      return;
    }
    if (id <= this.lastPeerStreamId) {
      this.onClosedStream(id, FrameType.HEADERS);
      return;
    }
    if (id > this.lastPeerStreamId + 2) this.skip(this.lastPeerStreamId + 1, id - 1);
    this.lastPeerStreamId = id;
    // After our GOAWAY, new streams are ignored (§6.8): the client sends them again elsewhere. Remembered as
    // closed, so the rest of what it sent on them (DATA, trailers) is ignored too, not taken for errors.
    if (this.closing) {
      this.remember(id);
      return;
    }
    this.streamsOpened++;
    if (selfDependent) {
      this.refuse(id, ErrorCode.PROTOCOL_ERROR, true);
      return;
    }
    if (this.streams.size >= this.options.maxConcurrentStreams) {
      // §5.1.2: a stream error. A client that acknowledged the limit broke it; one that had not may not know it.
      if (this.settingsAcked) {
        this.refuse(id, ErrorCode.PROTOCOL_ERROR, true);
        return;
      }
      this.refuse(id, ErrorCode.REFUSED_STREAM, false);
      return;
    }
    const stream2 = new Http2Stream(id, this, this.peer.initialWindowSize, this.streamWindow, true);
    if (endStream) stream2.remoteEnded = true;
    this.streams.set(id, stream2);
    stream2.arrivalFields = fields;
    stream2.arrivalEnded = endStream;
    stream2.arrivalWellFormed = this.decoder.wellFormed;
    this.arrivals.push(stream2);
  }

  private onPriority(id: number, payload: Buffer): void {
    if (id === 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
      return;
    }
    if (payload.length !== 5) {
      this.streamErrorById(id, ErrorCode.FRAME_SIZE_ERROR);
      return;
    }
    if ((payload.readUInt32BE(0) & 0x7fffffff) === id) {
      this.streamErrorById(id, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    this.chaffed();
  }

  private onReset(id: number, payload: Buffer): void {
    if (id === 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
      return;
    }
    if (payload.length !== 4) {
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM of the wrong length');
      return;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (this.isIdle(id)) this.fail(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${id}`);
      return;
    }
    stream.resetByPeer = true;
    this.closeStream(stream, payload.readUInt32BE(0));
  }

  private onSettings(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
      return;
    }
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0)
        this.fail(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS acknowledgement with a payload');
      this.settingsAcked = true;
      return;
    }
    if (payload.length % 6 !== 0) {
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS of the wrong length');
      return;
    }
    const before = this.peer.initialWindowSize;
    const error = applySettings(this.peer, payload);
    if (error !== undefined) {
      this.fail(error, 'invalid SETTINGS value');
      return;
    }
    this.encoder.setPeerLimit(this.peer.headerTableSize);
    const delta = this.peer.initialWindowSize - before;
    if (delta !== 0) {
      for (const stream of this.streams.list()) {
        stream.sendWindow += delta;
        if (stream.sendWindow > MAX_WINDOW) {
          this.fail(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window past 2^31-1');
          return;
        }
      }
    }
    if (!this.answer(settingsFrame([], true))) return;
    if (delta > 0) this.unblock();
    if (!this.ready) {
      this.ready = true;
      this.events.onReady();
    }
  }

  private onPing(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
      return;
    }
    if (payload.length !== 8) {
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'PING of the wrong length');
      return;
    }
    if ((flags & Flag.ACK) === 0) {
      this.answer(pingFrame(payload, true));
      return;
    }
    const key = payload.toString('latin1');
    const done = this.pings.get(key);
    if (done === undefined) return;
    this.pings.delete(key);
    done(true);
  }

  private onGoaway(id: number, payload: Buffer): void {
    if (id !== 0) {
      this.fail(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
      return;
    }
    if (payload.length < 8) {
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY too short');
      return;
    }
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    this.goawayLastStreamId = Math.min(this.goawayLastStreamId, last);
    this.closing = true;
    if (code !== ErrorCode.NO_ERROR) this.endCode = code;
    if (!this.server) {
      for (const stream of this.streams.list()) {
        if (stream.id <= last) continue;
        stream.unprocessed = true;
        this.closeStream(stream, ErrorCode.REFUSED_STREAM);
      }
    }
    this.events.onGoaway(last, code);
    if (this.streams.size === 0) this.finish();
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    if (payload.length !== 4) {
      this.fail(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE of the wrong length');
      return;
    }
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (id === 0) {
      if (increment === 0) {
        this.fail(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
        return;
      }
      if (this.sendWindow + increment > MAX_WINDOW) {
        this.fail(ErrorCode.FLOW_CONTROL_ERROR, 'window past 2^31-1');
        return;
      }
      this.sendWindow += increment;
      this.unblock();
      return;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (this.isIdle(id)) this.fail(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${id}`);
      return;
    }
    if (increment === 0) {
      this.streamError(stream, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    if (stream.sendWindow + increment > MAX_WINDOW) {
      this.streamError(stream, ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    stream.sendWindow += increment;
    if (stream.outboundBytes > 0) {
      this.pump(stream);
      this.notifyDrained(stream);
    }
  }

  // --- stream bookkeeping -----------------------------------------------------------------------------------

  /** Whether `id` names a stream that was never opened (§5.1 "idle"). */
  private isIdle(id: number): boolean {
    const peerInitiated = this.server ? (id & 1) === 1 : (id & 1) === 0;
    if (peerInitiated) return id > this.lastPeerStreamId;
    return id >= this.nextStreamId;
  }

  /** A frame for a stream that is closed (or never opened by us): ignored if we closed it lately (§5.1). */
  private onClosedStream(id: number, type: number): void {
    if (this.isIdle(id)) {
      this.fail(ErrorCode.PROTOCOL_ERROR, `frame type ${type} on idle stream ${id}`);
      return;
    }
    if (this.recentlyReset.has(id)) return;
    if (type === FrameType.HEADERS) {
      // An id the client skipped was never opened, and cannot be now (§5.1.1).
      if (this.wasSkipped(id)) this.fail(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${id}, out of order`);
      else this.fail(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
      return;
    }
    this.streamErrorById(id, ErrorCode.STREAM_CLOSED);
    // We reset it now: what else the peer sent on it before it hears so is discarded (§5.1).
    this.remember(id);
  }

  /** Records ids `first`..`last` as skipped by the peer. */
  private skip(first: number, last: number): void {
    if (this.skipped.length === 2 * SKIPPED_KEPT) this.skipped.splice(0, 2);
    this.skipped.push(first, last);
  }

  private wasSkipped(id: number): boolean {
    for (let i = 0; i < this.skipped.length; i += 2) {
      if (id >= this.skipped[i]! && id <= this.skipped[i + 1]!) return true;
    }
    return false;
  }

  private streamError(stream: Http2Stream, code: number): void {
    this.countStreamError();
    this.reset(stream, code);
  }

  /** A stream error on an id that may have no open stream: RST_STREAM all the same. */
  private streamErrorById(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) {
      this.streamError(stream, code);
      return;
    }
    this.countStreamError();
    if (!this.destroyed) this.send(rstStreamFrame(id, code));
  }

  /** A new stream refused at once (over the concurrency limit, or malformed before it began). */
  private refuse(id: number, code: number, counted: boolean): void {
    if (counted) this.countStreamError();
    this.remember(id);
    if (!this.destroyed) this.send(rstStreamFrame(id, code));
  }

  private countStreamError(): void {
    this.streamErrors++;
    if (this.streamErrors >= STREAM_ERROR_FLOOR && this.streamErrors * 4 >= this.streamsOpened) {
      this.abuse('malformed', 'too many streams broke the protocol');
    }
  }

  /** Counts a frame that carries nothing; `true` when that ended the session. */
  private chaffed(): boolean {
    this.chaff++;
    if (this.chaff <= CHAFF_FREE + CHAFF_PER_STREAM * this.streamsOpened) return false;
    this.abuse('flood', 'a flood of frames that carry nothing');
    return true;
  }

  private abuse(kind: 'malformed' | 'flood', reason: string): void {
    if (this.destroyed) return;
    this.events.onAbuse(kind, reason);
    this.fail(ErrorCode.ENHANCE_YOUR_CALM, reason);
  }

  private remember(id: number): void {
    const oldest = this.resetRing[this.resetRingAt]!;
    if (oldest !== 0) this.recentlyReset.delete(oldest);
    this.resetRing[this.resetRingAt] = id;
    this.resetRingAt = (this.resetRingAt + 1) % REMEMBERED_CLOSED;
    this.recentlyReset.add(id);
  }

  private closeStream(stream: Http2Stream, code: number): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.closeCode = code;
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    this.drainWaiters.delete(stream);
    stream.handler?.onClose(code);
    if (this.closing && this.streams.size === 0) this.finish();
  }

  /** Pumps every stream a window held back, then tells those owed it that they can write again. */
  private unblock(): void {
    if (this.blocked.size === 0) return;
    for (const stream of [...this.blocked]) {
      this.pump(stream);
      this.notifyDrained(stream);
    }
  }

  private notifyDrained(stream: Http2Stream): void {
    if (!stream.wantsDrain || stream.outboundBytes > 0 || stream.closed) return;
    if (this.congested) {
      this.drainWaiters.add(stream);
      return;
    }
    stream.wantsDrain = false;
    stream.handler?.onDrain();
  }

  private drained(): void {
    if (this.drainWaiters.size === 0 || this.congested) return;
    const waiters = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const stream of waiters) {
      if (stream.closed || !stream.wantsDrain) continue;
      if (stream.outboundBytes > 0) continue;
      stream.wantsDrain = false;
      stream.handler?.onDrain();
    }
  }

  // --- writing -----------------------------------------------------------------------------------------------

  /** A frame the peer made us send (an acknowledgement): refused as a flood when the peer does not read. */
  private answer(frame: Buffer): boolean {
    const written = this.socket.bytesWritten - this.socket.writableLength;
    if (written !== this.writtenMark || !this.congested) {
      this.writtenMark = written;
      this.unreadAnswers = 0;
    }
    if (++this.answers > ANSWERS_PER_READ || ++this.unreadAnswers > UNREAD_ANSWERS) {
      this.abuse('flood', 'a flood of frames to acknowledge');
      return false;
    }
    this.send(frame);
    return true;
  }

  private writeHeaders(id: number, fields: readonly string[], endStream: boolean): void {
    // Nothing is encoded for a block that will not be sent: the peer's HPACK table follows what it receives.
    if (this.grace !== undefined) return;
    const maxFrame = this.peer.maxFrameSize;
    const end = endStream ? Flag.END_STREAM : 0;
    const output = this.output;
    const room = this.encoder.maxBlockSize(fields);
    if (room <= maxFrame) {
      // Encoded in place after room for its frame header, which is written once the block's size is known.
      const at = output.reserve(FRAME_HEADER_SIZE + room);
      const target = output.target;
      const size = this.encoder.encode(fields, target, at + FRAME_HEADER_SIZE) - at - FRAME_HEADER_SIZE;
      writeFrameHeader(target, at, size, FrameType.HEADERS, Flag.END_HEADERS | end, id);
      output.giveBack(room - size);
      this.scheduleFlush();
      return;
    }
    const scratch = Buffer.allocUnsafe(room);
    const block = scratch.subarray(0, this.encoder.encode(fields, scratch, 0));
    for (let at = 0; at < block.length; at += maxFrame) {
      const piece = block.subarray(at, at + maxFrame);
      const type = at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (at === 0 ? end : 0) | (at + maxFrame >= block.length ? Flag.END_HEADERS : 0);
      output.frameHeader(piece.length, type, flags, id);
      output.append(piece);
    }
    this.scheduleFlush();
  }

  private writeData(id: number, payload: Buffer, end: boolean): void {
    if (this.grace !== undefined) return;
    this.output.frameHeader(payload.length, FrameType.DATA, end ? Flag.END_STREAM : 0, id);
    if (payload.length > 0) this.output.append(payload);
    this.scheduleFlush();
  }

  /** A frame built whole (a control frame). */
  private send(frame: Buffer): void {
    // Once the socket is ending nothing more can go out.
    if (this.grace !== undefined) return;
    this.output.append(frame);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(flush, this);
  }

  /** Writes what the turn gathered: one buffer, or several in one corked `writev`. */
  flush(): void {
    this.flushQueued = false;
    this.answers = 0;
    if (this.output.bytes === 0) return;
    const out = this.output.take();
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    if (out.length === 1) socket.write(out[0]!);
    else {
      socket.cork();
      for (const buffer of out) socket.write(buffer);
      socket.uncork();
    }
    if (this.drainWaiters.size > 0) this.drained();
  }

  // --- ending ------------------------------------------------------------------------------------------------

  /**
   * A connection error (§5.4.1): GOAWAY with `code`, every stream closed with it, and the socket destroyed once
   * the GOAWAY is written. A peer in error may still be sending (a flood, most of all): lingering to read it
   * would only cost us, and the reset it gets tells it at once.
   */
  private fail(code: number, reason: string): void {
    if (this.destroyed) return;
    this.endCode = code;
    this.endReason = reason;
    this.send(goawayFrame(this.server ? this.lastPeerStreamId : 0, code, reason.slice(0, 64)));
    this.closing = true;
    this.block = undefined;
    for (const stream of this.streams.list()) this.closeStream(stream, code);
    this.finish(true);
  }

  /**
   * Writes the last frames and ends the socket: at once after they are written (`hard`), or with a FIN and a
   * grace period for a graceful close.
   */
  private finish(hard = false): void {
    if (this.grace !== undefined) return;
    this.destroyed = true;
    this.closing = true;
    const out = this.output.take();
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    this.grace = setTimeout(() => socket.destroy(), CLOSE_GRACE).unref();
    const last = out.length === 1 ? out[0]! : Buffer.concat(out);
    if (hard) socket.end(last, () => socket.destroy());
    else socket.end(last);
  }

  private socketClosed(): void {
    this.destroyed = true;
    this.closing = true;
    clearTimeout(this.grace);
    const code =
      this.endCode === ErrorCode.NO_ERROR && this.streams.size > 0 ? ErrorCode.CANCEL : this.endCode;
    for (const stream of this.streams.list()) this.closeStream(stream, code);
    for (const done of this.pings.values()) done(false);
    this.pings.clear();
    this.events.onClose(this.endCode, this.reason, this.error);
  }
}

function flush(session: Http2Session): void {
  session.flush();
}
