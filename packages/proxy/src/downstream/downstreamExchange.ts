import type { BodyFraming } from '../protocol/http1/requestHeaders.js';

/** What the code serving a request hears from the client side, whichever protocol the client speaks. */
export interface DownstreamExchangeHandlers {
  /** A piece of the request body, after {@link DownstreamExchange.readBody}. */
  onRequestBody(chunk: Buffer): void;
  /** The request body is complete; its trailers as received (a flat `[name, value, …]` list, maybe empty). */
  onRequestEnd(rawTrailers: string[]): void;
  /** The client can take more response bytes. */
  onClientDrain(): void;
  /** The client went away, reset the stream, timed out or broke its body first; `status` is for accounting. */
  onClientAbort(status: number): void;
}

/** The client connection an exchange arrived on, as far as forwarding headers and logs go. */
export interface DownstreamConnection {
  /** The client's address: the socket's peer, or the client a trusted peer's PROXY header relayed. */
  readonly remoteAddress: string;
  readonly localPort: number;
}

/**
 * One client request and the response written back, as the router sees it: an HTTP/1.1 message on a
 * connection (`ClientExchange`) or an HTTP/2 stream (`Http2StreamExchange`). The request is already checked
 * by its protocol's rules and presented in HTTP/1.1 terms (a `Host` field, one `Cookie` line, body framing),
 * since that is how it reaches a backend; each implementation turns the response back into its own protocol.
 */
export interface DownstreamExchange {
  handlers: DownstreamExchangeHandlers | undefined;
  readonly connection: DownstreamConnection;
  readonly method: string;
  /** The request target: origin form (`/path?query`), or as the client sent it. */
  readonly url: string;
  /** `1.0`, `1.1` or `2`: the access log's protocol and the `Via` entry. */
  readonly httpVersion: '1.0' | '1.1' | '2';
  /** Flat `[name, value, …]` request fields in HTTP/1.1 terms, framing fields included as received. */
  readonly rawHeaders: string[];
  /** Request fields by lower-case name, built on first use. */
  readonly headers: Record<string, string | string[]>;
  /** How the request body is framed for the backend. */
  readonly framing: BodyFraming;
  /** Whether the request names its host (HTTP/1.0 may not). */
  readonly hasHost: boolean;
  readonly expectContinue: boolean;
  /**
   * A gRPC call (HTTP/2 only): its errors, `sendError` included, are answered as trailers-only gRPC responses
   * and a backend's non-gRPC answer is mapped to a gRPC status.
   */
  readonly grpc?: boolean;
  /** The `grpc-status` a gRPC call's client was sent, once it was. */
  readonly grpcStatus?: number | undefined;
  /** The status written, once `writeHead` ran. */
  readonly statusCode: number;
  /** Whether the response head was handed to the client side (it may still be waiting for the body). */
  readonly headersSent: boolean;
  /** Whether the response ended or the exchange was abandoned. */
  readonly finished: boolean;
  /** Starts delivering the request body to the handlers (held back until then, so a retry can still pick). */
  readBody(): void;
  pauseBody(): void;
  resumeBody(): void;
  writeContinue(): void;
  writeEarlyHints(links: readonly string[]): void;
  /**
   * Prepares the response head. `headers` is a flat list with no hop-by-hop fields; `contentLength` says it
   * carries a `Content-Length`.
   */
  writeHead(
    status: number,
    reason: string,
    headers: readonly string[],
    contentLength: number | undefined,
  ): void;
  /** Writes body bytes; `false` asks the caller to wait for `onClientDrain`. */
  write(chunk: Buffer): boolean;
  /** Ends the response, with a last body chunk and trailers (already filtered). */
  end(chunk?: Buffer, rawTrailers?: readonly string[]): void;
  /** Answers with a short plain-text error, or cuts the exchange if the response began; returns `status`. */
  sendError(status: number, message: string, extraHeaders?: readonly string[], close?: boolean): number;
  /** Abandons the response: the HTTP/1.1 connection is closed, an HTTP/2 stream reset. */
  destroy(): void;
}
