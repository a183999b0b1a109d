import { grpcStatusForBalancerError } from '../../protocol/grpc/grpcErrorStatus.js';
import { fieldValue, isGrpcRequest } from '../../protocol/grpc/grpcRequest.js';
import { parseGrpcStatus } from '../../protocol/grpc/grpcStatus.js';
import type { BodyFraming } from '../../protocol/http1/requestHeaders.js';
import { ErrorCode } from '../../protocol/http2/frames/frameKinds.js';
import { checkRequestTrailers, MalformedRequestError } from '../../protocol/http2/requestFields.js';
import { toHttp2Fields } from '../../protocol/http2/responseFields.js';
import type { Http2Stream, Http2StreamHandler } from '../../protocol/http2/session/http2Stream.js';
import type {
  DownstreamConnection,
  DownstreamExchange,
  DownstreamExchangeHandlers,
} from '../downstreamExchange.js';
import { fieldsByName } from '../fieldsByName.js';
import { sendTextPage } from '../textPage.js';
import { grpcTrailersOnly, planGrpcHead } from './grpcAnswer.js';

/** No fields: the trailers of an exchange that has none, shared. */
const noFields: readonly string[] = [];

/** What the exchange tells the session it belongs to. */
export interface Http2StreamOwner extends DownstreamConnection {
  /** The stream is gone; `abandoned`: the client reset it (or the session died) before the response ended. */
  streamClosed(abandoned: boolean): void;
}

/**
 * One HTTP/2 stream as a {@link DownstreamExchange}: the request arrives checked and in HTTP/1.1 terms
 * (`Http2Ingress` did that), the response goes back as HEADERS, DATA and, for a backend's chunked body,
 * trailers. Flow control is the stream's: a client that reads slowly uses up its window, `write` returns
 * `false` and the backend is paused, so nothing is buffered without bound.
 */
export class Http2StreamExchange implements DownstreamExchange, Http2StreamHandler {
  handlers: DownstreamExchangeHandlers | undefined = undefined;
  statusCode = 0;
  headersSent = false;
  finished = false;
  /** The response head, held until the body's first bytes or the end of the tick (see `writeHead`). */
  private pendingHead: string[] | undefined = undefined;
  private bodyless = false;
  /** The request's trailers, when they come. */
  private requestTrailers: string[] | undefined = undefined;
  private received = 0;
  private reading = false;
  /** The body is read only to be dropped (the response ended before anyone asked for it). */
  private discarding = false;
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
    private readonly stream: Http2Stream,
    readonly connection: Http2StreamOwner,
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
    readonly framing: BodyFraming,
    readonly hasHost: boolean,
    readonly expectContinue: boolean,
  ) {
    this.grpc = isGrpcRequest(rawHeaders);
    // The stream holds the body (it arrived paused) until `readBody`: its window, then the client, wait.
    stream.handler = this;
  }

  get headers(): Record<string, string | string[]> {
    this.cachedHeaders ??= fieldsByName(this.rawHeaders);
    return this.cachedHeaders;
  }

  readBody(): void {
    if (this.reading || this.finished) return;
    this.reading = true;
    this.stream.resume();
  }

  /** Whether a request body is still expected from the client. */
  get bodyPending(): boolean {
    return this.framing.kind !== 'none' && !this.bodyEnded && !this.finished;
  }

  /**
   * The request body took longer than `requestTimeout`: the backend request is abandoned, and the client gets
   * 408 if nothing was answered yet (the stream is reset otherwise). Whatever body still comes is dropped.
   */
  timeOut(): void {
    const headersSent = this.headersSent;
    this.handlers?.onClientAbort(408);
    this.handlers = undefined;
    // The 408's end() drops what is left of the body; a reset stream takes no more.
    if (headersSent) this.destroy();
    else this.sendError(408, 'Request timeout');
  }

  pauseBody(): void {
    if (!this.finished) this.stream.pause();
  }

  resumeBody(): void {
    if (!this.finished && this.reading) this.stream.resume();
  }

  writeContinue(): void {
    if (this.headersSent || this.finished) return;
    this.stream.sendHeaders([':status', '100'], false);
  }

  writeEarlyHints(links: readonly string[]): void {
    if (this.headersSent || this.finished) return;
    const fields = [':status', '103'];
    for (const link of links) fields.push('link', link);
    this.stream.sendHeaders(fields, false);
  }

  writeHead(
    status: number,
    _reason: string,
    headers: readonly string[],
    _contentLength: number | undefined,
  ): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    this.statusCode = status;
    if (this.grpc && this.grpcHead(status, headers)) return;
    this.bodyless = this.method === 'HEAD' || status === 204 || status === 304;
    this.pendingHead = toHttp2Fields(headers, [':status', String(status)]);
    // Sent with the first body bytes or the end (one HEADERS frame with END_STREAM for an empty body), or at the
    // end of this tick for a body that streams.
    if (Http2StreamExchange.heads.push(this) === 1) queueMicrotask(Http2StreamExchange.flushHeads);
  }

  write(chunk: Buffer): boolean {
    if (this.finished || this.headOnly || this.stream.closed) return true;
    this.flushHead();
    if (this.bodyless || chunk.length === 0) return true;
    return this.stream.sendData(chunk, false);
  }

  end(chunk?: Buffer, rawTrailers: readonly string[] = noFields): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.stream;
    if (stream.closed) return;
    if (!this.headOnly) {
      const head = this.pendingHead;
      const body = chunk !== undefined && chunk.length > 0 && !this.bodyless ? chunk : undefined;
      if (head !== undefined && body === undefined && rawTrailers.length === 0) {
        this.pendingHead = undefined;
        stream.sendHeaders(head, true);
      } else {
        // Known now, though the trailers leave once the body has: the access log reads it when the call ends.
        if (this.grpc) this.grpcStatus = parseGrpcStatus(fieldValue(rawTrailers, 'grpc-status'));
        this.flushHead();
        if (rawTrailers.length === 0 || this.bodyless) stream.sendData(body, true);
        else {
          if (body !== undefined) stream.sendData(body, false);
          stream.sendTrailers(toHttp2Fields(rawTrailers, []));
        }
      }
    }
    // The answer is complete: what is left of the request body is read and dropped, even if the backend had
    // paused it, so the client's window keeps moving and it can finish sending. (RFC 9113 §8.1 lets a server
    // stop the client with RST_STREAM NO_ERROR instead, but curl takes that for a failed transfer.)
    if (!stream.remoteEnded) {
      this.discarding = true;
      stream.resume();
    }
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
    this.stream.reset(ErrorCode.INTERNAL_ERROR);
  }

  // --- Http2StreamHandler ------------------------------------------------------------------------------------

  onHeaders(fields: string[] | undefined, _endStream: boolean, wellFormed: boolean): void {
    // The session lets only trailers (with END_STREAM) follow a request's head.
    try {
      this.requestTrailers = checkRequestTrailers(fields ?? [], wellFormed);
    } catch (err) {
      if (!(err instanceof MalformedRequestError)) throw err;
      this.bodyBroken();
      return;
    }
    this.bodyDone();
  }

  onData(chunk: Buffer, endStream: boolean): void {
    if (this.discarding) {
      if (endStream) this.bodyEnded = true;
      return;
    }
    if (chunk.length > 0) {
      this.received += chunk.length;
      if (this.framing.kind === 'length' && this.received > this.framing.length) {
        this.bodyBroken();
        return;
      }
      this.handlers?.onRequestBody(chunk);
    }
    if (endStream) this.bodyDone();
  }

  onDrain(): void {
    this.handlers?.onClientDrain();
  }

  onClose(_code: number): void {
    const abandoned = !this.finished;
    if (abandoned) {
      this.finished = true;
      this.handlers?.onClientAbort(499);
    }
    this.connection.streamClosed(abandoned);
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
    this.stream.sendHeaders(toHttp2Fields(headers, [':status', '200']), true);
    return true;
  }

  private answerHeadOnly(status: number, message: string): void {
    this.grpcStatus = status;
    this.headOnly = true;
    this.stream.sendHeaders(grpcTrailersOnly(status, message), true);
  }

  private flushHead(): void {
    const head = this.pendingHead;
    if (head === undefined) return;
    this.pendingHead = undefined;
    this.stream.sendHeaders(head, this.bodyless);
  }

  private bodyDone(): void {
    this.bodyEnded = true;
    if (this.discarding) return;
    if (this.framing.kind === 'length' && this.received !== this.framing.length) {
      this.bodyBroken();
      return;
    }
    this.handlers?.onRequestEnd(this.requestTrailers ?? []);
  }

  /** The body broke its `content-length` or its trailers are malformed (RFC 9113 §8.1.1): the stream is reset. */
  private bodyBroken(): void {
    const handlers = this.handlers;
    this.finished = true;
    this.stream.reset(ErrorCode.PROTOCOL_ERROR);
    handlers?.onClientAbort(400);
  }
}
