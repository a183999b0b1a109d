import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TlsOptions } from '@lb/core';
import { ClientConnection, type ClientConnectionOwner, type ClientLimits } from './clientConnection.js';
import type { ClientExchange } from './clientExchange.js';

/** Where the listener delivers requests. */
export interface ClientRequestHandler {
  onRequest(exchange: ClientExchange): void;
  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void;
  onError(error: Error): void;
}

/**
 * The client-facing HTTP/1.1 listener: a `net` (or `tls`) server whose connections are {@link ClientConnection}s.
 * It replaces `http.createServer`, whose request and response objects, streams and timers cost more per request
 * than everything the balancer itself does. One sweep per listener enforces the header, request and keep-alive
 * deadlines, instead of a timer per connection.
 */
export class ClientListener implements ClientConnectionOwner {
  readonly server: Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly limits: ClientLimits,
    tls: TlsOptions | undefined,
    private readonly handler: ClientRequestHandler,
    private readonly isStopping: () => boolean,
  ) {
    const accept = (socket: Socket): void => this.accept(socket);
    if (tls) {
      // `noDelay` here sets TCP_NODELAY when the connection is accepted, so the handshake's flights are not held
      // back either.
      this.server = createTlsServer(
        { key: pem(tls.key), cert: pem(tls.cert), allowHalfOpen: true, noDelay: true },
        accept,
      );
    } else {
      this.server = createNetServer({ allowHalfOpen: true, noDelay: true }, accept);
    }
    const shortest = Math.min(
      ...[limits.headersTimeout, limits.requestTimeout, limits.keepAliveTimeout].filter((t) => t > 0),
      30_000,
    );
    // Deadlines are honoured to within a quarter of the shortest one.
    this.sweep = setInterval(() => this.checkDeadlines(), Math.max(25, Math.floor(shortest / 4)));
    this.sweep.unref();
    this.server.once('close', () => clearInterval(this.sweep));
  }

  /** While stopping, new connections are refused and every response closes its connection. */
  get stopping(): boolean {
    return this.isStopping();
  }

  onRequest(exchange: ClientExchange): void {
    this.handler.onRequest(exchange);
  }

  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void {
    this.handler.onUpgrade(exchange, socket, head);
  }

  onError(error: Error): void {
    this.handler.onError(error);
  }

  connectionClosed(connection: ClientConnection): void {
    this.connections.delete(connection);
  }

  /** Closes connections that wait for a request with nothing of it received. */
  closeIdle(): void {
    for (const connection of this.connections) if (connection.idle) connection.socket.destroy();
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    // Both servers set TCP_NODELAY on accept; setting it again on a TLS socket would cost another system call.
    this.connections.add(new ClientConnection(socket, this, Date.now()));
  }

  private checkDeadlines(): void {
    const now = Date.now();
    for (const connection of this.connections) connection.check(now);
  }
}

function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
