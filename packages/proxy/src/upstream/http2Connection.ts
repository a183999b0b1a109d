import type { ClientHttp2Session } from 'node:http2';
import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { connectSession, sessionFailureReason } from '../protocol/http2/connectSession.js';
import type { Http2Exchange, StreamHost } from './http2Exchange.js';
import { SessionPing, type SessionPingTimes } from './sessionPing.js';

/** Our own cap on concurrent streams per session, whatever the backend allows (nghttp2's and Envoy's default is 100). */
export const MAX_STREAMS_PER_SESSION = 100;

/** What a session tells its pool. */
export interface SessionOwner {
  /** The backend's SETTINGS arrived: the session carries requests. */
  ready(connection: Http2Connection): void;
  /** Exchanges to send elsewhere: bound while it connected but over its limit, or refused unprocessed. */
  requeue(exchanges: Http2Exchange[]): void;
  /** A stream ended, so the session may take another. */
  freed(connection: Http2Connection): void;
  /** The session takes no new streams any more (GOAWAY, or closing). */
  draining(connection: Http2Connection): void;
  /** The session closed; `wasReady` unless it never became ready. */
  closed(connection: Http2Connection, wasReady: boolean): void;
}

/**
 * One HTTP/2 session to a backend, carrying up to min(the backend's SETTINGS_MAX_CONCURRENT_STREAMS,
 * {@link MAX_STREAMS_PER_SESSION}) streams. Exchanges bound to it while it connects start once the backend's
 * SETTINGS arrive; a session that never gets there fails them as `connect`. After a GOAWAY it takes nothing
 * new and closes once its streams end; streams above the GOAWAY's last stream id go back to the pool.
 */
export class Http2Connection implements StreamHost {
  readonly session: ClientHttp2Session;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  state: 'connecting' | 'ready' | 'draining' | 'closed' = 'connecting';
  goawayLastStreamId = Number.POSITIVE_INFINITY;
  /** Reaper ticks spent with no stream. */
  idleTicks = 0;
  private readonly streams = new Set<Http2Exchange>();
  private pending: Http2Exchange[] = [];
  private lastError: Error | undefined;
  private everReady = false;
  /** PINGs the session once ready, when `upstreamPing` is on. */
  private keepalive: SessionPing | undefined;

  constructor(
    backend: Backend,
    tls: UpstreamTlsOptions | undefined,
    private readonly owner: SessionOwner,
    private readonly ping: SessionPingTimes | undefined = undefined,
  ) {
    const opened = connectSession(backend, tls, { enablePush: false });
    this.session = opened.session;
    this.scheme = opened.scheme;
    this.authority = opened.authority;
    const session = this.session;
    session.on('remoteSettings', () => this.onSettings());
    session.on('goaway', (_code, lastStreamId) => this.onGoaway(lastStreamId));
    session.on('error', (err) => {
      this.lastError = err;
    });
    session.on('close', () => this.onClose());
    // The pool's reaper decides when an idle session closes; an idle one must not hold the process open.
    session.unref();
  }

  /** Streams it can take now; a connecting session counts on our own cap until the backend says its own. */
  get capacity(): number {
    if (this.state === 'connecting') return MAX_STREAMS_PER_SESSION - this.pending.length;
    if (this.state !== 'ready') return 0;
    const peer = this.session.remoteSettings.maxConcurrentStreams ?? MAX_STREAMS_PER_SESSION;
    return Math.min(peer, MAX_STREAMS_PER_SESSION) - this.streams.size;
  }

  /** Streams running now. */
  get active(): number {
    return this.streams.size;
  }

  /** Sends `exchange` on this session, or holds it until the session is ready. */
  assign(exchange: Http2Exchange): void {
    if (this.state === 'connecting') {
      exchange.host = this;
      this.pending.push(exchange);
      return;
    }
    this.idleTicks = 0;
    this.streams.add(exchange);
    this.keepalive?.streamOpened();
    exchange.start(this);
  }

  /**
   * An exchange bound while connecting was aborted (its caller gave up, as on `connectTimeout`). When it was
   * the last one the session is closed, as an HTTP/1.1 connection is with its exchange: a backend that never
   * completes the handshake must not hold a socket.
   */
  unbind(exchange: Http2Exchange): void {
    const index = this.pending.indexOf(exchange);
    if (index === -1) return;
    this.pending.splice(index, 1);
    if (this.state === 'connecting' && this.pending.length === 0) this.destroy();
  }

  streamClosed(exchange: Http2Exchange, replay: boolean): void {
    this.streams.delete(exchange);
    // A session found closed before its `close` event takes nothing more, or the replay would come back here.
    if (this.state === 'ready' && (this.session.closed || this.session.destroyed)) {
      this.state = 'draining';
      this.owner.draining(this);
    }
    if (replay) this.owner.requeue([exchange]);
    if (this.state === 'ready') this.owner.freed(this);
  }

  /** Takes nothing new; closes once its streams end. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'draining') {
      this.state = 'draining';
      this.owner.draining(this);
    }
    const pending = this.pending.splice(0);
    if (pending.length > 0) this.owner.requeue(pending);
    if (!this.session.closed) this.session.close();
  }

  /** Closes at once, failing whatever runs on it. */
  destroy(): void {
    this.session.destroy();
  }

  private onSettings(): void {
    if (this.state !== 'connecting') return;
    this.state = 'ready';
    this.everReady = true;
    if (this.ping !== undefined) this.keepalive = new SessionPing(this.session, this.ping);
    this.owner.ready(this);
    const pending = this.pending.splice(0);
    let room = this.capacity;
    const overflow: Http2Exchange[] = [];
    for (const exchange of pending) {
      if (!exchange.waiting) continue;
      if (room > 0) {
        room--;
        this.assign(exchange);
      } else {
        overflow.push(exchange);
      }
    }
    if (overflow.length > 0) this.owner.requeue(overflow);
  }

  private onGoaway(lastStreamId: number): void {
    this.goawayLastStreamId = Math.min(this.goawayLastStreamId, lastStreamId);
    this.close();
  }

  private onClose(): void {
    this.state = 'closed';
    this.keepalive?.stop();
    const pending = this.pending.splice(0);
    for (const exchange of pending) {
      const reason = sessionFailureReason(this.lastError);
      exchange.failWaiting('connect', `connection failed: ${reason}`, this.lastError);
    }
    this.owner.closed(this, this.everReady);
  }
}
