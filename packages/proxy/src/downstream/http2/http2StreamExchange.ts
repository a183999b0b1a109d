import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { grpcStatusForBalancerError } from '../../protocol/grpc/grpcErrorStatus.js';
import { fieldValue, isGrpcRequest } from '../../protocol/grpc/grpcRequest.js';
import { parseGrpcStatus } from '../../protocol/grpc/grpcStatus.js';
import type { BodyFraming } from '../../protocol/http1/requestHeaders.js';
import { toHttp2Fields } from '../../protocol/http2/responseFields.js';
import type {
  DownstreamConnection,
  DownstreamExchange,
  DownstreamExchangeHandlers,
} from '../downstreamExchange.js';
import { fieldsByName } from '../fieldsByName.js';
import { sendTextPage } from '../textPage.js';
import { grpcTrailersOnly, planGrpcHead } from './grpcAnswer.js';

const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_PROTOCOL_ERROR } = constants;

/**
 * The options of `respond`, shared and frozen: Node copies them with a spread and sets `endStream` on the copy,
 * and on Node 20 (V8 11.3) a property added to the spread copy of an ordinary object costs microseconds, to that
 * of a frozen one nothing. Every response without trailers (nearly all of them) passes `noOptions`.
 */
const noOptions = Object.freeze({});
const respondEnded = Object.freeze({ endStream: true });
/** For a body that ends with trailers (every gRPC answer). */
const withTrailers = Object.freeze({ waitForTrailers: true });

/** No fields: the response trailers of an exchange that has none, shared. */
const noFields: readonly string[] = [];

/** The stream's `error` listener: a reset or a session error ends the exchange through `close`. */
function ignore(): void {}

/** What the exchange tells the session it belongs to. */
export interface Http2StreamOwner extends DownstreamConnection {
  /** The stream is gone; `abandoned`: the client reset it (or the session died) before the response ended. */
  streamClosed(abandoned: boolean): void;
}

/**
 * One HTTP/2 stream as a {@link DownstreamExchange}: the request arrives checked and in HTTP/1.1 terms
 * (`Http2Ingress` did that), the response goes back as HEADERS, DATA and, for a backend's chunked body,
 * trailers. It uses the stream API of `node:http2` directly (no compatibility request/response objects).
 * Flow control is the stream's: a client that reads slowly fills its window, `write` returns `false` and the
 * backend is paused, so nothing is buffered without bound.
 */
export class Http2StreamExchange implements DownstreamExchange {
  handlers: DownstreamExchangeHandlers | undefined = undefined;
  statusCode = 0;
  headersSent = false;
  finished = false;
  private pendingHead: OutgoingHttpHeaders | undefined = undefined;
  private bodyless = false;
  /** The response body has no length: it ends with trailers (or an empty DATA frame with END_STREAM). */
  private trailered = false;
  private trailers: readonly string[] = noFields;
  /** The request's trailers, made when they come (only a request with a body can have them). */
  private requestTrailers: string[] | undefined = undefined;
  private received = 0;
  private reading = false;
  private bodyEnded = false;
  /** When the stream arrived, for the request timeout. */
  readonly startedAt = Date.now();
  private cachedHeaders: Record<string, string | string[]> | undefined = undefined;
  readonly httpVersion = '2';
  /** A gRPC call (`content-type: application/grpc…`): errors and non-gRPC answers go back as gRPC statuses. */
  readonly grpc: boolean;
  /** The `grpc-status` the client was sent, once it was. */
  grpcStatus: number | undefined = undefined;
  /** The response head already ended the stream (a trailers-only gRPC answer): body bytes are dropped. */
  private headOnly = false;
  /** Whether a `drain` listener is on the stream: added the first time a write reports a full buffer. */
  private drainWatched = false;
  /**
   * Exchanges whose head waits for the end of the tick (see {@link Http2StreamExchange.writeHead}): one queue and
   * one microtask for all of them, rather than a closure and a microtask per stream.
   */
  private static heads: Http2StreamExchange[] = [];
  private static readonly flushHeads = (): void => {
    const heads = Http2StreamExchange.heads;
    Http2StreamExchange.heads = [];
    for (const exchange of heads) exchange.flushHead();
  };

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly connection: Http2StreamOwner,
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
    readonly framing: BodyFraming,
    readonly hasHost: boolean,
    readonly expectContinue: boolean,
  ) {
    this.grpc = isGrpcRequest(rawHeaders);
    stream.on('close', () => this.closed());
    stream.on('error', ignore);
    // Trailers may come before the body is asked for (they are not held back with it). A request without a body
    // ended with its HEADERS frame, so no trailers can follow.
    if (framing.kind !== 'none') {
      stream.on('trailers', (fields: Record<string, string | string[] | undefined>) => {
        for (const name of Object.keys(fields)) {
          const value = fields[name];
          if (value === undefined) continue;
          this.requestTrailers ??= [];
          for (const one of Array.isArray(value) ? value : [value]) this.requestTrailers.push(name, one);
        }
      });
    }
    // Nothing of the body is read until `readBody`: the stream's buffer fills, and then the client's window. A
    // `pause()` here would cost an error object per stream when the stream is later resumed and ended.
  }

  get headers(): Record<string, string | string[]> {
    this.cachedHeaders ??= fieldsByName(this.rawHeaders);
    return this.cachedHeaders;
  }

  readBody(): void {
    if (this.reading || this.finished) return;
    this.reading = true;
    const stream = this.stream;
    stream.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.framing.kind === 'length' && this.received > this.framing.length) {
        this.bodyBroken();
        return;
      }
      this.handlers?.onRequestBody(chunk);
    });
    stream.on('end', () => {
      this.bodyEnded = true;
      if (this.framing.kind === 'length' && this.received !== this.framing.length) {
        this.bodyBroken();
        return;
      }
      this.handlers?.onRequestEnd(this.requestTrailers ?? []);
    });
    stream.resume();
  }

  /** Whether a request body is still expected from the client. */
  get bodyPending(): boolean {
    return this.framing.kind !== 'none' && !this.bodyEnded && !this.finished;
  }

  /**
   * The request body took longer than `requestTimeout`: the backend request is abandoned, and the client gets
   * 408 if nothing was answered yet (the stream is reset otherwise). Whatever body still comes is read and
   * dropped. A reset right after the 408 (RFC 9113 §8.1) would overtake the response in nghttp2's queue.
   */
  timeOut(): void {
    const headersSent = this.headersSent;
    this.handlers?.onClientAbort(408);
    this.handlers = undefined;
    if (headersSent) this.destroy();
    else this.sendError(408, 'Request timeout');
    if (!this.stream.destroyed) this.stream.resume();
  }

  pauseBody(): void {
    if (!this.finished) this.stream.pause();
  }

  resumeBody(): void {
    if (!this.finished && this.reading) this.stream.resume();
  }

  writeContinue(): void {
    if (this.headersSent || this.finished || this.stream.destroyed) return;
    this.stream.additionalHeaders({ ':status': 100 });
  }

  writeEarlyHints(links: readonly string[]): void {
    if (this.headersSent || this.finished || this.stream.destroyed) return;
    this.stream.additionalHeaders({ ':status': 103, link: [...links] });
  }

  writeHead(
    status: number,
    _reason: string,
    headers: readonly string[],
    contentLength: number | undefined,
  ): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    this.statusCode = status;
    if (this.grpc && this.grpcHead(status, headers)) return;
    this.bodyless = this.method === 'HEAD' || status === 204 || status === 304;
    this.trailered = !this.bodyless && contentLength === undefined;
    this.pendingHead = toHttp2Fields(headers, { ':status': status });
    // Sent with the first body bytes, or at the end of this tick for a streamed body.
    if (Http2StreamExchange.heads.push(this) === 1) queueMicrotask(Http2StreamExchange.flushHeads);
  }

  write(chunk: Buffer): boolean {
    if (this.finished || this.headOnly || this.stream.destroyed) return true;
    this.flushHead();
    const ok =
      this.bodyless || chunk.length === 0 ? !this.stream.writableNeedDrain : this.stream.write(chunk);
    if (!ok && !this.drainWatched) {
      this.drainWatched = true;
      this.stream.on('drain', () => this.handlers?.onClientDrain());
    }
    return ok;
  }

  end(chunk?: Buffer, rawTrailers: readonly string[] = []): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.stream;
    if (stream.destroyed) return;
    if (this.headOnly) {
      if (!this.reading && stream.readable) stream.resume();
      return;
    }
    const head = this.pendingHead;
    const body = chunk !== undefined && chunk.length > 0 && !this.bodyless ? chunk : undefined;
    if (head !== undefined && body === undefined && rawTrailers.length === 0) {
      this.pendingHead = undefined;
      this.respond(head, respondEnded);
    } else {
      this.trailers = rawTrailers;
      // Known now, though the trailers leave once the body has: the access log reads it when the call ends.
      if (this.grpc) this.grpcStatus = parseGrpcStatus(fieldValue(rawTrailers, 'grpc-status'));
      this.flushHead();
      if (body === undefined) stream.end();
      else stream.end(body);
    }
    // A request body nobody will read (the answer came first) is drained, so the stream can close. A request
    // without a body (END_STREAM on its HEADERS) is left alone: its readable side is already done.
    if (!this.reading && this.framing.kind !== 'none' && stream.readable) stream.resume();
  }

  sendError(status: number, message: string, extraHeaders: readonly string[] = []): number {
    if (this.headersSent || this.finished) {
      this.destroy();
      return status;
    }
    if (this.grpc) {
      // A gRPC client cannot read a text page: the same error as a trailers-only gRPC answer.
      this.headersSent = true;
      this.statusCode = status;
      this.answerHeadOnly(grpcStatusForBalancerError(status), message);
      this.end();
      return status;
    }
    sendTextPage(this, status, message, extraHeaders);
    return status;
  }

  /** Resets the stream (never the session): the other streams of the connection go on. */
  destroy(): void {
    this.finished = true;
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  /**
   * A backend's head to a gRPC call: a trailers-only answer ends the stream at once, a non-gRPC answer is
   * mapped to its gRPC status; `true` when the head was handled so.
   */
  private grpcHead(status: number, headers: readonly string[]): boolean {
    const plan = planGrpcHead(status, headers);
    if (plan.kind === 'relay') return false;
    if (plan.kind === 'mapped') {
      this.answerHeadOnly(plan.status, plan.message);
      return true;
    }
    this.grpcStatus = plan.status;
    this.headOnly = true;
    this.respond(toHttp2Fields(headers, { ':status': 200 }), respondEnded);
    return true;
  }

  private answerHeadOnly(status: number, message: string): void {
    this.grpcStatus = status;
    this.headOnly = true;
    this.respond(grpcTrailersOnly(status, message), respondEnded);
  }

  private flushHead(): void {
    const head = this.pendingHead;
    if (head === undefined || this.stream.destroyed) return;
    this.pendingHead = undefined;
    if (this.bodyless) {
      this.respond(head, respondEnded);
      return;
    }
    this.respond(head, this.trailered ? withTrailers : noOptions);
    if (this.trailered) this.stream.once('wantTrailers', () => this.sendTrailers());
  }

  private respond(
    head: OutgoingHttpHeaders,
    options: { readonly endStream?: boolean; readonly waitForTrailers?: boolean },
  ): void {
    try {
      this.stream.respond(head, options);
    } catch {
      // A field value Node will not encode (the backend's, already past the HTTP/1.1 parser): cut the stream.
      this.destroy();
    }
  }

  /** Trailers of a chunked backend body; with none, Node ends the stream with an empty DATA frame. */
  private sendTrailers(): void {
    if (this.stream.destroyed) return;
    try {
      this.stream.sendTrailers(toHttp2Fields(this.trailers, {}));
    } catch {
      this.stream.close(NGHTTP2_INTERNAL_ERROR);
    }
  }

  /** The body broke its `content-length` (RFC 9113 §8.1.1): the stream is malformed. */
  private bodyBroken(): void {
    const handlers = this.handlers;
    this.finished = true;
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_PROTOCOL_ERROR);
    handlers?.onClientAbort(400);
  }

  private closed(): void {
    const abandoned = !this.finished;
    if (abandoned) {
      this.finished = true;
      this.handlers?.onClientAbort(499);
    }
    this.connection.streamClosed(abandoned);
  }
}
