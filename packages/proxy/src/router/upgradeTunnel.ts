import type { Socket } from 'node:net';
import { LbError } from '@lb/core';
import type { ClientExchange } from '../downstream/clientExchange.js';
import { hostHeader } from '../protocol/http1/hostHeader.js';
import { buildResponseHeaders } from '../protocol/http1/responseHeaders.js';
import type { ResponseHead } from '../protocol/http1/responseParser.js';
import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import { backendProtocol, transportTls } from '../protocol/http2/backendProtocol.js';
import { UpgradeConnection, type UpgradeHandlers } from '../upstream/upgradeConnection.js';
import { type FailureKind, failureCodes } from './failureKind.js';
import { httpLogEntry } from './httpLogEntry.js';
import type { ProxyHooks } from './proxyHooks.js';
import type { RequestIds } from './requestIds.js';

function head(status: number, reason: string | undefined, headers: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${reason ?? reasonPhrase(status)}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

function rawError(socket: Socket, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${reasonPhrase(status)}\n`;
  socket.end(
    head(status, undefined, [
      'Content-Type',
      'text/plain',
      'Content-Length',
      String(body.length),
      'Connection',
      'close',
    ]) + body,
  );
  socket.once('finish', () => socket.destroy());
}

/** The value of the one `Upgrade` field of a `101` (the parser checked there is exactly one). */
function upgradeOf(rawHeaders: readonly string[]): string {
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === 'upgrade') return rawHeaders[i + 1]!;
  return '';
}

/**
 * Tunnels an `Upgrade` request (WebSocket or any other protocol) to a backend over a fresh connection of its own
 * ({@link UpgradeConnection}): the handshake is forwarded, the answer read by the strict response parser, and
 * after the backend's 101 the two connections are piped together until either side closes or fails, which
 * closes both. A backend that declines the upgrade has its answer relayed, then the client connection is closed.
 */
export function tunnelUpgrade(
  hooks: ProxyHooks,
  req: ClientExchange,
  socket: Socket,
  clientHead: Buffer,
  headers: string[],
  clientAddress: string,
  ids: RequestIds | undefined,
): void {
  const startedAt = performance.now();
  socket.on('error', () => socket.destroy());
  hooks.requestStarted();
  // The access log counts the bytes through the tunnel: what the socket carries from here, plus what the client
  // sent after its handshake that was already read.
  const readBefore = socket.bytesRead - clientHead.length;
  const writtenBefore = socket.bytesWritten;
  let sentAt: number | undefined;
  let answeredAt: number | undefined;
  const log = (status: number, backendId: string | undefined, totalMs: number): void => {
    hooks.accessLog?.log(
      httpLogEntry(
        req,
        clientAddress,
        {
          status,
          bytesIn: socket.bytesRead - readBefore,
          bytesOut: socket.bytesWritten - writtenBefore,
          group: hooks.group,
          backend: backendId,
          connectMs: sentAt === undefined ? undefined : sentAt - startedAt,
          responseMs: sentAt === undefined || answeredAt === undefined ? undefined : answeredAt - sentAt,
          totalMs,
          retries: 0,
        },
        ids,
      ),
    );
  };
  const backend = hooks.pick({ clientAddress, headers: req.headers });
  if (backend === undefined) {
    hooks.noBackend();
    rawError(socket, 503);
    hooks.requestEnded(503, 0);
    log(503, undefined, performance.now() - startedAt);
    return;
  }
  hooks.attemptStarted(backend);
  const { connectTimeout, responseTimeout, idleTimeout, tunnelIdleTimeout } = hooks.options;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const settle = (ok: boolean, status: number): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    const latencyMs = performance.now() - startedAt;
    hooks.attemptEnded(backend, { ok, latencyMs, status: ok ? status : undefined });
    hooks.requestEnded(status, latencyMs);
    if (hooks.accessLog !== undefined) log(status, String(backend.id), latencyMs);
  };
  /** The head of the backend's refusal, once relayed. */
  let declined: ResponseHead | undefined;
  /** The client got its 101: a close from then on ends the tunnel, it is no longer a client giving up. */
  let switched = false;
  const fail = (kind: FailureKind, detail: string, cause?: Error): void => {
    if (settled) return;
    upstream.abort();
    const message = `upgrade to ${String(backend.id)}: ${kind} failure: ${detail}`;
    hooks.failed(new LbError(failureCodes[kind], message, cause && { cause }), backend, kind);
    const timedOut = kind === 'connectTimeout' || kind === 'responseTimeout' || kind === 'idleTimeout';
    // Once the refusal's head went out, the client learns of the failure by the cut connection.
    if (declined !== undefined) socket.destroy();
    else rawError(socket, timedOut ? 504 : 502);
    settle(false, timedOut ? 504 : 502);
  };
  const handlers: UpgradeHandlers = {
    onSent: () => {
      clearTimeout(timer);
      if (hooks.accessLog !== undefined) sentAt = performance.now();
      hooks.connections.opened(backend.id);
      upstream.socket.once('close', () => hooks.connections.closed(backend.id));
      if (responseTimeout > 0)
        timer = setTimeout(() => fail('responseTimeout', 'no response'), responseTimeout);
    },
    onSwitched: (response, upSocket, early) => {
      clearTimeout(timer);
      if (hooks.accessLog !== undefined) answeredAt = performance.now();
      if (settled || socket.destroyed) {
        upSocket.destroy();
        return;
      }
      switched = true;
      const relayed = buildResponseHeaders(response.rawHeaders, undefined);
      const protocol = upgradeOf(response.rawHeaders);
      socket.write(head(101, response.reason, [...relayed, 'Connection', 'Upgrade', 'Upgrade', protocol]));
      if (early.length > 0) socket.write(early);
      if (clientHead.length > 0) upSocket.write(clientHead);
      const close = (): void => {
        socket.destroy();
        upSocket.destroy();
        settle(true, 101);
      };
      upSocket.on('error', close);
      upSocket.once('close', close);
      socket.once('close', close);
      // Either side's timer is refreshed by its own reads and writes; every byte crosses both, so one idle
      // period on either means the tunnel carried nothing for that long.
      if (tunnelIdleTimeout > 0) {
        upSocket.setTimeout(tunnelIdleTimeout, close);
        socket.setTimeout(tunnelIdleTimeout, close);
      }
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    },
    onHead: (response) => {
      clearTimeout(timer);
      if (hooks.accessLog !== undefined) answeredAt = performance.now();
      declined = response;
      // A chunked body is relayed decoded and delimited by the close, like any answer on a closing connection.
      const relayed = buildResponseHeaders(response.rawHeaders, response.contentLength);
      socket.write(head(response.status, response.reason, [...relayed, 'Connection', 'close']));
      if (idleTimeout > 0) upstream.socket.setTimeout(idleTimeout, () => fail('idleTimeout', 'stalled body'));
    },
    onBody: (chunk) => {
      socket.write(chunk);
    },
    onComplete: () => {
      socket.end();
      socket.once('finish', () => socket.destroy());
      settle(true, declined?.status ?? 502);
    },
    onError: (failure, detail, cause) => fail(failure, detail, cause),
  };
  let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  // HTTP/1.1 needs a Host; an HTTP/1.0 client may have sent none, so name the backend.
  if (!req.hasHost) text += `Host: ${hostHeader(backend.host, backend.port)}\r\n`;
  // An upgrade is HTTP/1.1 whatever the backend's protocol (no RFC 8441 extended CONNECT), over its transport.
  const protocol = backendProtocol(backend, hooks.options.upstreamProtocol);
  const upstream = new UpgradeConnection(
    backend,
    transportTls(backend, protocol, hooks.options.upstreamTls),
    `${text}\r\n`,
    req.method === 'HEAD',
    handlers,
  );
  timer = setTimeout(() => fail('connectTimeout', 'timed out'), connectTimeout);
  socket.once('close', () => {
    if (!settled && !switched) {
      upstream.abort();
      settle(true, 499);
    }
  });
}
