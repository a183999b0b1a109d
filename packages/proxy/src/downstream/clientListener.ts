import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  TLSSocket,
} from 'node:tls';
import type { TlsOptions } from '@lb/core';
import type { TrustPredicate } from '../protocol/http1/trustProxy.js';
import type { ProxyHeader } from '../protocol/proxy/proxyHeader.js';
import {
  ClientConnection,
  type ClientConnectionOwner,
  type ClientLimits,
  type RejectedRequest,
} from './clientConnection.js';
import type { ClientExchange } from './clientExchange.js';
import { readProxyHeader } from './readProxyHeader.js';

/** Where the listener delivers requests. */
export interface ClientRequestHandler {
  onRequest(exchange: ClientExchange): void;
  onUpgrade(exchange: ClientExchange, socket: Socket, head: Buffer): void;
  /** A request the listener answered itself with an error (400, 408, 413, 414, 431, 501, 505, …). */
  onRejected(rejection: RejectedRequest): void;
  /** A trusted peer's connection was closed for its PROXY header (malformed, missing or too late). */
  onProxyHeaderRefused(): void;
  onError(error: Error): void;
}

/** Who must open a connection with a PROXY protocol header, and how many milliseconds they may take. */
export interface ListenerProxyProtocol {
  readonly trusted: TrustPredicate;
  readonly timeout: number;
}

/**
 * The client-facing HTTP/1.1 listener: a `net` (or `tls`) server whose connections are {@link ClientConnection}s.
 * It replaces `http.createServer`, whose request and response objects, streams and timers cost more per request
 * than everything the balancer itself does. One sweep per listener enforces the header, request and keep-alive
 * deadlines, instead of a timer per connection.
 *
 * With `proxyProtocol`, a connection from a trusted peer must first send a PROXY header, whose client address
 * then stands for the peer's. The header precedes any TLS handshake, so such a listener accepts plain TCP and
 * starts TLS itself once the header is read; without `proxyProtocol`, TLS stays on Node's `tls.Server`.
 */
export class ClientListener implements ClientConnectionOwner {
  readonly server: Server;
  private readonly connections = new Set<ClientConnection>();
  /** Connections of trusted peers whose PROXY header has not arrived yet: nothing of a request either. */
  private readonly awaitingHeader = new Set<Socket>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly limits: ClientLimits,
    tls: TlsOptions | undefined,
    private readonly handler: ClientRequestHandler,
    private readonly isStopping: () => boolean,
    proxyProtocol?: ListenerProxyProtocol,
  ) {
    const accept = (socket: Socket): void => this.accept(socket);
    if (tls && proxyProtocol) {
      const context = createSecureContext({ key: pem(tls.key), cert: pem(tls.cert) });
      this.server = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
        this.acceptProxied(socket, proxyProtocol, context),
      );
    } else if (tls) {
      // `noDelay` here sets TCP_NODELAY when the connection is accepted, so the handshake's flights are not held
      // back either.
      this.server = createTlsServer(
        { key: pem(tls.key), cert: pem(tls.cert), allowHalfOpen: true, noDelay: true },
        accept,
      );
    } else if (proxyProtocol) {
      this.server = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
        this.acceptProxied(socket, proxyProtocol, undefined),
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

  onRejected(rejection: RejectedRequest): void {
    this.handler.onRejected(rejection);
  }

  connectionClosed(connection: ClientConnection): void {
    this.connections.delete(connection);
  }

  /** Closes connections that wait for a request with nothing of it received. */
  closeIdle(): void {
    for (const connection of this.connections) if (connection.idle) connection.socket.destroy();
    for (const socket of this.awaitingHeader) socket.destroy();
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
    for (const socket of this.awaitingHeader) socket.destroy();
  }

  private accept(socket: Socket, clientAddress?: string): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    // Every server here sets TCP_NODELAY on accept; setting it again on a TLS socket would cost a system call.
    this.connections.add(new ClientConnection(socket, this, Date.now(), clientAddress));
  }

  /**
   * A connection on a listener configured for the PROXY protocol: a trusted peer's header is read first (its
   * own deadline, not the request's); an untrusted peer is served as it is, so a header it sends is just bytes
   * that fail HTTP parsing (or the TLS handshake). `context` is set when TLS starts after the header.
   */
  private acceptProxied(
    socket: Socket,
    proxyProtocol: ListenerProxyProtocol,
    context: SecureContext | undefined,
  ): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (!proxyProtocol.trusted(socket.remoteAddress ?? '', 0)) {
      this.serve(socket, context, undefined);
      return;
    }
    this.awaitingHeader.add(socket);
    socket.once('close', () => this.awaitingHeader.delete(socket));
    readProxyHeader(
      socket,
      proxyProtocol.timeout,
      (header) => {
        this.awaitingHeader.delete(socket);
        this.serve(socket, context, relayedAddress(header));
      },
      () => this.handler.onProxyHeaderRefused(),
    );
  }

  /**
   * Serves a connection whose PROXY header (if any) is consumed. TLS is started on the socket here rather than
   * by a `tls.Server`, so the relayed address stays with its connection; the bytes already read after the header
   * (the start of the ClientHello) are taken by the TLS socket from the raw socket's buffer. The handshake is
   * bounded by the headers timeout, as the connection is served from now on.
   */
  private serve(socket: Socket, context: SecureContext | undefined, clientAddress: string | undefined): void {
    if (context === undefined) {
      this.accept(socket, clientAddress);
      if (socket.isPaused()) socket.resume();
      return;
    }
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    // The raw socket's errors are the TLS socket's too; this keeps them from reaching the process.
    socket.on('error', () => socket.destroy());
    this.accept(secure, clientAddress);
  }

  private checkDeadlines(): void {
    const now = Date.now();
    for (const connection of this.connections) connection.check(now);
  }
}

/**
 * The client a PROXY header relays: its source address for a proxied TCP connection over IPv4 or IPv6. A `LOCAL`
 * header (the proxy's own health check), `UNKNOWN` or a Unix socket relays no IP client, so the connection's own
 * peer address stays the client's, as the specification asks of a receiver.
 */
function relayedAddress(header: ProxyHeader): string | undefined {
  if (header.command !== 'proxy') return undefined;
  if (header.family !== 'tcp4' && header.family !== 'tcp6') return undefined;
  return header.source?.address;
}

function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
