import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import { RequestParseError } from '../../protocol/http1/requestHead.js';
import type { BodyFraming } from '../../protocol/http1/requestHeaders.js';
import { applyRequestRules, type RequestRules } from '../../protocol/http1/requestRules.js';
import { checkRequestFields, MalformedRequestError } from '../../protocol/http2/requestFields.js';
import type { DownstreamExchange } from '../downstreamExchange.js';
import { Http2StreamExchange, type Http2StreamOwner } from './http2StreamExchange.js';

const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_FLAG_END_STREAM } = constants;

/** The limits of the HTTP/2 side, in milliseconds and bytes (a timeout of 0 is none). */
export interface Http2Limits extends RequestRules {
  /** How long a new session may wait for its first request. */
  readonly headersTimeout: number;
  /** How long a session with no open stream stays open. */
  readonly keepAliveTimeout: number;
  /** How long a stream may take to send its whole request body (408 past it). */
  readonly requestTimeout: number;
  /** The largest header list (RFC 9113 `SETTINGS_MAX_HEADER_LIST_SIZE`): the HTTP/1.1 head limit. */
  readonly maxHeaderSize: number;
  readonly maxConcurrentStreams: number;
}

/** What the ingress reports to the balancer. */
export interface Http2IngressOwner {
  readonly stopping: boolean;
  onRequest(exchange: DownstreamExchange): void;
  /** A session was opened (`opened`) or closed. */
  sessionChanged(opened: boolean): void;
  /** A session was closed with `ENHANCE_YOUR_CALM` for abuse: rapid resets or malformed streams. */
  sessionRefused(reason: 'rapidReset' | 'malformed'): void;
}

/**
 * Streams a client may abandon (reset before their response ended) or send malformed before its session is
 * closed, once they are more than a quarter of the streams it opened. Browsers cancel a few streams; the
 * rapid-reset attack (CVE-2023-44487) cancels nearly all, and is stopped after this many.
 */
const ABUSE_FLOOR = 100;

/** Sent in SETTINGS: the most streams a client may have open at once (HAProxy's and Envoy's default). */
export const defaultMaxConcurrentStreams = 100;

/**
 * One client's HTTP/2 session: its address, its open streams, and the counts that tell abuse from use.
 */
class ClientSession implements Http2StreamOwner {
  open = 0;
  opened = 0;
  abandoned = 0;
  malformed = 0;
  since: number;
  served = 0;
  /** Streams whose request body may still be coming, for the request timeout. */
  readonly bodies = new Set<Http2StreamExchange>();

  constructor(
    readonly session: ServerHttp2Session,
    readonly remoteAddress: string,
    readonly localPort: number,
    private readonly ingress: Http2Ingress,
  ) {
    this.since = Date.now();
  }

  streamClosed(abandoned: boolean): void {
    this.open--;
    this.served++;
    if (this.open === 0) this.since = Date.now();
    if (abandoned) {
      this.abandoned++;
      this.ingress.checkAbuse(this, 'rapidReset', this.abandoned);
    }
  }
}

/**
 * The HTTP/2 side of the listener: sockets the listener recognised as HTTP/2 (by ALPN or by the preface) are
 * handed to a `node:http2` server that never listens itself, and every stream becomes an
 * {@link Http2StreamExchange} on the same request path as an HTTP/1.1 request. Streams are checked against RFC
 * 9113 §8 here; sessions that abuse the protocol are closed with `GOAWAY ENHANCE_YOUR_CALM`, which costs only
 * that client its connection.
 */
export class Http2Ingress {
  private readonly server: Http2Server;
  private readonly sessions = new Set<ClientSession>();
  /** The address of the socket being handed over: the server's `session` event comes synchronously. */
  private handing: { address: string; port: number } | undefined = undefined;

  constructor(
    private readonly limits: Http2Limits,
    private readonly owner: Http2IngressOwner,
  ) {
    this.server = createServer({
      settings: {
        maxConcurrentStreams: limits.maxConcurrentStreams,
        maxHeaderListSize: limits.maxHeaderSize,
        enablePush: false,
      },
      maxHeaderListPairs: limits.maxHeaderCount + 8,
      // Node's defaults, stated: 10 MB of nghttp2 memory per session, 10 unanswered pings, 32 SETTINGS entries.
      maxSessionMemory: 10,
      maxOutstandingPings: 10,
      maxSettings: 32,
      // nghttp2 resets the streams it finds malformed (an upper-case name, a connection field, …) without the
      // stream ever being seen here; Node counts them as invalid frames and closes the session past this many
      // (its default is 1,000).
      maxSessionInvalidFrames: ABUSE_FLOOR,
    });
    this.server.on('session', (session: ServerHttp2Session) => this.sessionOpened(session));
  }

  /** Serves `socket` (after the preface check or an `h2` ALPN) as an HTTP/2 connection. */
  accept(socket: Socket, clientAddress: string | undefined): void {
    this.handing = { address: clientAddress ?? socket.remoteAddress ?? '', port: socket.localPort ?? 0 };
    this.server.emit('connection', socket);
    this.handing = undefined;
  }

  /** Closes sessions with no open stream; the others are told GOAWAY and close when their streams end. */
  closeIdle(): void {
    for (const client of this.sessions) client.session.close();
  }

  closeAll(): void {
    for (const client of this.sessions) client.session.destroy();
  }

  /** Closes sessions idle past their deadline; called by the listener's sweep. */
  check(now: number): void {
    const { headersTimeout, keepAliveTimeout, requestTimeout } = this.limits;
    for (const client of this.sessions) {
      for (const exchange of client.bodies) {
        if (!exchange.bodyPending) client.bodies.delete(exchange);
        else if (requestTimeout > 0 && now - exchange.startedAt >= requestTimeout) {
          client.bodies.delete(exchange);
          exchange.timeOut();
        }
      }
      if (client.open > 0) continue;
      const limit = client.served === 0 ? headersTimeout : keepAliveTimeout;
      if (limit > 0 && now - client.since >= limit) client.session.close();
    }
  }

  /** Closes a session whose abandoned or malformed streams are past the floor and a quarter of its streams. */
  checkAbuse(client: ClientSession, reason: 'rapidReset' | 'malformed', count: number): void {
    if (count < ABUSE_FLOOR || count * 4 < client.opened || client.session.destroyed) return;
    this.owner.sessionRefused(reason);
    // `destroy(undefined, code)` ends with a GOAWAY of NO_ERROR in Node 20; the GOAWAY submitted first is the
    // one the client reads.
    client.session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
    client.session.destroy();
  }

  private sessionOpened(session: ServerHttp2Session): void {
    const handing = this.handing;
    const client = new ClientSession(session, handing?.address ?? '', handing?.port ?? 0, this);
    this.sessions.add(client);
    this.owner.sessionChanged(true);
    session.on(
      'stream',
      (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, flags: number, raw: string[]) =>
        this.onStream(client, stream, flags, raw),
    );
    // A session error (a flood nghttp2 caught, a bad frame) ends that session only.
    session.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES') this.owner.sessionRefused('malformed');
    });
    session.on('close', () => {
      this.sessions.delete(client);
      this.owner.sessionChanged(false);
    });
    if (this.owner.stopping) session.close();
  }

  private onStream(client: ClientSession, stream: ServerHttp2Stream, flags: number, raw: string[]): void {
    client.opened++;
    if (stream.destroyed) {
      // Reset in the same read as its HEADERS (the rapid-reset pattern): no backend ever hears of it.
      client.abandoned++;
      this.checkAbuse(client, 'rapidReset', client.abandoned);
      return;
    }
    client.open++;
    let head: ReturnType<typeof checkRequestFields>;
    try {
      head = checkRequestFields(raw);
    } catch (err) {
      if (!(err instanceof MalformedRequestError)) throw err;
      this.malformed(client, stream);
      return;
    }
    const ended = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    const framing: BodyFraming =
      head.contentLength !== undefined
        ? head.contentLength === 0 && ended
          ? { kind: 'none' }
          : { kind: 'length', length: head.contentLength }
        : ended
          ? { kind: 'none' }
          : { kind: 'chunked' };
    const expect = head.expect?.toLowerCase();
    let target = head.path;
    let rawHeaders = head.rawHeaders;
    let refusal: RequestParseError | undefined;
    if (head.method === 'CONNECT') refusal = new RequestParseError(405, 'CONNECT is not supported');
    else if (expect !== undefined && expect !== '100-continue') {
      refusal = new RequestParseError(417, `Unsupported expectation ${head.expect}`);
    } else {
      try {
        const request = { method: head.method, target, httpVersion: '1.1' as const, rawHeaders };
        const checked = applyRequestRules(request, head.authority, this.limits);
        target = checked.target;
        rawHeaders = checked.rawHeaders;
      } catch (err) {
        if (!(err instanceof RequestParseError)) throw err;
        refusal = err;
      }
    }
    const exchange = new Http2StreamExchange(
      stream,
      client,
      head.method,
      target,
      rawHeaders,
      framing,
      head.authority !== undefined,
      expect === '100-continue',
    );
    if (refusal !== undefined) {
      exchange.sendError(refusal.status, `Bad request: ${refusal.message}`);
      return;
    }
    if (framing.kind !== 'none') client.bodies.add(exchange);
    this.owner.onRequest(exchange);
  }

  /** A malformed stream is reset; a client that keeps sending them loses its session. */
  private malformed(client: ClientSession, stream: ServerHttp2Stream): void {
    client.malformed++;
    stream.on('error', () => {});
    stream.once('close', () => {
      client.open--;
      if (client.open === 0) client.since = Date.now();
    });
    stream.close(NGHTTP2_PROTOCOL_ERROR);
    this.checkAbuse(client, 'malformed', client.malformed);
  }
}
