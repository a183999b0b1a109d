import { type ClientHttp2Session, type ClientHttp2Stream, constants } from 'node:http2';
import {
  flattenHttp2Headers,
  fromHttp2Response,
  toHttp2Request,
  toHttp2Trailers,
} from '../protocol/http2/http2Headers.js';
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

/**
 * The options of `session.request`, one frozen object per body framing. Node copies them with a spread and adds
 * its priority defaults to the copy; on Node 20 (V8 11.3) each property added to a spread copy of an ordinary
 * object costs microseconds, while the copy of a frozen one gets an ordinary map and takes them at no cost.
 */
const requestOptions = {
  none: Object.freeze({ endStream: true }),
  length: Object.freeze({ endStream: false }),
  // A chunked body may end with trailers, which HTTP/2 sends as a last HEADERS frame once asked.
  chunked: Object.freeze({ endStream: false, waitForTrailers: true }),
};

/** Where a stream runs: the session and what its requests need of it. */
export interface StreamHost {
  readonly session: ClientHttp2Session;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  /** The last stream id a GOAWAY from the backend said it processes; `Infinity` before one. */
  readonly goawayLastStreamId: number;
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
export class Http2Exchange implements UpstreamExchange {
  host: StreamHost | undefined;
  private stream: ClientHttp2Stream | undefined;
  private readonly body = new ReplayableBody(REPLAY_LIMIT);
  private sent = false;
  private headSeen = false;
  private ended = false;
  private trailers: readonly string[] = [];
  private responseTrailers: string[] = [];
  private paused = false;
  private replays = 0;
  /** Settled: completed, failed or aborted; nothing is reported afterwards. */
  private finished = false;
  private aborted = false;
  private idle = false;
  /** A write between two streams asked the caller to wait: the next stream owes it `onDrain`. */
  private drainOwed = false;
  private lastError: Error | undefined;

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
    return stream.write(chunk);
  }

  end(rawTrailers: readonly string[] = []): void {
    if (this.finished || this.ended) return;
    this.ended = true;
    this.trailers = rawTrailers;
    this.stream?.end();
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
    else if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
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
    const headers = toHttp2Request(
      { method: init.method, path: init.path, scheme: host.scheme, defaultAuthority: host.authority },
      init.headers,
    );
    const replay = this.body.kept;
    let stream: ClientHttp2Stream;
    try {
      stream = host.session.request(headers, requestOptions[init.framing.kind]);
    } catch (err) {
      // A session that is closing or out of stream ids: not processed, try another one.
      if (host.session.closed || host.session.destroyed) {
        this.host = undefined;
        host.streamClosed(this, true);
        return;
      }
      // Its slot on the session is free again: no stream was opened.
      host.streamClosed(this, false);
      this.fail(
        'protocol',
        `the request cannot be sent over HTTP/2: ${(err as Error).message}`,
        err as Error,
      );
      return;
    }
    this.stream = stream;
    this.wire(stream);
    if (this.paused) stream.pause();
    if (init.idleTimeout > 0) {
      stream.setTimeout(init.idleTimeout, () => {
        this.idle = true;
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      });
    }
    for (const chunk of replay) stream.write(chunk);
    if (this.body.bytes > REPLAY_LIMIT) this.body.release();
    if (this.ended && init.framing.kind !== 'none') stream.end();
    if (!this.sent) {
      this.sent = true;
      this.handlers.onSent();
    } else if (this.drainOwed) {
      this.drainOwed = false;
      this.handlers.onDrain();
    }
  }

  private wire(stream: ClientHttp2Stream): void {
    stream.on('response', (headers) => {
      if (this.finished) return;
      this.headSeen = true;
      this.body.release();
      this.handlers.onHead(fromHttp2Response(headers));
    });
    stream.on('headers', (headers) => {
      if (this.finished) return;
      const status = Number(headers[':status']);
      if (status >= 100 && status < 200) this.handlers.onInformation(status, flattenHttp2Headers(headers));
    });
    stream.on('data', (chunk: Buffer) => {
      if (!this.finished) this.handlers.onBody(chunk, false);
    });
    stream.on('trailers', (headers) => {
      this.responseTrailers = flattenHttp2Headers(headers);
    });
    stream.on('wantTrailers', () => {
      stream.sendTrailers(toHttp2Trailers(this.trailers));
    });
    stream.on('drain', () => {
      if (!this.finished) this.handlers.onDrain();
    });
    stream.on('end', () => this.complete(stream));
    stream.on('error', (err) => {
      this.lastError = err;
    });
    stream.on('close', () => this.closed(stream));
  }

  private complete(stream: ClientHttp2Stream): void {
    // Node ends the readable side of a reset stream too: only an END_STREAM from the backend completes it.
    const reset = stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR;
    if (this.finished || !this.headSeen || reset) return;
    this.finished = true;
    // The backend answered before the whole request went out: stop sending (RFC 9113 §8.1).
    if (!this.ended && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
    this.handlers.onComplete(this.responseTrailers);
  }

  private closed(stream: ClientHttp2Stream): void {
    const host = this.host!;
    this.stream = undefined;
    if (this.finished) {
      host.streamClosed(this, false);
      return;
    }
    const code = stream.rstCode;
    // Never processed: refused, above the last stream id of a GOAWAY, or never given an id at all.
    const unprocessed =
      !this.headSeen &&
      !this.idle &&
      (code === constants.NGHTTP2_REFUSED_STREAM ||
        stream.id === undefined ||
        stream.id > host.goawayLastStreamId);
    if (unprocessed && this.body.replayable && this.replays < MAX_REPLAYS) {
      this.replays++;
      this.host = undefined;
      host.streamClosed(this, true);
      return;
    }
    host.streamClosed(this, false);
    if (this.idle) {
      this.fail('idle', 'no data within the idle timeout');
    } else if (unprocessed) {
      const why = this.body.replayable
        ? `it was refused ${this.replays + 1} times`
        : `its body (${this.body.bytes} bytes) is over the ${REPLAY_LIMIT} bytes kept to send it again`;
      this.fail('reset', `the backend did not process the stream and it cannot be replayed: ${why}`);
    } else if (code === constants.NGHTTP2_PROTOCOL_ERROR) {
      this.fail('protocol', this.lastError?.message ?? 'HTTP/2 protocol error', this.lastError);
    } else {
      const what = this.headSeen ? 'the response was complete' : 'a response';
      this.fail(
        'reset',
        `the stream closed before ${what} (${this.lastError?.message ?? `code ${code}`})`,
        this.lastError,
      );
    }
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
