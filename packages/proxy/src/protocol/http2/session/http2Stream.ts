import { ErrorCode } from '../frames/frameKinds.js';

/** What a stream hears from its session. */
export interface Http2StreamHandler {
  /**
   * A header block after the one that opened the stream: a response head or an informational one (client
   * side), trailers (either side). `undefined` when the block was over our header list limit. `wellFormed`:
   * every name and value passed `wellFormedField` already (see `HpackDecoder.wellFormed`).
   */
  onHeaders(fields: string[] | undefined, endStream: boolean, wellFormed: boolean): void;
  /** Body bytes, in order; `endStream` on the last (the chunk may then be empty). */
  onData(chunk: Buffer, endStream: boolean): void;
  /** The stream can take more body again after {@link Http2Stream.sendData} returned `false`. */
  onDrain(): void;
  /**
   * The stream closed: `NO_ERROR` after both sides ended, else the RST_STREAM code (ours or the peer's, see
   * {@link Http2Stream.resetByPeer}) or the code of the session's end.
   */
  onClose(code: number): void;
}

/** The session side of a stream: where its frames go. */
export interface StreamTransport {
  sendHeaders(stream: Http2Stream, fields: readonly string[], endStream: boolean): void;
  /** Sends what the windows allow of the stream's queued body; the rest waits for WINDOW_UPDATE. */
  pump(stream: Http2Stream): void;
  /** Whether the connection's socket holds more than it should: writers are asked to wait. */
  readonly congested: boolean;
  /** `stream` wants {@link Http2StreamHandler.onDrain} once the socket drains. */
  awaitDrain(stream: Http2Stream): void;
  /** Credits the peer with `bytes` more of the stream's window (the bytes were consumed). */
  consumed(stream: Http2Stream, bytes: number): void;
  reset(stream: Http2Stream, code: number): void;
  /** The stream may be done: both sides ended and everything was sent and delivered. */
  settle(stream: Http2Stream): void;
}

/**
 * What arrived while the stream was paused, in order: a DATA payload with the window it took (padding included),
 * or a header block (trailers), which must not overtake the body before it.
 */
interface Held {
  readonly chunk: Buffer | undefined;
  readonly fields: string[] | undefined;
  readonly wellFormed: boolean;
  readonly size: number;
  readonly end: boolean;
}

const noHeld: Held[] = [];

/**
 * One HTTP/2 stream (RFC 9113 §5.1): its flow-control windows, the body it could not send yet, the body it holds
 * while paused, and which side has ended. Frames are the session's business; a stream only queues and counts.
 */
export class Http2Stream {
  handler: Http2StreamHandler | undefined = undefined;
  /** We sent (or queued) END_STREAM. */
  localEnded = false;
  /** The peer sent END_STREAM. */
  remoteEnded = false;
  closed = false;
  /** The code it closed with (see {@link Http2StreamHandler.onClose}). */
  closeCode: number = ErrorCode.NO_ERROR;
  /** It was closed by the peer's RST_STREAM. */
  resetByPeer = false;
  /** A GOAWAY from the peer said it never processed this stream (its id is above the GOAWAY's last one). */
  unprocessed = false;
  /** The peer's window for our DATA on this stream; may go negative after a SETTINGS change (§6.9.2). */
  sendWindow: number;
  /** Our window for the peer's DATA: what it may still send before we credit it. */
  recvWindow: number;
  /** Bytes consumed since our last WINDOW_UPDATE for this stream. */
  recvUnacked = 0;
  /** The first body chunk queued behind the windows (the rest in `outboundRest`), and how many bytes wait. */
  outboundHead: Buffer | undefined = undefined;
  /** Chunks queued after `outboundHead`, made on the second one: most bodies leave at once or in one piece. */
  outboundRest: Buffer[] | undefined = undefined;
  outboundBytes = 0;
  /** END_STREAM goes with the last queued byte (on the last DATA frame, or with the trailers). */
  endQueued = false;
  /** END_STREAM left: the stream's sending side is done. */
  endSent = false;
  trailers: readonly string[] | undefined = undefined;
  /** Told `false` by sendData: owed an `onDrain`. */
  wantsDrain = false;
  /**
   * Server side, until the session tells its owner of the stream (once the read that opened it is done): the
   * request's header block, and whether it ended the stream.
   */
  arrivalFields: string[] | undefined = undefined;
  arrivalEnded = false;
  arrivalWellFormed = false;
  /** Inbound DATA is held instead of delivered. */
  paused: boolean;
  private held: Held[] = noHeld;

  constructor(
    readonly id: number,
    private readonly transport: StreamTransport,
    sendWindow: number,
    recvWindow: number,
    paused: boolean,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
    this.paused = paused;
  }

  /** Sends a header block: a request, a response head, an informational head, or trailers with `endStream`. */
  sendHeaders(fields: readonly string[], endStream: boolean): void {
    if (this.closed || this.localEnded) return;
    // Trailers wait for the body queued before them.
    if (endStream && this.outboundBytes > 0) {
      this.sendTrailers(fields);
      return;
    }
    if (endStream) this.localEnded = true;
    this.transport.sendHeaders(this, fields, endStream);
  }

  /**
   * Queues body bytes (and END_STREAM with `end`); they leave as the windows allow. `false` asks the caller to
   * wait for `onDrain`: bytes are queued behind a window or the socket is full.
   */
  sendData(chunk: Buffer | undefined, end: boolean): boolean {
    if (this.closed || this.localEnded) return true;
    if (chunk !== undefined && chunk.length > 0) {
      if (this.outboundBytes === 0) this.outboundHead = chunk;
      else if (this.outboundRest === undefined) this.outboundRest = [chunk];
      else this.outboundRest.push(chunk);
      this.outboundBytes += chunk.length;
    }
    if (end) {
      this.localEnded = true;
      this.endQueued = true;
    }
    this.transport.pump(this);
    if (this.outboundBytes === 0 && !this.transport.congested) return true;
    if (this.outboundBytes === 0) this.transport.awaitDrain(this);
    this.wantsDrain = true;
    return false;
  }

  /** Ends the stream with trailers, after whatever body is queued. */
  sendTrailers(fields: readonly string[]): void {
    if (this.closed || this.localEnded) return;
    this.localEnded = true;
    if (this.outboundBytes === 0) {
      this.transport.sendHeaders(this, fields, true);
      return;
    }
    this.trailers = fields;
    this.endQueued = true;
  }

  /** Resets the stream with `code` (RST_STREAM); the handler hears `onClose(code)`. */
  reset(code: number = ErrorCode.CANCEL): void {
    if (!this.closed) this.transport.reset(this, code);
  }

  /** Holds inbound DATA until {@link Http2Stream.resume}; the peer stops once the stream's window is used. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers held DATA, then lets it flow again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = noHeld;
    for (let i = 0; i < held.length && !this.closed; i++) {
      const { chunk, fields, wellFormed, size, end } = held[i]!;
      if (chunk === undefined) {
        this.handler?.onHeaders(fields, end, wellFormed);
      } else {
        this.transport.consumed(this, size);
        this.handler?.onData(chunk, end);
      }
      if (this.paused) {
        this.held = held.slice(i + 1);
        return;
      }
    }
    this.transport.settle(this);
  }

  /** Takes a DATA payload from the session: delivered now, or held while paused. */
  received(chunk: Buffer, size: number, end: boolean): void {
    if (this.paused) {
      this.hold({ chunk, fields: undefined, wellFormed: false, size, end });
      return;
    }
    this.transport.consumed(this, size);
    this.handler?.onData(chunk, end);
  }

  /** Takes a later header block from the session: delivered now, or after the body held before it. */
  receivedHeaders(fields: string[] | undefined, end: boolean, wellFormed: boolean): void {
    if (this.paused) {
      this.hold({ chunk: undefined, fields, wellFormed, size: 0, end });
      return;
    }
    this.handler?.onHeaders(fields, end, wellFormed);
  }

  private hold(held: Held): void {
    if (this.held === noHeld) this.held = [];
    this.held.push(held);
  }

  /** Whether inbound DATA waits to be delivered. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Bytes held while paused. */
  get heldBytes(): number {
    let bytes = 0;
    for (const { size } of this.held) bytes += size;
    return bytes;
  }
}
