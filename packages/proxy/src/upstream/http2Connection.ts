import type { Backend, UpstreamTlsOptions } from '@lb/core';
import {
  connectSession,
  MAX_STREAMS_PER_SESSION,
  sessionFailureReason,
} from '../protocol/http2/connectSession.js';
import type { Http2Session, Http2SessionEvents } from '../protocol/http2/session/http2Session.js';
import type { Http2Exchange, StreamHost } from './http2Exchange.js';
import { SessionPing, type SessionPingTimes } from './sessionPing.js';

/**
 * Idle checks per idle timeout: a stream whose backend sent nothing for `idleTimeout` is cancelled between 1 and
 * 1 + 1/IDLE_SWEEPS idle timeouts after the backend's last frame. One interval per busy session, and a counter per
 * stream that every frame resets, cost less than a timer armed and refreshed for every request.
 */
const IDLE_SWEEPS = 8;

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
export class Http2Connection implements StreamHost, Http2SessionEvents {
  readonly session: Http2Session;
  readonly scheme: 'http' | 'https';
  readonly authority: string;
  state: 'connecting' | 'ready' | 'draining' | 'closed' = 'connecting';
  goawayLastStreamId = Number.POSITIVE_INFINITY;
  /** Reaper ticks spent with no stream. */
  idleTicks = 0;
  /**
   * Its running exchanges: an array, not a `Set`, because a long-lived `Set` with one add and delete per call
   * leaves discarded tables behind that get every call's objects promoted (see `StreamTable`).
   */
  private readonly streams: Http2Exchange[] = [];
  private pending: Http2Exchange[] = [];
  private everReady = false;
  /** Checks its streams for idleness while it has any (see {@link IDLE_SWEEPS}). */
  private idleSweep: NodeJS.Timeout | undefined;
  private sweepPeriod = 0;
  /** PINGs the session once ready, when `upstreamPing` is on. */
  private keepalive: SessionPing | undefined;

  constructor(
    backend: Backend,
    tls: UpstreamTlsOptions | undefined,
    private readonly owner: SessionOwner,
    private readonly ping: SessionPingTimes | undefined = undefined,
  ) {
    const opened = connectSession(backend, tls, this);
    this.session = opened.session;
    this.scheme = opened.scheme;
    this.authority = opened.authority;
    // The pool's reaper decides when an idle session closes; an idle one must not hold the process open.
    this.session.socket.unref();
  }

  /** Streams it can take now; a connecting session counts on our own cap until the backend says its own. */
  get capacity(): number {
    if (this.state === 'connecting') return MAX_STREAMS_PER_SESSION - this.pending.length;
    if (this.state !== 'ready') return 0;
    return Math.min(this.session.capacity, MAX_STREAMS_PER_SESSION - this.streams.length);
  }

  /** Streams running now. */
  get active(): number {
    return this.streams.length;
  }

  /** Sends `exchange` on this session, or holds it until the session is ready. */
  assign(exchange: Http2Exchange): void {
    if (this.state === 'connecting') {
      exchange.host = this;
      this.pending.push(exchange);
      return;
    }
    this.idleTicks = 0;
    this.streams.push(exchange);
    this.watchIdle(exchange.init.idleTimeout);
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
    // Swapped with the last and popped: a few dozen pointer compares, and the vacated slot is cleared.
    const index = this.streams.indexOf(exchange);
    if (index !== -1) {
      this.streams[index] = this.streams[this.streams.length - 1]!;
      this.streams.pop();
    }
    // A session found closed before its `close` event takes nothing more, or the replay would come back here.
    if (this.state === 'ready' && this.session.closing) {
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
    this.session.close();
  }

  /** Closes at once, failing whatever runs on it. */
  destroy(): void {
    this.session.destroy();
  }

  onStream(): void {
    // A client session: the backend cannot open streams (push is off, and the session refuses PUSH_PROMISE).
  }

  onAbuse(): void {}

  onReady(): void {
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

  onGoaway(lastStreamId: number): void {
    this.goawayLastStreamId = Math.min(this.goawayLastStreamId, lastStreamId);
    this.close();
  }

  onClose(_code: number, reason: string | undefined, error: Error | undefined): void {
    this.state = 'closed';
    clearInterval(this.idleSweep);
    this.keepalive?.stop();
    const pending = this.pending.splice(0);
    for (const exchange of pending) {
      exchange.failWaiting('connect', `connection failed: ${sessionFailureReason(reason, error)}`, error);
    }
    this.owner.closed(this, this.everReady);
  }

  /** Sweeps often enough for `timeout`: a shorter timeout than the sweep serves restarts it faster. */
  private watchIdle(timeout: number): void {
    if (timeout <= 0) return;
    const period = timeout / IDLE_SWEEPS;
    if (this.idleSweep !== undefined && period >= this.sweepPeriod) return;
    clearInterval(this.idleSweep);
    this.sweepPeriod = period;
    this.idleSweep = setInterval(() => this.sweepIdle(), period).unref();
  }

  private sweepIdle(): void {
    if (this.streams.length === 0) {
      clearInterval(this.idleSweep);
      this.idleSweep = undefined;
      return;
    }
    // A copy: timing one out closes it, which takes it out of the array.
    for (const exchange of this.streams.slice()) {
      const timeout = exchange.init.idleTimeout;
      if (timeout > 0 && ++exchange.idleSweeps * this.sweepPeriod > timeout) exchange.timedOut();
    }
  }
}
