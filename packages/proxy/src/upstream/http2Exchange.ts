import { ErrorCode } from '../protocol/http2/frames/frameKinds.js';
import {
  fromHttp2Response,
  fromHttp2Trailers,
  MalformedResponseError,
  toHttp2Request,
  toHttp2Trailers,
} from '../protocol/http2/http2Headers.js';
import type { Http2Session } from '../protocol/http2/session/http2Session.js';
import type { Http2Stream, Http2StreamHandler } from '../protocol/http2/session/http2Stream.js';
import { ReplayableBody } from './replayableBody.js';
import type {
  UpstreamExchange,
  UpstreamFailure,
  UpstreamHandlers,
  UpstreamRequestInit,
} from './upstreamClient.js';

/** Request body bytes kept per exchange so a stream the backend never processed can be sent again. */
export const REPLAY_LIMIT = 64 * 1024;
/** Times one request is sent again after the backend refused it unprocessed, before it fails. */
const MAX_REPLAYS = 4;

/** Where a stream runs: the session and what its requests need of it. */
export interface StreamHost {
  readonly session: Http2Session;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  /** The stream of `exchange` closed (its slot is free); `replay` when it must go out again elsewhere. */
  streamClosed(exchange: Http2Exchange, replay: boolean): void;
}

/** What an exchange tells its pool while it waits for a session. */
export interface ExchangeOwner {
  dequeue(exchange: Http2Exchange): void;
}

/**
 * One request over HTTP/2: waits in its pool's queue or on a connecting session, then runs as a stream. Until
 * the response head arrives it keeps its body (up to {@link REPLAY_LIMIT}), so a stream the backend refused
 * (`REFUSED_STREAM`) or dropped under GOAWAY (above its last stream id) is replayed on another session without
 * the caller seeing it; past the limit such a stream fails as `reset`.
 */
export class Http2Exchange implements UpstreamExchange, Http2StreamHandler {
  host: StreamHost | undefined;
  private stream: Http2Stream | undefined;
  private readonly body = new ReplayableBody(REPLAY_LIMIT);
  private sent = false;
  private headSeen = false;
  private ended = false;
  private trailers: readonly string[] = [];
  private paused = false;
  private replays = 0;
  /** Settled: completed, failed or aborted; nothing is reported afterwards. */
  private finished = false;
  private aborted = false;
  private idle = false;
  /**
   * Sweeps of its connection's idle check since the backend last sent anything on the stream (see
   * `Http2Connection`): one counter per stream, reset by every frame, instead of a timer per request.
   */
  idleSweeps = 0;
  /** A write between two streams asked the caller to wait: the next stream owes it `onDrain`. */
  private drainOwed = false;
  /** Why the stream failed, when the backend's frames were at fault. */
  private malformed: MalformedResponseError | undefined;
  /** The body length the response head promised (RFC 9113 §8.1.1), when it promised one and has a body. */
  private expectedLength: number | undefined;
  private receivedLength = 0;

  constructor(
    readonly init: UpstreamRequestInit,
    private readonly handlers: UpstreamHandlers,
    private readonly owner: ExchangeOwner,
  ) {
    this.ended = init.framing.kind === 'none';
  }

  /** Whether the exchange still wants a stream. */
  get waiting(): boolean {
    return !this.finished;
  }

  write(chunk: Buffer): boolean {
    if (this.finished || chunk.length === 0) return true;
    const stream = this.stream;
    if (stream === undefined) {
      // Between a refused stream and its replay: held whatever the limit (the caller is paused once over it)
      // and sent when the new stream opens.
      this.body.hold(chunk);
      this.drainOwed = this.body.bytes > REPLAY_LIMIT;
      return !this.drainOwed;
    }
    if (!this.headSeen) this.body.keep(chunk);
    return stream.sendData(chunk, false);
  }

  end(rawTrailers: readonly string[] = []): void {
    if (this.finished || this.ended) return;
    this.ended = true;
    this.trailers = rawTrailers;
    if (this.stream !== undefined) this.endStream(this.stream);
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.finished = true;
    const stream = this.stream;
    if (stream === undefined) this.owner.dequeue(this);
    else stream.reset(ErrorCode.CANCEL);
  }

  /** Fails the exchange before it has a stream (a session that never connected, a full queue). */
  failWaiting(failure: UpstreamFailure, message: string, cause?: Error): void {
    this.fail(failure, message, cause);
  }

  /** Opens the stream on `host`'s session: the first time, or again for a replay. */
  start(host: StreamHost): void {
    this.host = host;
    if (this.finished) return;
    const { init } = this;
    const fields = toHttp2Request(
      { method: init.method, path: init.path, scheme: host.scheme, defaultAuthority: host.authority },
      init.headers,
    );
    const replay = this.body.kept;
    const stream = host.session.request(fields, init.framing.kind === 'none', this);
    if (stream === undefined) {
      // A session that is closing or out of stream ids: not processed, try another one.
      this.host = undefined;
      host.streamClosed(this, true);
      return;
    }
    this.stream = stream;
    this.idleSweeps = 0;
    if (this.paused) stream.pause();
    for (const chunk of replay) stream.sendData(chunk, false);
    if (this.body.bytes > REPLAY_LIMIT) this.body.release();
    if (this.ended && init.framing.kind !== 'none') this.endStream(stream);
    if (!this.sent) {
      this.sent = true;
      this.handlers.onSent();
    } else if (this.drainOwed) {
      this.drainOwed = false;
      this.handlers.onDrain();
    }
  }

  /** Nothing arrived within the idle timeout: the stream is cancelled and the exchange fails as `idle`. */
  timedOut(): void {
    this.idle = true;
    this.stream?.reset(ErrorCode.CANCEL);
  }

  // --- Http2StreamHandler ------------------------------------------------------------------------------------

  onHeaders(fields: string[] | undefined, endStream: boolean, wellFormed: boolean): void {
    this.idleSweeps = 0;
    if (this.finished) return;
    try {
      if (fields === undefined) throw new MalformedResponseError('a response header list over the limit');
      if (this.headSeen) {
        // Trailers: they end the stream (the session let only END_STREAM through on a later block of a request).
        if (!endStream)
          throw new MalformedResponseError('a header block after the head that does not end the stream');
        const trailers = fromHttp2Trailers(fields, wellFormed);
        this.checkLength();
        this.complete(trailers);
        return;
      }
      const head = fromHttp2Response(fields, wellFormed);
      if (head.status < 200) {
        if (endStream || head.status === 101)
          throw new MalformedResponseError(`an informational ${head.status} that ends the stream`);
        this.handlers.onInformation(head.status, head.rawHeaders);
        return;
      }
      this.headSeen = true;
      this.body.release();
      const bodyless = this.init.method === 'HEAD' || head.status === 204 || head.status === 304;
      if (!bodyless) this.expectedLength = head.contentLength;
      if (endStream) this.checkLength();
      this.handlers.onHead(head);
      if (endStream) this.complete([]);
    } catch (err) {
      if (!(err instanceof MalformedResponseError)) throw err;
      this.malformed = err;
      this.stream?.reset(ErrorCode.PROTOCOL_ERROR);
    }
  }

  onData(chunk: Buffer, endStream: boolean): void {
    this.idleSweeps = 0;
    if (this.finished) return;
    if (!this.headSeen) {
      this.malformed = new MalformedResponseError('DATA before the response head');
      this.stream?.reset(ErrorCode.PROTOCOL_ERROR);
      return;
    }
    try {
      this.receivedLength += chunk.length;
      if (this.expectedLength !== undefined && this.receivedLength > this.expectedLength) {
        throw new MalformedResponseError(`more DATA than its content-length of ${this.expectedLength}`);
      }
      if (endStream) this.checkLength();
    } catch (err) {
      if (!(err instanceof MalformedResponseError)) throw err;
      this.malformed = err;
      this.stream?.reset(ErrorCode.PROTOCOL_ERROR);
      return;
    }
    if (chunk.length > 0) this.handlers.onBody(chunk, false);
    if (endStream) this.complete([]);
  }

  /** The body ended: it must be as long as its content-length said. */
  private checkLength(): void {
    if (this.expectedLength !== undefined && this.receivedLength !== this.expectedLength) {
      throw new MalformedResponseError(
        `${this.receivedLength} bytes of DATA for a content-length of ${this.expectedLength}`,
      );
    }
  }

  onDrain(): void {
    if (!this.finished) this.handlers.onDrain();
  }

  onClose(code: number): void {
    const stream = this.stream!;
    const host = this.host!;
    this.stream = undefined;
    if (this.finished) {
      host.streamClosed(this, false);
      return;
    }
    // Never processed: refused, or above the last stream id of a GOAWAY.
    const unprocessed =
      !this.headSeen &&
      !this.idle &&
      this.malformed === undefined &&
      ((stream.resetByPeer && code === ErrorCode.REFUSED_STREAM) || stream.unprocessed);
    if (unprocessed && this.body.replayable && this.replays < MAX_REPLAYS) {
      this.replays++;
      this.host = undefined;
      host.streamClosed(this, true);
      return;
    }
    host.streamClosed(this, false);
    const cause = host.session.error;
    if (this.idle) {
      this.fail('idle', 'no data within the idle timeout');
    } else if (unprocessed) {
      const why = this.body.replayable
        ? `it was refused ${this.replays + 1} times`
        : `its body (${this.body.bytes} bytes) is over the ${REPLAY_LIMIT} bytes kept to send it again`;
      this.fail('reset', `the backend did not process the stream and it cannot be replayed: ${why}`);
    } else if (this.malformed !== undefined) {
      this.fail(
        'protocol',
        `the backend sent a malformed response: ${this.malformed.message}`,
        this.malformed,
      );
    } else if (code === ErrorCode.PROTOCOL_ERROR) {
      this.fail('protocol', host.session.reason ?? 'HTTP/2 protocol error', cause);
    } else {
      const what = this.headSeen ? 'the response was complete' : 'a response';
      const detail = stream.resetByPeer
        ? `the backend reset it, code ${code}`
        : (host.session.reason ?? `code ${code}`);
      this.fail('reset', `the stream closed before ${what} (${detail})`, cause);
    }
  }

  private endStream(stream: Http2Stream): void {
    if (this.trailers.length > 0) stream.sendTrailers(toHttp2Trailers(this.trailers));
    else stream.sendData(undefined, true);
  }

  private complete(trailers: string[]): void {
    this.finished = true;
    const stream = this.stream;
    // The backend answered before the whole request went out: stop sending (RFC 9113 §8.1).
    if (stream !== undefined && !stream.localEnded) stream.reset(ErrorCode.NO_ERROR);
    this.handlers.onComplete(trailers);
  }

  private fail(failure: UpstreamFailure, message: string, cause?: Error): void {
    if (this.finished) return;
    this.finished = true;
    // Reported on the next tick: a failure found inside `request()` must not reach the caller before it
    // holds the exchange, and an abort in between silences it.
    process.nextTick(() => {
      if (!this.aborted) this.handlers.onError(failure, message, cause);
    });
  }
}
