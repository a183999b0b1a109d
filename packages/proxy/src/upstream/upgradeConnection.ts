import type { Socket } from 'node:net';
import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { type ResponseHead, ResponseParser } from '../protocol/http1/responseParser.js';
import { connectBackend } from '../protocol/tls/connectBackend.js';
import type { UpstreamFailure } from './upstreamClient.js';

/** Callbacks of an upgrade request, in order: sent, then switched — or head, body*, complete — or error. */
export interface UpgradeHandlers {
  /** The request head went out: the wait for the answer starts. */
  onSent(): void;
  /**
   * The backend switched protocols. The socket is now the caller's, read by nobody; `early` holds the bytes
   * that arrived after the `101` head (the first frames of the new protocol).
   */
  onSwitched(head: ResponseHead, socket: Socket, early: Buffer): void;
  /** The backend declined the upgrade with this final response; its decoded body follows. */
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The declined response is complete; the connection is closed. */
  onComplete(): void;
  /** The request failed; nothing else is called afterwards and the connection is closed. */
  onError(failure: Exclude<UpstreamFailure, 'idle'>, message: string, cause?: Error): void;
}

/**
 * One `Upgrade` request on a fresh connection of its own, never a pooled one: it either becomes a tunnel or
 * closes, so it never returns to a pool. The answer is read by the same strict parser as every response.
 */
export class UpgradeConnection {
  readonly socket: Socket;
  private readonly parser: ResponseParser;
  private connected = false;
  private done = false;
  /** The socket's last error, given as the cause of a failed connect. */
  private lastError: Error | undefined;

  /**
   * @param tls TLS settings when the backend is reached over TLS; plain TCP when undefined
   * @param head the complete request head, ending with the empty line
   */
  constructor(
    backend: Backend,
    tls: UpstreamTlsOptions | undefined,
    head: string,
    isHead: boolean,
    private readonly handlers: UpgradeHandlers,
  ) {
    this.parser = new ResponseParser({
      onInformation: () => {},
      onHead: (response) => handlers.onHead(response),
      onBody: (chunk) => handlers.onBody(chunk),
      onComplete: () => this.complete(),
      onSwitchingProtocols: (response, rest) => this.switched(response, rest),
    });
    this.parser.expect(isHead, true);
    const { socket, ready } = connectBackend(backend, tls);
    this.socket = socket;
    socket.on(ready, () => {
      this.connected = true;
      socket.write(head, 'latin1');
      handlers.onSent();
    });
    socket.on('data', this.onData);
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
  }

  /** Abandons the request and closes the connection; no callback follows. */
  abort(): void {
    this.done = true;
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    try {
      this.parser.feed(chunk);
    } catch (err) {
      this.fail('protocol', err instanceof Error ? err.message : String(err));
    }
  };

  private readonly onClose = (): void => {
    if (this.connected) this.fail('reset', 'connection closed before the response was complete');
    else this.fail('connect', `connection failed: ${this.lastError?.message ?? 'closed'}`, this.lastError);
  };

  private readonly onEnd = (): void => {
    if (this.done) return;
    try {
      // Completes a close-delimited refusal; throws for a cut-off one.
      this.parser.close();
    } catch (err) {
      this.fail('reset', err instanceof Error ? err.message : String(err));
    }
  };

  private switched(head: ResponseHead, rest: Buffer): void {
    this.done = true;
    const socket = this.socket;
    // From here on the socket is the tunnel's: none of this connection's listeners may act on it.
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.pause();
    this.handlers.onSwitched(head, socket, rest);
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    this.handlers.onComplete();
  }

  private fail(failure: Exclude<UpstreamFailure, 'idle'>, message: string, cause?: Error): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    this.handlers.onError(failure, message, cause);
  }
}
