import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { backendProtocol, http2Tls } from '../protocol/http2/backendProtocol.js';
import { MAX_STREAMS_PER_SESSION } from '../protocol/http2/connectSession.js';
import { Http2Connection, type SessionOwner } from './http2Connection.js';
import { type ExchangeOwner, Http2Exchange } from './http2Exchange.js';
import { PerBackendPools } from './perBackendPools.js';
import type {
  UpstreamClient,
  UpstreamConnectionObserver,
  UpstreamExchange,
  UpstreamHandlers,
  UpstreamPoolOptions,
  UpstreamPoolStats,
  UpstreamRequestInit,
} from './upstreamClient.js';

/** Idle sessions are closed by one interval per pool, as in `Http1Pool`. */
const REAPER_TICKS = 8;
/** Requests one backend may have waiting for a stream once every session is full; more fail as `connect`. */
const MAX_QUEUED_PER_SESSION = MAX_STREAMS_PER_SESSION;

/** The sessions to one backend, the requests waiting for a stream, and an idle reaper. */
class BackendSessions implements SessionOwner, ExchangeOwner {
  private readonly sessions: Http2Connection[] = [];
  private readonly waiting: Http2Exchange[] = [];
  private readonly tls: UpstreamTlsOptions | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private opened = 0;
  private retired = false;

  constructor(
    private readonly backend: Backend,
    protocol: 'h2' | 'h2c',
    private readonly options: UpstreamPoolOptions,
    private readonly observer: UpstreamConnectionObserver | undefined,
  ) {
    this.tls = http2Tls(backend, protocol, options.tls);
  }

  request(init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange {
    const exchange = new Http2Exchange(init, handlers, this);
    if (!this.place(exchange)) {
      if (this.waiting.length >= this.queueLimit) {
        exchange.failWaiting('connect', `${this.waiting.length} requests already wait for an HTTP/2 stream`);
      } else {
        this.waiting.push(exchange);
      }
    }
    return exchange;
  }

  /** Puts `exchange` on a session with room, opening one if the limit allows; `false` when none can take it. */
  private place(exchange: Http2Exchange): boolean {
    for (const session of this.sessions) {
      if (session.capacity > 0) {
        session.assign(exchange);
        return true;
      }
    }
    if (this.retired || this.live() >= this.options.maxConnections) return false;
    const session = new Http2Connection(this.backend, this.tls, this, this.options.ping);
    this.opened++;
    this.sessions.push(session);
    session.assign(exchange);
    return true;
  }

  /** Sessions that take requests (connecting or ready); draining ones close on their own. */
  private live(): number {
    let n = 0;
    for (const session of this.sessions) if (session.state === 'connecting' || session.state === 'ready') n++;
    return n;
  }

  private get queueLimit(): number {
    return this.options.maxConnections * MAX_QUEUED_PER_SESSION;
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (!next.waiting) {
        this.waiting.shift();
        continue;
      }
      if (!this.place(next)) return;
      this.waiting.shift();
    }
  }

  dequeue(exchange: Http2Exchange): void {
    const index = this.waiting.indexOf(exchange);
    if (index !== -1) this.waiting.splice(index, 1);
    for (const session of this.sessions) session.unbind(exchange);
  }

  ready(session: Http2Connection): void {
    this.observer?.opened(this.backend.id);
    // Every exchange it was opened for may have gone (aborted while it connected): reap it like any idle one.
    queueMicrotask(() => {
      if (session.state === 'ready' && session.active === 0) this.freed(session);
    });
  }

  requeue(exchanges: Http2Exchange[]): void {
    if (this.retired) {
      for (const e of exchanges) e.failWaiting('connect', 'the backend was removed');
      return;
    }
    this.waiting.unshift(...exchanges);
    this.dispatch();
  }

  freed(session: Http2Connection): void {
    this.dispatch();
    if (session.active === 0 && this.waiting.length === 0) {
      session.idleTicks = 0;
      this.reaper ??= setInterval(() => this.reap(), this.options.idleTimeout / REAPER_TICKS).unref();
    }
  }

  draining(): void {
    this.dispatch();
  }

  closed(session: Http2Connection, wasReady: boolean): void {
    if (wasReady) this.observer?.closed(this.backend.id);
    const index = this.sessions.indexOf(session);
    if (index !== -1) this.sessions.splice(index, 1);
    this.dispatch();
  }

  stats(): UpstreamPoolStats {
    let active = 0;
    let idle = 0;
    for (const session of this.sessions) {
      if (session.active > 0) active++;
      else if (session.state === 'ready') idle++;
    }
    return { id: this.backend.id, opened: this.opened, active, idle, queued: this.waiting.length };
  }

  /** Stops pooling: waiting requests fail as `connect` (another backend can take them), sessions close once their streams end. */
  retire(): void {
    this.retired = true;
    clearInterval(this.reaper);
    this.reaper = undefined;
    for (const e of this.waiting.splice(0)) e.failWaiting('connect', 'the backend was removed');
    for (const session of [...this.sessions]) session.close();
  }

  /** Closes sessions without a stream for `REAPER_TICKS` ticks (between 7/8 and all of the idle timeout). */
  private reap(): void {
    let idle = 0;
    for (const session of [...this.sessions]) {
      if (session.state !== 'ready' || session.active > 0) {
        session.idleTicks = 0;
        continue;
      }
      if (++session.idleTicks >= REAPER_TICKS) session.close();
      else idle++;
    }
    if (idle === 0) {
      clearInterval(this.reaper);
      this.reaper = undefined;
    }
  }
}

/**
 * The upstream HTTP/2 client (`h2c` and `h2` backends), on our own HTTP/2 sessions: per backend up to
 * `maxConnections` sessions, each carrying up to min(the backend's SETTINGS_MAX_CONCURRENT_STREAMS, 100)
 * streams; a new session opens when every one is full, then requests queue (at most 100 per allowed session).
 * Sessions without a stream close after the idle timeout. Streams a GOAWAY or `REFUSED_STREAM` shows were never
 * processed go out again on another session; everything else fails with the same kinds as `Http1Pool`.
 */
export class Http2Pool extends PerBackendPools<BackendSessions> implements UpstreamClient {
  /** @param observer told about every session that opens or closes, for per-backend metrics */
  constructor(
    private readonly options: UpstreamPoolOptions,
    private readonly observer?: UpstreamConnectionObserver,
  ) {
    super();
  }

  /** Sends `init` to `backend` over HTTP/2: `h2` over TLS, `h2c` over cleartext TCP. */
  requestOver(
    protocol: 'h2' | 'h2c',
    backend: Backend,
    init: UpstreamRequestInit,
    handlers: UpstreamHandlers,
  ): UpstreamExchange {
    let pool = this.pools.get(backend.id);
    if (pool === undefined) {
      pool = new BackendSessions(backend, protocol, this.options, this.observer);
      this.pools.set(backend.id, pool);
    }
    return pool.request(init, handlers);
  }

  /** Sends over `h2` when the backend's protocol (or the pool's default) is `h2`, else over `h2c`. */
  request(backend: Backend, init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange {
    const protocol = backendProtocol(backend, this.options.protocol ?? 'h2c');
    return this.requestOver(protocol === 'h2' ? 'h2' : 'h2c', backend, init, handlers);
  }
}
