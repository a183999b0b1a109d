import { request, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { LbError } from '@lb/core';
import type { ClientExchange } from '../downstream/clientExchange.js';
import { buildResponseHeaders } from '../protocol/http1/responseHeaders.js';
import type { FailureKind } from './failureKind.js';
import type { ProxyHooks } from './proxyHooks.js';

function head(status: number, reason: string | undefined, headers: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${reason ?? STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${text}\r\n`;
}

function rawError(socket: Socket, status: number): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${STATUS_CODES[status]}\n`;
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

/**
 * Tunnels an `Upgrade` request (WebSocket or any other protocol) to a backend: the handshake is forwarded, and
 * after the backend's 101 the two connections are piped together until either side closes or fails, which closes
 * both. A backend that declines the upgrade has its answer relayed, then the client connection is closed.
 */
export function tunnelUpgrade(
  hooks: ProxyHooks,
  req: ClientExchange,
  socket: Socket,
  clientHead: Buffer,
  headers: string[],
  clientAddress: string,
): void {
  const startedAt = performance.now();
  socket.on('error', () => socket.destroy());
  hooks.requestStarted();
  const backend = hooks.pick({ clientAddress, headers: req.headers });
  if (backend === undefined) {
    hooks.noBackend();
    rawError(socket, 503);
    hooks.requestEnded(503, 0);
    return;
  }
  hooks.attemptStarted(backend);
  let settled = false;
  const settle = (ok: boolean, status: number): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    const latencyMs = performance.now() - startedAt;
    hooks.attemptEnded(backend, { ok, latencyMs, status: ok ? status : undefined });
    hooks.requestEnded(status, latencyMs);
  };
  const fail = (kind: FailureKind, status: number, detail: string): void => {
    if (settled) return;
    upstream.destroy();
    hooks.failed(
      new LbError('LB_ERR_UPSTREAM_CONNECT', `upgrade to ${String(backend.id)}: ${detail}`),
      backend,
      kind,
    );
    rawError(socket, status);
    settle(false, status);
  };
  const upstream = request({
    host: backend.host,
    port: backend.port,
    method: req.method,
    path: req.url,
    headers,
    agent: false,
    setHost: false,
  });
  const timer = setTimeout(
    () => fail('connectTimeout', 504, 'timed out'),
    hooks.options.connectTimeout + hooks.options.responseTimeout,
  );
  socket.once('close', () => {
    if (!settled) {
      upstream.destroy();
      settle(true, 499);
    }
  });
  upstream.on('error', (err) => fail('connect', 502, err.message));
  upstream.on('response', (upRes) => {
    clearTimeout(timer);
    const relayed = buildResponseHeaders(upRes.rawHeaders, undefined);
    socket.write(head(upRes.statusCode!, upRes.statusMessage, [...relayed, 'Connection', 'close']));
    upRes.pipe(socket);
    upRes.once('end', () => settle(true, upRes.statusCode!));
    upRes.once('error', () => socket.destroy());
  });
  upstream.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer);
    if (settled || socket.destroyed) {
      upSocket.destroy();
      return;
    }
    const relayed = buildResponseHeaders(upRes.rawHeaders, undefined);
    const protocol = upRes.headers.upgrade ?? '';
    socket.write(head(101, upRes.statusMessage, [...relayed, 'Connection', 'Upgrade', 'Upgrade', protocol]));
    if (upHead.length > 0) socket.write(upHead);
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
    const idle = hooks.options.tunnelIdleTimeout;
    if (idle > 0) {
      upSocket.setTimeout(idle, close);
      socket.setTimeout(idle, close);
    }
    upSocket.pipe(socket);
    socket.pipe(upSocket);
  });
  upstream.end();
}
