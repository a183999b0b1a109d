import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { sendError } from './errorResponse.js';
import { checkRequestFraming } from './http/framing.js';
import {
  type BodyFraming,
  buildRequestHeaders,
  type ForwardedRequestHeaders,
} from './http/requestHeaders.js';
import { ProxyExchange } from './proxyExchange.js';
import type { ProxyHooks } from './proxyHooks.js';
import { tunnelUpgrade } from './upgradeTunnel.js';

/**
 * Where client requests enter the balancer: framing checks beyond Node's parser, the forwarding headers, then a
 * {@link ProxyExchange} for ordinary requests or a tunnel for upgrades.
 */
export class RequestEntry {
  private readonly closingSockets = new WeakSet<Socket>();

  constructor(
    private readonly hooks: ProxyHooks,
    private readonly stopping: () => boolean,
  ) {}

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    // After `Connection: close` nothing more may be read from this connection (RFC 9112 §9.6).
    if (this.closingSockets.has(socket)) {
      socket.destroy();
      return;
    }
    if (/(?:^|,)\s*close\s*(?:,|$)/i.test(req.headers.connection ?? '')) this.closingSockets.add(socket);
    if (this.stopping()) res.shouldKeepAlive = false;
    const checked = checkRequestFraming(req.httpVersion, req.rawHeaders);
    if ('violation' in checked) {
      this.closingSockets.add(socket);
      sendError(res, checked.violation.status, `Bad request framing: ${checked.violation.reason}`, {}, true);
      return;
    }
    const { headers, clientAddress } = this.forwardHeaders(req, checked.framing);
    new ProxyExchange(this.hooks, req, res, headers, clientAddress, checked.framing).start();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const checked = checkRequestFraming(req.httpVersion, req.rawHeaders);
    if ('violation' in checked || checked.framing.kind !== 'none' || this.stopping()) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const { headers, clientAddress } = this.forwardHeaders(req, checked.framing, req.headers.upgrade ?? '');
    tunnelUpgrade(this.hooks, req, socket, head, headers, clientAddress);
  }

  private forwardHeaders(
    req: IncomingMessage,
    framing: BodyFraming,
    upgrade?: string,
  ): ForwardedRequestHeaders {
    const socket = req.socket;
    const options = this.hooks.options;
    return buildRequestHeaders(req.rawHeaders, {
      httpVersion: req.httpVersion,
      peerAddress: socket.remoteAddress ?? '',
      localPort: socket.localPort ?? options.port,
      encrypted: options.tls !== undefined,
      trust: options.trust,
      forwarded: options.forwarded,
      via: options.via,
      framing,
      ...(upgrade === undefined ? {} : { upgrade }),
    });
  }
}
