import type { Socket } from 'node:net';
import { RequestParseError } from '../../protocol/http1/requestHead.js';
import type { BodyFraming } from '../../protocol/http1/requestHeaders.js';
import { applyRequestRules, type RequestRules } from '../../protocol/http1/requestRules.js';
import { ErrorCode } from '../../protocol/http2/frames/frameKinds.js';
import { checkRequestFields, MalformedRequestError } from '../../protocol/http2/requestFields.js';
import { Http2Session, type Http2SessionEvents } from '../../protocol/http2/session/http2Session.js';
import type { Http2Stream } from '../../protocol/http2/session/http2Stream.js';
import type { DownstreamExchange } from '../downstreamExchange.js';
import { SlotList } from '../slotList.js';
import { Http2StreamExchange, type Http2StreamOwner } from './http2StreamExchange.js';

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
  /** A session was closed with `ENHANCE_YOUR_CALM` for abuse: rapid resets, malformed streams or a flood. */
  sessionRefused(reason: 'rapidReset' | 'malformed' | 'flood'): void;
}

/**
 * Streams a client may abandon (reset before their response ended) or send malformed before its session is
 * closed, once they are more than a quarter of the streams it opened. Browsers cancel a few streams; the
 * rapid-reset attack (CVE-2023-44487) cancels nearly all, and is stopped after this many.
 */
const ABUSE_FLOOR = 100;

/** The framings without a length, shared: nothing writes to a framing. */
const noBody: BodyFraming = Object.freeze({ kind: 'none' });
const chunkedBody: BodyFraming = Object.freeze({ kind: 'chunked' });

/** Sent in SETTINGS: the most streams a client may have open at once (HAProxy's and Envoy's default). */
export const defaultMaxConcurrentStreams = 100;

/**
 * One client's HTTP/2 session: its address, its open streams, and the counts that tell abuse from use.
 */
class ClientSession implements Http2StreamOwner, Http2SessionEvents {
  /** Its slot in the ingress's sessions. */
  slot = -1;
  open = 0;
  opened = 0;
  abandoned = 0;
  malformed = 0;
  since: number;
  served = 0;
  readonly session: Http2Session;

  constructor(
    socket: Socket,
    limits: Http2Limits,
    readonly remoteAddress: string,
    readonly localPort: number,
    private readonly ingress: Http2Ingress,
  ) {
    this.since = Date.now();
    this.session = new Http2Session(
      socket,
      {
        role: 'server',
        maxConcurrentStreams: limits.maxConcurrentStreams,
        maxHeaderListSize: limits.maxHeaderSize,
      },
      this,
    );
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

  onStream(stream: Http2Stream, fields: string[] | undefined, endStream: boolean, wellFormed: boolean): void {
    this.ingress.onStream(this, stream, fields, endStream, wellFormed);
  }

  onReady(): void {}

  onGoaway(): void {}

  onAbuse(kind: 'malformed' | 'flood'): void {
    this.ingress.refused(kind);
  }

  onClose(): void {
    this.ingress.sessionClosed(this);
  }
}

/**
 * The HTTP/2 side of the listener: sockets the listener recognised as HTTP/2 (by ALPN or by the preface) get
 * an {@link Http2Session} of our own, and every stream becomes an {@link Http2StreamExchange} on the same request
 * path as an HTTP/1.1 request. Streams are checked against RFC 9113 §8 here; sessions that abuse the protocol
 * are closed with `GOAWAY ENHANCE_YOUR_CALM`, which costs only that client its connection.
 */
export class Http2Ingress {
  /** Open sessions (a `SlotList`: see there why not a `Set`). */
  private readonly sessions = new SlotList<ClientSession>();

  constructor(
    private readonly limits: Http2Limits,
    private readonly owner: Http2IngressOwner,
  ) {}

  /** Serves `socket` (after the preface check or an `h2` ALPN) as an HTTP/2 connection. */
  accept(socket: Socket, clientAddress: string | undefined): void {
    const address = clientAddress ?? socket.remoteAddress ?? '';
    const client = new ClientSession(socket, this.limits, address, socket.localPort ?? 0, this);
    client.slot = this.sessions.add(client);
    this.owner.sessionChanged(true);
    if (this.owner.stopping) client.session.close();
    // The listener paused the socket when it put back the bytes it looked at.
    socket.resume();
  }

  /** Closes sessions with no open stream; the others are told GOAWAY and close when their streams end. */
  closeIdle(): void {
    this.sessions.forEach((client) => {
      client.session.close();
    });
  }

  closeAll(): void {
    this.sessions.forEach((client) => {
      client.session.socket.destroy();
    });
  }

  /** Closes sessions idle past their deadline; called by the listener's sweep. */
  check(now: number): void {
    this.sessions.forEach((client) => {
      this.checkSession(client, now);
    });
  }

  private checkSession(client: ClientSession, now: number): void {
    const { headersTimeout, keepAliveTimeout, requestTimeout } = this.limits;
    // The session's open streams are the ones whose request body may still be coming: no set of its own to
    // keep (and churn) per request.
    if (requestTimeout > 0) {
      for (const stream of client.session.streams.list()) {
        const exchange = stream.handler;
        if (!(exchange instanceof Http2StreamExchange) || !exchange.bodyPending) continue;
        if (now - exchange.startedAt >= requestTimeout) exchange.timeOut();
      }
    }
    if (client.open > 0) return;
    const limit = client.served === 0 ? headersTimeout : keepAliveTimeout;
    if (limit > 0 && now - client.since >= limit) client.session.close();
  }

  /** Closes a session whose abandoned or malformed streams are past the floor and a quarter of its streams. */
  checkAbuse(client: ClientSession, reason: 'rapidReset' | 'malformed', count: number): void {
    if (count < ABUSE_FLOOR || count * 4 < client.opened || client.session.destroyed) return;
    this.owner.sessionRefused(reason);
    client.session.destroy(
      ErrorCode.ENHANCE_YOUR_CALM,
      reason === 'rapidReset' ? 'rapid reset' : 'malformed streams',
    );
  }

  /** The session ended a client's connection for abuse it found in the frames themselves. */
  refused(kind: 'malformed' | 'flood'): void {
    this.owner.sessionRefused(kind);
  }

  sessionClosed(client: ClientSession): void {
    if (!this.sessions.delete(client.slot, client)) return;
    this.owner.sessionChanged(false);
  }

  onStream(
    client: ClientSession,
    stream: Http2Stream,
    fields: string[] | undefined,
    ended: boolean,
    wellFormed: boolean,
  ): void {
    client.opened++;
    if (stream.closed) {
      // Reset in the same read as its HEADERS (the rapid-reset pattern): no backend ever hears of it.
      client.abandoned++;
      this.checkAbuse(client, 'rapidReset', client.abandoned);
      return;
    }
    client.open++;
    let head: ReturnType<typeof checkRequestFields> | undefined;
    let refusal: RequestParseError | undefined;
    if (fields === undefined) {
      refusal = new RequestParseError(431, 'the request header fields are too large');
    } else {
      try {
        head = checkRequestFields(fields, wellFormed);
      } catch (err) {
        if (!(err instanceof MalformedRequestError)) throw err;
        this.malformed(client, stream);
        return;
      }
    }
    let framing: BodyFraming = noBody;
    if (head?.contentLength !== undefined) {
      if (ended && head.contentLength > 0) {
        // END_STREAM on the HEADERS, yet a body was promised (RFC 9113 §8.1.1).
        this.malformed(client, stream);
        return;
      }
      if (!ended) framing = { kind: 'length', length: head.contentLength };
    } else if (head !== undefined && !ended) framing = chunkedBody;
    const expect = head?.expect?.toLowerCase();
    let target = head?.path ?? '/';
    let rawHeaders = head?.rawHeaders ?? [];
    if (head === undefined) {
      // Refused already: the exchange only carries the answer.
    } else if (head.method === 'CONNECT') refusal = new RequestParseError(405, 'CONNECT is not supported');
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
      head?.method ?? 'GET',
      target,
      rawHeaders,
      framing,
      head?.authority !== undefined,
      expect === '100-continue',
    );
    if (refusal !== undefined) {
      exchange.sendError(refusal.status, `Bad request: ${refusal.message}`);
      return;
    }
    this.owner.onRequest(exchange);
  }

  /** A malformed stream is reset; a client that keeps sending them loses its session. */
  private malformed(client: ClientSession, stream: Http2Stream): void {
    client.malformed++;
    stream.handler = {
      onHeaders() {},
      onData() {},
      onDrain() {},
      onClose() {
        client.open--;
        if (client.open === 0) client.since = Date.now();
      },
    };
    stream.reset(ErrorCode.PROTOCOL_ERROR);
    this.checkAbuse(client, 'malformed', client.malformed);
  }
}
