import { keepIfQueued } from '../io/reusableReadBuffer.js';
import { httpDate } from '../protocol/http1/httpDate.js';
import type { BodyFraming } from '../protocol/http1/requestHeaders.js';
import type { ClientConnection } from './clientConnection.js';
import type { DownstreamExchange, DownstreamExchangeHandlers } from './downstreamExchange.js';
import { fieldsByName } from './fieldsByName.js';
import { sendTextPage } from './textPage.js';

/** Bodies up to this size go out in one buffer with the head: one copy is cheaper than a vectored write. */
const JOIN_LIMIT = 16 * 1024;

/**
 * One request on a client connection and the response written to it: the balancer's replacement for Node's
 * `IncomingMessage` and `ServerResponse`, carrying only what a proxy needs. The head waits until the first
 * body bytes (or the end of the current tick) so a small response leaves in one write.
 */
export class ClientExchange implements DownstreamExchange {
  handlers: DownstreamExchangeHandlers | undefined = undefined;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  /** The status written, once {@link ClientExchange.writeHead} ran. */
  statusCode = 0;
  /** Whether the response head was handed to the connection (it may still be waiting for the body). */
  headersSent = false;
  /** Whether the response ended or the exchange was abandoned. */
  finished = false;
  private pendingHead: string | undefined = undefined;
  private chunked = false;
  private bodyless = false;
  private cachedHeaders: Record<string, string | string[]> | undefined = undefined;

  constructor(
    readonly connection: ClientConnection,
    readonly method: string,
    readonly url: string,
    readonly httpVersion: '1.0' | '1.1',
    readonly rawHeaders: string[],
    readonly framing: BodyFraming,
    readonly hasHost: boolean,
    readonly expectContinue: boolean,
    keepAlive: boolean,
  ) {
    this.keepAlive = keepAlive;
  }

  /** Request headers with lower-case names, built on first use (only sticky strategies read them). */
  get headers(): Record<string, string | string[]> {
    if (this.cachedHeaders !== undefined) return this.cachedHeaders;
    const headers = fieldsByName(this.rawHeaders);
    this.cachedHeaders = headers;
    return headers;
  }

  /** Starts delivering the request body to the handlers (it is held back, with the socket, until then). */
  readBody(): void {
    this.connection.startBody(this);
  }

  pauseBody(): void {
    if (!this.finished) this.connection.socket.pause();
  }

  resumeBody(): void {
    if (!this.finished) this.connection.socket.resume();
  }

  /** Sends `100 Continue` (HTTP/1.1 clients only: 1xx must not reach an HTTP/1.0 client). */
  writeContinue(): void {
    if (this.headersSent || this.finished || this.httpVersion !== '1.1') return;
    this.connection.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
  }

  /** Sends `103 Early Hints` with the given `Link` values. */
  writeEarlyHints(links: readonly string[]): void {
    if (this.headersSent || this.finished || this.httpVersion !== '1.1') return;
    let head = 'HTTP/1.1 103 Early Hints\r\n';
    for (const link of links) head += `Link: ${link}\r\n`;
    this.connection.socket.write(`${head}\r\n`, 'latin1');
  }

  /**
   * Prepares the response head. `headers` is a flat list already fit for the client (no hop-by-hop fields);
   * `contentLength` says it carries a `Content-Length`. Otherwise the body is chunked for an HTTP/1.1 client, or
   * delimited by closing the connection for an HTTP/1.0 one. A `Date` is added when missing (RFC 9110 §6.6.1).
   */
  writeHead(
    status: number,
    reason: string,
    headers: readonly string[],
    contentLength: number | undefined,
  ): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    this.statusCode = status;
    this.bodyless = this.method === 'HEAD' || status === 204 || status === 304;
    if (!this.bodyless && contentLength === undefined) {
      if (this.httpVersion === '1.1') this.chunked = true;
      else this.keepAlive = false;
    }
    const connection = this.connection;
    if (connection.closing) this.keepAlive = false;
    let head = `HTTP/1.1 ${status} ${reason}\r\n`;
    let dated = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 4 && name.toLowerCase() === 'date') dated = true;
      head += `${name}: ${headers[i + 1]}\r\n`;
    }
    if (!dated) head += `Date: ${httpDate()}\r\n`;
    if (this.chunked) head += 'Transfer-Encoding: chunked\r\n';
    if (!this.keepAlive) head += 'Connection: close\r\n';
    else if (this.httpVersion === '1.0') head += 'Connection: keep-alive\r\n';
    this.pendingHead = `${head}\r\n`;
    connection.flushLater(this);
  }

  /** Sends a head still waiting for body bytes: a streamed body must not hold the client's headers back. */
  flushHead(): void {
    const head = this.pendingHead;
    if (head === undefined || this.finished) return;
    this.pendingHead = undefined;
    this.connection.socket.write(head, 'latin1');
  }

  /** Writes body bytes; `false` asks the caller to wait for `onClientDrain`. */
  write(chunk: Buffer): boolean {
    if (this.finished) return true;
    const socket = this.connection.socket;
    if (this.bodyless || chunk.length === 0) {
      this.flushHead();
      return socket.writableNeedDrain === false;
    }
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      this.flushHead();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
      keepIfQueued(socket, chunk);
    } else {
      const data = this.withHead(chunk);
      ok = socket.write(data);
      if (data === chunk) keepIfQueued(socket, chunk);
    }
    return ok;
  }

  /** Ends the response, with a last body chunk and, for a chunked body, trailers. */
  end(chunk?: Buffer, rawTrailers: readonly string[] = []): void {
    if (this.finished) return;
    const socket = this.connection.socket;
    if (this.chunked) {
      let tail = '0\r\n';
      for (let i = 0; i < rawTrailers.length; i += 2) tail += `${rawTrailers[i]}: ${rawTrailers[i + 1]}\r\n`;
      socket.cork();
      if (chunk !== undefined && chunk.length > 0) this.write(chunk);
      else this.flushHead();
      socket.write(`${tail}\r\n`, 'latin1');
      socket.uncork();
    } else if (chunk !== undefined && chunk.length > 0 && !this.bodyless) {
      const data = this.withHead(chunk);
      socket.write(data);
      // A chunk copied in with the head is not held by the socket. On TLS every write is still queued when
      // `write` returns (the write completes asynchronously), so keeping it would cost the upstream connection a
      // fresh read buffer per response.
      if (data === chunk) keepIfQueued(socket, chunk);
    } else {
      this.flushHead();
    }
    this.finished = true;
    this.connection.responseEnded(this);
  }

  /**
   * Answers with a short plain-text error and returns the status for accounting. When the response has already
   * begun, the only honest signal left is to cut the connection.
   */
  sendError(status: number, message: string, extraHeaders: readonly string[] = [], close = false): number {
    if (this.headersSent || this.finished) {
      this.destroy();
      return status;
    }
    if (close) this.keepAlive = false;
    sendTextPage(this, status, message, extraHeaders);
    return status;
  }

  /** Abandons the response and closes the connection. */
  destroy(): void {
    this.finished = true;
    this.connection.socket.destroy();
  }

  private withHead(chunk: Buffer): Buffer {
    const head = this.pendingHead;
    if (head === undefined || chunk.length > JOIN_LIMIT) {
      if (head !== undefined) {
        this.pendingHead = undefined;
        this.connection.socket.write(head, 'latin1');
      }
      return chunk;
    }
    this.pendingHead = undefined;
    const joined = Buffer.allocUnsafe(head.length + chunk.length);
    joined.write(head, 0, 'latin1');
    chunk.copy(joined, head.length);
    return joined;
  }
}
