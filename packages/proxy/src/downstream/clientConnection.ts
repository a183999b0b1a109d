import type { Socket } from 'node:net';
import { BodyDecoder, type BodySink } from '../protocol/http1/bodyDecoder.js';
import { hasBareLf } from '../protocol/http1/fieldSyntax.js';
import { checkRequestFraming } from '../protocol/http1/framing.js';
import { httpDate } from '../protocol/http1/httpDate.js';
import { type RequestFacts, requestFacts } from '../protocol/http1/requestFacts.js';
import { parseRequestHead, type RequestHead, RequestParseError } from '../protocol/http1/requestHead.js';
import { applyRequestRules, type CheckedRequest, type RequestRules } from '../protocol/http1/requestRules.js';
import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import { parseProxyHeader } from '../protocol/proxy/parseProxyHeader.js';
import { relayedAddress } from '../protocol/proxy/relayedAddress.js';
import { ClientExchange } from './clientExchange.js';

/** The client-side limits, in milliseconds and bytes (a timeout of 0 is none), and the request rules. */
export interface ClientLimits extends RequestRules {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxHeaderSize: number;
}

/** A request the connection answered with an error before handing it on (bad framing, a timeout, a limit). */
export interface RejectedRequest {
  readonly status: number;
  /** The connection's client: the peer, or the client a trusted PROXY header relayed (no `trustProxy` yet). */
  readonly remoteAddress: string;
  /** The parsed head, when the request got that far (a rule after parsing refused it). */
  readonly head: RequestHead | undefined;
  /** Bytes of the request received when it was refused. */
  readonly bytesIn: number;
  /** When its first byte arrived, in ms since the epoch. */
  readonly startedAt: number;
}

/** What a client connection needs from the listener that accepted it. */
export interface ClientConnectionOwner {
  readonly limits: ClientLimits;
  /** The balancer is stopping: answer what is in flight with `Connection: close`. */
  readonly stopping: boolean;
  onRequest(exchange: ClientExchange): void;
  /** An `Upgrade` request: the socket (paused) and the bytes after the head now belong to the callee. */
  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void;
  /** Something failed that no request rule explains (a bug): the connection is closed, never the process. */
  onError(error: Error): void;
  /** A request was refused before it was handed on; the connection closes after its answer. */
  onRejected(rejection: RejectedRequest): void;
  /** The connection was closed for its PROXY header: malformed, another protocol, closed early or too late. */
  onProxyHeaderRefused(): void;
  connectionClosed(connection: ClientConnection): void;
}

/**
 * - `idle`: between requests; `head`: part of a head arrived; `body`: the request body is being read;
 * - `waiting`: the request is complete and its response is being written; `closed`: nothing more is read.
 */
type Phase = 'idle' | 'head' | 'body' | 'waiting' | 'closed';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
/**
 * Schedules the end-of-tick head flush: a reaction on a settled promise runs in the same microtask checkpoint as
 * `queueMicrotask`, without the async resource and bound function Node's `queueMicrotask` makes per call.
 */
const settled = Promise.resolve();
/** Bytes held for a request not yet being read (pipelined or early body) before the socket stops reading. */
const HOLD_LIMIT = 64 * 1024;
/** How long a closing connection waits for the client's FIN, so its last response is not cut by a reset. */
const LINGER_MS = 2000;

/**
 * One client connection of the HTTP/1.1 listener: reads requests one at a time with a strict parser, holds any
 * pipelined bytes until the response before them has ended, enforces the header, request and keep-alive
 * deadlines (checked by the listener's sweep), and closes after `Connection: close`, an HTTP/1.0 request
 * without keep-alive, a response that ended before its request body, or any framing it will not interpret.
 */
export class ClientConnection implements BodySink {
  current: ClientExchange | undefined = undefined;
  /** Its slot in its listener's list of connections (set by the listener, handed back when it closes). */
  listSlot = -1;
  /**
   * The client's address: the socket's peer, or the client a trusted peer's PROXY header relayed (set when the
   * header is read, before any request).
   */
  remoteAddress: string;
  readonly localPort: number;
  private phase: Phase = 'idle';
  private held: Buffer | undefined = undefined;
  private heldPaused = false;
  private since: number;
  private requestStartedAt = 0;
  private served = 0;
  private bodyAttached = false;
  private ending = false;
  private readonly decoder: BodyDecoder;
  private flushQueued: ClientExchange | undefined = undefined;
  /**
   * While the PROXY header a trusted peer must open with is awaited, how many milliseconds it may take from the
   * accept; undefined once it is read, or when none is expected.
   */
  private proxyHeaderTimeout: number | undefined;
  /** The bytes of an unfinished PROXY header, when it came in more than one chunk. */
  private proxyHeaderReceived: Buffer | undefined = undefined;
  private readonly onData = (chunk: Buffer): void => {
    try {
      this.read(chunk);
    } catch (err) {
      this.socket.destroy();
      this.owner.onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  private readonly onEnd = (): void => this.clientFinished();
  private readonly onDrain = (): void => this.current?.handlers?.onClientDrain();
  private readonly onError = (): void => {};
  private readonly onClose = (): void => this.closed();
  private readonly flushPending = (): void => {
    const exchange = this.flushQueued;
    this.flushQueued = undefined;
    exchange?.flushHead();
  };
  /** Reads pipelined bytes held during the last response, unless newer bytes already started the next one. */
  private readonly readHeld = (): void => {
    const data = this.held;
    if (data === undefined || this.phase !== 'idle') return;
    this.held = undefined;
    this.onData(data);
  };

  constructor(
    readonly socket: Socket,
    private readonly owner: ClientConnectionOwner,
    now: number,
    clientAddress?: string,
    /**
     * Set for a trusted peer on a listener with the PROXY protocol: its header must come first, within this many
     * milliseconds. It is read here, from the same chunks as the requests after it, so the socket is never
     * paused, put back or handed on for it.
     */
    proxyHeaderTimeout?: number,
  ) {
    this.since = now;
    this.proxyHeaderTimeout = proxyHeaderTimeout;
    this.remoteAddress = clientAddress ?? socket.remoteAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.decoder = new BodyDecoder(this, owner.limits.maxHeaderSize);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * Whether a response starting now must close the connection afterwards: the balancer is stopping, or the
   * request body is still unread (the connection will be closed rather than drained).
   */
  get closing(): boolean {
    return this.owner.stopping || this.phase === 'body';
  }

  /** Whether the connection waits for a request with nothing of it received. */
  get idle(): boolean {
    return this.phase === 'idle' && this.held === undefined;
  }

  /** Applies the deadline of the current phase; called by the listener's sweep. */
  check(now: number): void {
    const proxyHeaderTimeout = this.proxyHeaderTimeout;
    if (proxyHeaderTimeout !== undefined) {
      // Refused when its `close` event comes.
      if (now - this.since >= proxyHeaderTimeout) this.socket.destroy();
      return;
    }
    const { headersTimeout, requestTimeout, keepAliveTimeout } = this.owner.limits;
    if (this.phase === 'idle') {
      const limit = this.served === 0 ? headersTimeout : keepAliveTimeout;
      if (limit > 0 && now - this.since >= limit) this.socket.destroy();
    } else if (this.phase === 'head') {
      if (headersTimeout > 0 && now - this.since >= headersTimeout)
        this.reject(408, 'Request header timeout', this.held?.length ?? 0);
    } else if (this.phase === 'body') {
      if (requestTimeout > 0 && now - this.requestStartedAt >= requestTimeout)
        this.bodyFailed(408, 'Request timeout');
    }
  }

  /** Sends a pending response head at the end of this tick unless the body joined it first. */
  flushLater(exchange: ClientExchange): void {
    this.flushQueued = exchange;
    settled.then(this.flushPending);
  }

  /** Starts delivering the body of `exchange` (held until now, so a retry could still pick another backend). */
  startBody(exchange: ClientExchange): void {
    if (exchange !== this.current || this.bodyAttached) return;
    this.bodyAttached = true;
    if (this.phase !== 'body') return;
    this.resumeHeld();
    const data = this.held;
    this.held = undefined;
    if (data !== undefined) this.decodeBody(data);
  }

  /** The response of `exchange` ended: read the next request, or close. */
  responseEnded(exchange: ClientExchange): void {
    if (exchange !== this.current) return;
    this.current = undefined;
    if (!exchange.keepAlive || this.phase !== 'waiting') {
      this.closeAfterWrite();
      return;
    }
    this.served++;
    this.phase = 'idle';
    this.bodyAttached = false;
    this.since = Date.now();
    this.resumeHeld();
    if (this.socket.isPaused()) this.socket.resume();
    if (this.held !== undefined) setImmediate(this.readHeld);
  }

  onBody(chunk: Buffer): void {
    this.current?.handlers?.onRequestBody(chunk);
  }

  onBodyEnd(rawTrailers: string[]): void {
    this.phase = 'waiting';
    this.current?.handlers?.onRequestEnd(rawTrailers);
  }

  private read(chunk: Buffer): void {
    if (this.proxyHeaderTimeout !== undefined) {
      const start = this.readProxyHeader(chunk);
      // What follows the header starts the first request: the connection has read nothing else yet.
      if (start < chunk.length) this.readHead(chunk, start);
      return;
    }
    const phase = this.phase;
    if (phase === 'idle' || phase === 'head') this.readHead(chunk);
    else if (phase === 'body' && this.bodyAttached) this.decodeBody(chunk);
    else if (phase !== 'closed') this.hold(chunk);
  }

  /**
   * Takes the PROXY header from the connection's first bytes. Returns where in `chunk` the bytes after the
   * header start, or `chunk.length` when there are none: the header is incomplete, ends with the chunk, or was
   * refused (the connection is closed).
   */
  private readProxyHeader(chunk: Buffer): number {
    const before = this.proxyHeaderReceived;
    const received = before === undefined ? chunk : Buffer.concat([before, chunk]);
    const result = parseProxyHeader(received);
    if (result.kind === 'incomplete') {
      this.proxyHeaderReceived = received;
      return chunk.length;
    }
    this.proxyHeaderTimeout = undefined;
    this.proxyHeaderReceived = undefined;
    if (result.kind === 'invalid') {
      this.phase = 'closed';
      this.socket.destroy();
      this.owner.onProxyHeaderRefused();
      return chunk.length;
    }
    const client = relayedAddress(result.header);
    if (client !== undefined) this.remoteAddress = client;
    // The bytes held before were all header (it was incomplete without this chunk), so it ends in this chunk.
    const start = result.length - (before === undefined ? 0 : before.length);
    // The wait for a request starts now. When a request follows in this chunk, reading its first byte sets the
    // time anyway, and the clock is not read twice (a measurable share of the header's cost).
    if (start === chunk.length) this.since = Date.now();
    return start;
  }

  private hold(chunk: Buffer): void {
    this.held = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    if (this.held.length > HOLD_LIMIT && !this.heldPaused) {
      this.heldPaused = true;
      this.socket.pause();
    }
  }

  private resumeHeld(): void {
    if (!this.heldPaused) return;
    this.heldPaused = false;
    this.socket.resume();
  }

  /** `start`: where the request starts in `chunk` (after a PROXY header; nothing is held then). */
  private readHead(chunk: Buffer, start = 0): void {
    const data = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.held = undefined;
    let offset = start;
    if (this.phase === 'idle') {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      while (data[offset] === 13 && data[offset + 1] === 10) offset += 2;
      if (offset >= data.length) return;
      this.phase = 'head';
      this.since = Date.now();
    }
    const { maxHeaderSize } = this.owner.limits;
    const end = data.indexOf(CRLFCRLF, offset);
    // What a refusal logs as received: the request's bytes so far.
    const received = data.length - offset;
    if (requestLineTooLong(data, offset, maxHeaderSize)) {
      this.reject(414, 'Request line too long', received);
      return;
    }
    if (end === -1) {
      const rest = data.subarray(offset);
      if (rest.length > maxHeaderSize) this.reject(431, 'Request header fields too large', received);
      else if (hasBareLf(rest)) this.reject(400, 'Bad request: bare LF', received);
      else this.held = rest;
      return;
    }
    if (end - offset > maxHeaderSize) {
      this.reject(431, 'Request header fields too large', received);
      return;
    }
    let head: ReturnType<typeof parseRequestHead>;
    try {
      head = parseRequestHead(data.toString('latin1', offset, end));
    } catch (err) {
      const status = err instanceof RequestParseError ? err.status : 400;
      this.reject(status, `Bad request: ${err instanceof Error ? err.message : String(err)}`, received);
      return;
    }
    const checked = checkRequestFraming(head.httpVersion, head.rawHeaders);
    if ('violation' in checked) {
      const { status, reason } = checked.violation;
      this.reject(status, `Bad request framing: ${reason}`, received, head);
      return;
    }
    const facts = requestFacts(head.rawHeaders);
    if (head.httpVersion === '1.1' && facts.host === undefined) {
      this.reject(400, 'Bad request: missing Host', received, head);
      return;
    }
    if (head.method === 'CONNECT') {
      this.reject(405, 'CONNECT is not supported', received, head);
      return;
    }
    let request: CheckedRequest;
    try {
      request = applyRequestRules(head, facts.host, this.owner.limits);
    } catch (err) {
      const status = err instanceof RequestParseError ? err.status : 400;
      const message = `Bad request: ${err instanceof Error ? err.message : String(err)}`;
      this.reject(status, message, received, head);
      return;
    }
    if (facts.expect !== undefined && facts.expect.toLowerCase() !== '100-continue') {
      this.reject(417, `Unsupported expectation ${facts.expect}`, received, head);
      return;
    }
    const rest = end + 4 < data.length ? data.subarray(end + 4) : undefined;
    this.dispatch(head, request, checked.framing, facts, rest);
  }

  private dispatch(
    head: ReturnType<typeof parseRequestHead>,
    request: CheckedRequest,
    framing: ClientExchange['framing'],
    facts: RequestFacts,
    rest: Buffer | undefined,
  ): void {
    const keepAlive = head.httpVersion === '1.1' ? !facts.close : facts.keepAlive && !facts.close;
    const exchange = new ClientExchange(
      this,
      head.method,
      request.target,
      head.httpVersion,
      request.rawHeaders,
      framing,
      request.hasHost,
      facts.expect !== undefined,
      keepAlive,
    );
    this.current = exchange;
    this.bodyAttached = false;
    this.requestStartedAt = this.since;
    if (facts.upgrade) {
      this.detach();
      this.owner.onUpgrade(exchange, this.socket, rest ?? EMPTY);
      return;
    }
    if (framing.kind === 'none') {
      this.phase = 'waiting';
    } else {
      this.phase = 'body';
      if (framing.kind === 'chunked') this.decoder.startChunked();
      else this.decoder.startLength(framing.length);
    }
    if (rest !== undefined) this.hold(rest);
    this.owner.onRequest(exchange);
  }

  private decodeBody(chunk: Buffer): void {
    const data = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.held = undefined;
    let offset: number;
    try {
      offset = this.decoder.decode(data, 0);
      if (this.phase === 'body' && offset < data.length) {
        const rest = data.subarray(offset);
        this.decoder.checkPending(rest);
        this.held = rest;
      }
    } catch (err) {
      this.bodyFailed(400, `Bad request body: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (offset < data.length && this.phase === 'waiting') this.hold(data.subarray(offset));
  }

  /** The request body broke or timed out: the exchange is abandoned and the client told, if it still can be. */
  private bodyFailed(status: 400 | 408, message: string): void {
    const exchange = this.current;
    this.decoder.reset();
    this.phase = 'closed';
    if (exchange === undefined || exchange.finished) {
      this.closeAfterWrite();
      return;
    }
    const headersSent = exchange.headersSent;
    exchange.handlers?.onClientAbort(status);
    if (headersSent) exchange.destroy();
    else exchange.sendError(status, message, [], true);
    this.closeAfterWrite();
  }

  /**
   * The client sent FIN. Like Node's server and nginx, a half-close counts as the client going away: whatever is
   * in flight is aborted rather than answered into a connection the client may already have abandoned.
   */
  private clientFinished(): void {
    this.socket.destroy();
  }

  private closed(): void {
    if (this.proxyHeaderTimeout !== undefined) {
      this.proxyHeaderTimeout = undefined;
      this.owner.onProxyHeaderRefused();
    }
    const exchange = this.current;
    this.phase = 'closed';
    this.current = undefined;
    this.held = undefined;
    if (exchange !== undefined && !exchange.finished) {
      exchange.finished = true;
      exchange.handlers?.onClientAbort(499);
    }
    this.owner.connectionClosed(this);
  }

  /** Answers a request that never reached the balancer's logic, tells the owner, then closes. */
  private reject(status: number, message: string, bytesIn: number, head?: RequestHead): void {
    this.phase = 'closed';
    this.held = undefined;
    const remoteAddress = this.remoteAddress;
    this.owner.onRejected({ status, remoteAddress, head, bytesIn, startedAt: this.since });
    const body = `${message.replace(/[^\x20-\x7e]/g, '?')}\n`;
    this.socket.write(
      `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${body.length}\r\nDate: ${httpDate()}\r\nConnection: close\r\n\r\n${body}`,
      'latin1',
    );
    this.closeAfterWrite();
  }

  /** Ends the connection after what was written, reading and dropping whatever the client still sends. */
  private closeAfterWrite(): void {
    this.phase = 'closed';
    this.held = undefined;
    const socket = this.socket;
    if (this.ending || socket.destroyed) return;
    this.ending = true;
    if (socket.isPaused()) socket.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Hands the socket over (to an upgrade tunnel): nothing of this connection listens to it any more. */
  private detach(): void {
    this.phase = 'closed';
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('drain', this.onDrain);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.current = undefined;
    this.owner.connectionClosed(this);
  }
}

/**
 * Whether the request line (which shares the `maxHeaderSize` budget with the fields) is longer than half of
 * that budget, so it is answered 414 URI Too Long rather than 431: 8 KiB by default, nginx's
 * `large_client_header_buffers`. Checked as bytes arrive, so a huge target is refused before it is all read.
 */
function requestLineTooLong(data: Buffer, offset: number, maxHeaderSize: number): boolean {
  const limit = maxHeaderSize >> 1;
  const lineEnd = data.indexOf(CRLF, offset);
  return (lineEnd === -1 ? data.length : lineEnd) - offset > limit;
}
