import type { Socket } from 'node:net';
import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { ReusableReadBuffer } from '../io/reusableReadBuffer.js';
import { ResponseParseError, ResponseParser } from '../protocol/http1/responseParser.js';
import { connectBackend } from '../protocol/tls/connectBackend.js';
import type { UpstreamFailure, UpstreamHandlers, UpstreamRequestInit } from './upstreamClient.js';

/** What a connection tells its pool. */
export interface ConnectionOwner {
  /** The exchange ended; `reusable` when the connection may carry another request. */
  released(connection: Http1Connection, reusable: boolean): void;
  /** The socket connected. */
  connected(connection: Http1Connection): void;
  /** The connection closed (for any reason); `wasConnected` unless it never connected. */
  closed(connection: Http1Connection, wasConnected: boolean): void;
}

const CRLF = '\r\n';
/** Big enough for a typical response in one read, small enough to keep many idle connections cheap. */
const READ_BUFFER_SIZE = 32 * 1024;

/**
 * One keep-alive HTTP/1.1 connection to a backend, carrying one exchange at a time. Bytes that arrive while no
 * exchange is active, bytes after a complete response, and anything the strict parser rejects close it.
 */
export class Http1Connection {
  readonly socket: Socket;
  /** Counts exchanges, so a stale handle cannot act on a later request's exchange. */
  generation = 0;
  /** Reaper ticks this connection has spent idle in its pool. */
  idleTicks = 0;
  private readonly parser: ResponseParser;
  private handlers: UpstreamHandlers | undefined;
  private init: UpstreamRequestInit | undefined;
  private connected = false;
  private requestDone = false;
  private completed: { trailers: string[]; keepAlive: boolean } | undefined;
  private closedOnce = false;
  /** The socket timeout set last: re-arming a socket timer per request costs more than the comparison. */
  private armedTimeout = 0;
  /** The socket's last error, given as the cause of a failed connect (a refused port, a rejected certificate). */
  private lastError: Error | undefined;

  /** @param tls TLS settings when the backend is reached over TLS; plain TCP when undefined */
  constructor(
    backend: Backend,
    tls: UpstreamTlsOptions | undefined,
    private readonly owner: ConnectionOwner,
  ) {
    this.parser = new ResponseParser({
      onInformation: (status, raw) => this.handlers?.onInformation(status, raw),
      onHead: (head) => this.handlers?.onHead(head),
      onBody: (chunk, last) => this.handlers?.onBody(chunk, last),
      onComplete: (trailers, keepAlive) => {
        this.completed = { trailers, keepAlive };
      },
    });
    const readBuffer = new ReusableReadBuffer(READ_BUFFER_SIZE);
    const onData = (chunk: Buffer): void => this.onData(chunk);
    const { socket, ready } = connectBackend(backend, tls, {
      onread: {
        buffer: () => readBuffer.next(),
        callback: (length) => {
          readBuffer.parse(length, onData);
          return true;
        },
      },
    });
    this.socket = socket;
    // Over TLS the connection is usable (and counted) once the handshake verified the backend, not before.
    socket.on(ready, () => {
      this.connected = true;
      owner.connected(this);
      if (this.handlers) this.sendHead();
    });
    socket.on('drain', () => this.handlers?.onDrain());
    // Only an exchange times out here; the pool's reaper decides how long an idle connection lives.
    socket.on('timeout', () => {
      if (this.handlers !== undefined) this.fail('idle', 'no data within the idle timeout');
    });
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onClose());
  }

  /** Whether the connection can carry a request now (open and idle). */
  get usable(): boolean {
    return this.handlers === undefined && !this.closedOnce && !this.socket.destroyed;
  }

  /** Starts an exchange on this connection; returns its generation. */
  assign(init: UpstreamRequestInit, handlers: UpstreamHandlers, isHead: boolean): number {
    this.generation++;
    this.init = init;
    this.handlers = handlers;
    this.requestDone = init.framing.kind === 'none';
    this.completed = undefined;
    this.parser.expect(isHead);
    if (this.connected) this.sendHead();
    return this.generation;
  }

  /** Whether exchange `generation` is still in progress. */
  isCurrent(generation: number): boolean {
    return this.generation === generation && this.handlers !== undefined;
  }

  write(chunk: Buffer): boolean {
    if (this.init === undefined || chunk.length === 0) return true;
    if (this.init.framing.kind !== 'chunked') return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(`${chunk.length.toString(16)}${CRLF}`, 'latin1');
    this.socket.write(chunk);
    const ok = this.socket.write(CRLF, 'latin1');
    this.socket.uncork();
    return ok;
  }

  end(rawTrailers: readonly string[]): void {
    if (this.init === undefined || this.requestDone) return;
    if (this.init.framing.kind === 'chunked') {
      let tail = `0${CRLF}`;
      for (let i = 0; i < rawTrailers.length; i += 2)
        tail += `${rawTrailers[i]}: ${rawTrailers[i + 1]}${CRLF}`;
      this.socket.write(`${tail}${CRLF}`, 'latin1');
    }
    this.requestDone = true;
  }

  abort(): void {
    this.handlers = undefined;
    this.init = undefined;
    this.socket.destroy();
  }

  private sendHead(): void {
    const init = this.init!;
    let head = `${init.method} ${init.path} HTTP/1.1${CRLF}`;
    const headers = init.headers;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}${CRLF}`;
    if (init.idleTimeout !== this.armedTimeout) {
      this.armedTimeout = init.idleTimeout;
      this.socket.setTimeout(init.idleTimeout);
    }
    this.socket.write(`${head}${CRLF}`, 'latin1');
    this.handlers?.onSent();
  }

  private onData(chunk: Buffer): void {
    if (this.handlers === undefined) {
      this.socket.destroy();
      return;
    }
    try {
      this.parser.feed(chunk);
    } catch (err) {
      // Bytes glued after a complete response: the response stands, the connection is not reused. Anything
      // else, including a response the client side refuses to relay, fails the exchange: never the process.
      if (!(this.completed && err instanceof ResponseParseError)) {
        this.fail('protocol', err instanceof Error ? err.message : String(err));
        return;
      }
      this.completed.keepAlive = false;
    }
    if (this.completed && this.handlers) this.complete();
  }

  /** Reports a complete response (after the parser returned, so the next exchange never sees its bytes). */
  private complete(): void {
    const handlers = this.handlers!;
    const { trailers, keepAlive } = this.completed!;
    const reusable = keepAlive && this.requestDone && !this.socket.destroyed;
    this.handlers = undefined;
    this.init = undefined;
    if (reusable) this.socket.resume();
    else this.socket.destroy();
    handlers.onComplete(trailers);
    if (reusable) this.owner.released(this, true);
  }

  private onEnd(): void {
    if (this.handlers === undefined) return;
    try {
      this.parser.close();
    } catch (err) {
      this.fail('reset', err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.completed && this.handlers) this.complete();
  }

  private onClose(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    if (this.handlers !== undefined) {
      if (this.connected) this.fail('reset', 'connection closed before the response was complete');
      else this.fail('connect', `connection failed: ${this.lastError?.message ?? 'closed'}`, this.lastError);
    }
    this.owner.closed(this, this.connected);
  }

  private fail(failure: UpstreamFailure, message: string, cause?: Error): void {
    const handlers = this.handlers;
    this.handlers = undefined;
    this.init = undefined;
    this.socket.destroy();
    handlers?.onError(failure, message, cause);
  }
}
