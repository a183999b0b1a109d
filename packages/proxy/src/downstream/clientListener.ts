import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  TLSSocket,
} from 'node:tls';
import type { TlsOptions } from '@lb/core';
import type { TrustPredicate } from '../protocol/http1/trustProxy.js';
import { prefaceVerdict } from '../protocol/http2/connectionPreface.js';
import { relayedAddress } from '../protocol/proxy/relayedAddress.js';
import {
  ClientConnection,
  type ClientConnectionOwner,
  type ClientLimits,
  type RejectedRequest,
} from './clientConnection.js';
import type { ClientExchange } from './clientExchange.js';
import type { DownstreamExchange } from './downstreamExchange.js';
import type { Http2Ingress } from './http2/http2Ingress.js';
import { ProxyHeaderReader } from './proxyHeaderReader.js';
import { SlotList } from './slotList.js';

/** Where the listener delivers requests. */
export interface ClientRequestHandler {
  /** A request of either protocol, checked and ready to route. */
  onRequest(exchange: DownstreamExchange): void;
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

/** A connection whose protocol is not known yet, and when it came. */
interface Undecided {
  readonly socket: Socket;
  readonly since: number;
}

/**
 * The client-facing HTTP/1.1 listener: a `net` (or `tls`) server whose connections are {@link ClientConnection}s.
 * It replaces `http.createServer`, whose request and response objects, streams and timers cost more per request
 * than everything the balancer itself does. One sweep per listener enforces the header, request and keep-alive
 * deadlines, instead of a timer per connection.
 *
 * With `proxyProtocol`, a connection from a trusted peer must first send a PROXY header, whose client address
 * then stands for the peer's. On a plain HTTP/1.1 listener the connection reads it itself, from the same chunks
 * as its first request. The header precedes any TLS handshake, so a TLS listener accepts plain TCP, reads the
 * header first and starts TLS itself; without `proxyProtocol`, TLS stays on Node's `tls.Server`. With HTTP/2
 * on, the header is read first too, before the bytes that tell the two protocols apart.
 */
export class ClientListener implements ClientConnectionOwner {
  readonly server: Server;
  /** The ALPN list of TLS started after a PROXY header. */
  private alpn: string[] | undefined = undefined;
  /** The HTTP/1.1 connections, until they close (a `SlotList`: see there why not a `Set`). */
  private readonly connections = new SlotList<ClientConnection>();
  /**
   * Reads trusted peers' PROXY headers before TLS or the HTTP/2 sniff; it holds the connections whose header has
   * not arrived yet. A plain HTTP/1.1 listener has none: its connections read their header themselves.
   */
  private readonly proxyHeaders: ProxyHeaderReader | undefined;
  /**
   * With HTTP/2 on: cleartext connections whose first bytes do not yet tell HTTP/1.1 from the HTTP/2 preface,
   * and TLS ones still in their handshake, with the time they came (their deadline is the headers timeout).
   */
  private readonly undecided = new SlotList<Undecided>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly limits: ClientLimits,
    tls: TlsOptions | undefined,
    private readonly handler: ClientRequestHandler,
    private readonly isStopping: () => boolean,
    proxyProtocol?: ListenerProxyProtocol,
    /** Serves HTTP/2 connections (ALPN `h2`, or the preface in cleartext); HTTP/1.1 only when undefined. */
    private readonly http2?: Http2Ingress,
  ) {
    const accept = (socket: Socket): void => this.accept(socket);
    const context = tls && proxyProtocol && createSecureContext({ key: pem(tls.key), cert: pem(tls.cert) });
    this.proxyHeaders =
      proxyProtocol && (context || http2)
        ? new ProxyHeaderReader(proxyProtocol.timeout, {
            onHeader: (socket, header) => this.serve(socket, context, relayedAddress(header)),
            onRefused: () => handler.onProxyHeaderRefused(),
          })
        : undefined;
    const alpn = http2 === undefined ? {} : { ALPNProtocols: ['h2', 'http/1.1'] };
    if (tls && proxyProtocol) {
      this.alpn = alpn.ALPNProtocols;
      this.server = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
        this.acceptProxied(socket, proxyProtocol, context),
      );
    } else if (tls) {
      // `noDelay` here sets TCP_NODELAY when the connection is accepted, so the handshake's flights are not held
      // back either.
      this.server = createTlsServer(
        { key: pem(tls.key), cert: pem(tls.cert), allowHalfOpen: true, noDelay: true, ...alpn },
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
      ...[
        limits.headersTimeout,
        limits.requestTimeout,
        limits.keepAliveTimeout,
        proxyProtocol?.timeout ?? 0,
      ].filter((t) => t > 0),
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

  onProxyHeaderRefused(): void {
    this.handler.onProxyHeaderRefused();
  }

  connectionClosed(connection: ClientConnection): void {
    this.connections.delete(connection.listSlot, connection);
  }

  /** Closes connections that wait for a request with nothing of it received. */
  closeIdle(): void {
    this.connections.forEach((connection) => {
      if (connection.idle) connection.socket.destroy();
    });
    this.proxyHeaders?.closeAll();
    this.undecided.forEach(({ socket }) => {
      socket.destroy();
    });
    this.http2?.closeIdle();
  }

  /** Closes every connection. */
  closeAll(): void {
    this.connections.forEach((connection) => {
      connection.socket.destroy();
    });
    this.proxyHeaders?.closeAll();
    this.undecided.forEach(({ socket }) => {
      socket.destroy();
    });
    this.http2?.closeAll();
  }

  /** Keeps an HTTP/1.1 connection in the list until it closes. */
  private track(connection: ClientConnection): void {
    connection.listSlot = this.connections.add(connection);
  }

  /** With `proxyHeaderTimeout`, the connection must open with a PROXY header, which it reads itself. */
  private accept(socket: Socket, clientAddress?: string, proxyHeaderTimeout?: number): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const http2 = this.http2;
    if (http2 !== undefined) {
      if (!(socket instanceof TLSSocket)) this.sniff(socket, http2, clientAddress);
      else if (socket.alpnProtocol === 'h2') http2.accept(socket, clientAddress);
      else this.track(new ClientConnection(socket, this, Date.now(), clientAddress));
      return;
    }
    // Every server here sets TCP_NODELAY on accept; setting it again on a TLS socket would cost a system call.
    this.track(new ClientConnection(socket, this, Date.now(), clientAddress, proxyHeaderTimeout));
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
    const proxyHeaders = this.proxyHeaders;
    if (proxyHeaders !== undefined) proxyHeaders.read(socket);
    else this.accept(socket, undefined, proxyProtocol.timeout);
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
    const alpn = this.alpn;
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
    });
    // The raw socket's errors are the TLS socket's too; this keeps them from reaching the process.
    socket.on('error', () => socket.destroy());
    if (alpn === undefined) {
      this.accept(secure, clientAddress);
      return;
    }
    // The protocol is known once the handshake chose it.
    const waiting: Undecided = { socket: secure, since: Date.now() };
    const slot = this.undecided.add(waiting);
    secure.on('error', () => secure.destroy());
    secure.once('close', () => this.undecided.delete(slot, waiting));
    secure.once('secure', () => {
      this.undecided.delete(slot, waiting);
      this.accept(secure, clientAddress);
    });
    // Nothing reads the TLS socket before its protocol is known; `read(0)` starts the handshake without taking
    // any application data.
    secure.read(0);
  }

  /**
   * Reads a cleartext connection's first bytes until they tell the HTTP/2 preface from an HTTP/1.1 request (at
   * the first byte for nearly every request), then puts them back and hands the socket to its protocol.
   */
  private sniff(socket: Socket, http2: Http2Ingress, clientAddress: string | undefined): void {
    let seen: Buffer | undefined;
    const waiting: Undecided = { socket, since: Date.now() };
    const slot = this.undecided.add(waiting);
    const onData = (chunk: Buffer): void => {
      const data = seen === undefined ? chunk : Buffer.concat([seen, chunk]);
      const verdict = prefaceVerdict(data);
      if (verdict === 'more') {
        seen = data;
        return;
      }
      socket.off('data', onData);
      socket.off('close', onClose);
      this.undecided.delete(slot, waiting);
      socket.pause();
      socket.unshift(data);
      if (verdict === 'http2') {
        socket.off('error', onError);
        http2.accept(socket, clientAddress);
        return;
      }
      this.track(new ClientConnection(socket, this, Date.now(), clientAddress));
      socket.off('error', onError);
      socket.resume();
    };
    const onClose = (): void => {
      this.undecided.delete(slot, waiting);
    };
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.once('close', onClose);
  }

  private checkDeadlines(): void {
    const now = Date.now();
    this.connections.forEach((connection) => {
      connection.check(now);
    });
    this.proxyHeaders?.check();
    const http2 = this.http2;
    if (http2 === undefined) return;
    http2.check(now);
    const limit = this.limits.headersTimeout;
    if (limit <= 0) return;
    this.undecided.forEach(({ socket, since }) => {
      if (now - since >= limit) socket.destroy();
    });
  }
}

function pem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
