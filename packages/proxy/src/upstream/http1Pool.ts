import type { Backend } from '@lb/core';
import { backendTls } from '../protocol/tls/connectBackend.js';
import { type ConnectionOwner, Http1Connection } from './http1Connection.js';
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

/**
 * Idle connections are closed by one interval per pool rather than a socket timer re-armed on every release, which
 * showed in the request path's profile.
 */
const REAPER_TICKS = 8;

/** An exchange handed out by the pool: queued until a connection is free, then bound to it. */
class PooledExchange implements UpstreamExchange {
  connection: Http1Connection | undefined;
  generation = 0;
  aborted = false;

  constructor(
    readonly init: UpstreamRequestInit,
    readonly handlers: UpstreamHandlers,
    private readonly pool: BackendPool,
  ) {}

  write(chunk: Buffer): boolean {
    return this.live()?.write(chunk) ?? true;
  }

  end(rawTrailers: readonly string[] = []): void {
    this.live()?.end(rawTrailers);
  }

  pause(): void {
    this.live()?.socket.pause();
  }

  resume(): void {
    this.live()?.socket.resume();
  }

  /** The connection, while it still carries this exchange. */
  private live(): Http1Connection | undefined {
    const c = this.connection;
    return c?.isCurrent(this.generation) ? c : undefined;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    if (this.connection === undefined) this.pool.dequeue(this);
    else this.live()?.abort();
  }
}

/** The connections to one backend: a LIFO stack of idle ones, a count of all, and a queue when full. */
class BackendPool implements ConnectionOwner {
  private readonly idle: Http1Connection[] = [];
  private readonly waiting: PooledExchange[] = [];
  private open = 0;
  private reaper: NodeJS.Timeout | undefined;
  opened = 0;
  retired = false;

  constructor(
    private readonly backend: Backend,
    private readonly options: UpstreamPoolOptions,
    private readonly observer: UpstreamConnectionObserver | undefined,
  ) {}

  request(init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange {
    const exchange = new PooledExchange(init, handlers, this);
    let connection = this.idle.pop();
    while (connection !== undefined && !connection.usable) connection = this.idle.pop();
    if (connection !== undefined) this.bind(exchange, connection);
    else if (this.open < this.options.maxConnections) this.bind(exchange, this.connectNew());
    else this.waiting.push(exchange);
    return exchange;
  }

  dequeue(exchange: PooledExchange): void {
    const index = this.waiting.indexOf(exchange);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  released(connection: Http1Connection, reusable: boolean): void {
    if (!reusable || this.retired) {
      connection.socket.destroy();
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.bind(next, connection);
    } else if (this.idle.length < this.options.maxIdleConnections) {
      connection.idleTicks = 0;
      this.idle.push(connection);
      this.reaper ??= setInterval(() => this.reap(), this.options.idleTimeout / REAPER_TICKS).unref();
    } else {
      connection.socket.destroy();
    }
  }

  connected(): void {
    this.observer?.opened(this.backend.id);
  }

  closed(connection: Http1Connection, wasConnected: boolean): void {
    if (wasConnected) this.observer?.closed(this.backend.id);
    this.open--;
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
    const next = this.waiting.shift();
    if (next !== undefined && !this.retired) this.bind(next, this.connectNew());
  }

  stats(): UpstreamPoolStats {
    return {
      id: this.backend.id,
      opened: this.opened,
      active: this.open - this.idle.length,
      idle: this.idle.length,
      queued: this.waiting.length,
    };
  }

  /** Stops pooling: idle connections close now, busy ones when their exchange ends. */
  retire(): void {
    this.retired = true;
    this.stopReaper();
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  /**
   * Closes connections idle for `REAPER_TICKS` ticks, that is between 7/8 and all of `idleTimeout`: never later,
   * so a backend whose keep-alive timeout is just above it is not caught closing a connection being reused.
   */
  private reap(): void {
    const idle = this.idle;
    for (let i = idle.length - 1; i >= 0; i--) {
      const connection = idle[i]!;
      if (++connection.idleTicks < REAPER_TICKS) continue;
      idle.splice(i, 1);
      connection.socket.destroy();
    }
    if (idle.length === 0) this.stopReaper();
  }

  private stopReaper(): void {
    clearInterval(this.reaper);
    this.reaper = undefined;
  }

  private connectNew(): Http1Connection {
    this.open++;
    this.opened++;
    return new Http1Connection(this.backend, backendTls(this.backend, this.options.tls), this);
  }

  private bind(exchange: PooledExchange, connection: Http1Connection): void {
    exchange.connection = connection;
    exchange.generation = connection.assign(
      exchange.init,
      exchange.handlers,
      exchange.init.method === 'HEAD',
    );
  }
}

/**
 * The upstream HTTP/1.1 client: bounded keep-alive pools per backend over TCP or TLS sockets, a strict response
 * parser ({@link ResponseParser}), one write per request head, and no per-request allocation beyond the
 * exchange itself.
 */
export class Http1Pool extends PerBackendPools<BackendPool> implements UpstreamClient {
  /** @param observer told about every connection that opens or closes, for per-backend metrics */
  constructor(
    private readonly options: UpstreamPoolOptions,
    private readonly observer?: UpstreamConnectionObserver,
  ) {
    super();
  }

  request(backend: Backend, init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange {
    let pool = this.pools.get(backend.id);
    if (pool === undefined) {
      pool = new BackendPool(backend, this.options, this.observer);
      this.pools.set(backend.id, pool);
    }
    return pool.request(init, handlers);
  }
}
