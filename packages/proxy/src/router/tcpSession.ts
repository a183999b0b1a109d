import type { Socket } from 'node:net';
import {
  type Backend,
  type BackendId,
  LbError,
  NoHealthyBackendError,
  type PickContext,
  type UpstreamTlsOptions,
} from '@lb/core';
import type { AccessLog } from '../accessLog/accessLog.js';
import type { AccessLogEntry } from '../accessLog/accessLogEntry.js';
import { encodeProxyHeader } from '../protocol/proxy/encodeProxyHeader.js';
import type { ProxyEndpoint, ProxyHeader } from '../protocol/proxy/proxyHeader.js';
import { backendTls, connectBackend } from '../protocol/tls/connectBackend.js';

/** Why a connect attempt failed. */
export type TcpConnectFailure = 'connect' | 'timeout';

/**
 * What one proxied TCP connection needs from its balancer: backend choice and accounting. Each successful
 * {@link TcpSessionHooks.pick} is followed by `attemptStarted`, then either `connectFailed` + `attemptEnded(ok:
 * false)`, or `connected` and later `closed` + `attemptEnded(ok: true)`.
 */
export interface TcpSessionHooks {
  /** Milliseconds a backend connect may take. */
  readonly connectTimeout: number;
  /** Connect retries on other backends after the first attempt fails. */
  readonly maxRetries: number;
  /** Milliseconds without traffic either way after which the connection is closed; `0` never. */
  readonly idleTimeout: number;
  /** Open each backend connection with a PROXY protocol header of this version; none when undefined. */
  readonly sendProxyProtocol?: 1 | 2 | undefined;
  /** Where each closed connection writes its line; none when undefined. */
  readonly accessLog?: AccessLog | undefined;
  /** Originate TLS to backends without a `tls` of their own; plain TCP when undefined. */
  readonly upstreamTls?: UpstreamTlsOptions | undefined;
  pick(context: PickContext): Backend | undefined;
  attemptStarted(backend: Backend): void;
  /** The attempt ended: `ok` when it had connected; `latencyMs` is the connect time. */
  attemptEnded(backend: Backend, ok: boolean, latencyMs: number): void;
  connectFailed(backend: Backend, error: LbError, kind: TcpConnectFailure, willRetry: boolean): void;
  connected(backend: Backend): void;
  /** The proxied connection closed after `seconds`. */
  closed(backend: Backend, seconds: number): void;
  /** No backend could take the connection; it is closed. */
  noBackend(error: LbError): void;
}

/** The access-log line of one TCP connection, written when it closed (or was refused). */
function tcpLogEntry(
  client: Socket,
  clientAddress: string,
  startedAt: number,
  backend: Backend | undefined,
  connectMs: number | undefined,
  retries: number,
): AccessLogEntry {
  const totalMs = performance.now() - startedAt;
  return {
    time: Date.now() - totalMs,
    client: clientAddress,
    protocol: 'TCP',
    method: '',
    target: '',
    status: 0,
    bytesIn: client.bytesRead,
    bytesOut: client.bytesWritten,
    route: undefined,
    group: undefined,
    backend: backend === undefined ? undefined : String(backend.id),
    connectMs,
    responseMs: undefined,
    totalMs,
    retries,
    traceId: undefined,
    requestId: undefined,
    referer: undefined,
    userAgent: undefined,
  };
}

/**
 * Logs a connection refused before it was proxied (a trusted peer's PROXY header was malformed, missing or
 * late): its peer as the client, the bytes it sent, and no backend. Its status is 0, like every TCP line.
 */
export function logRefusedConnection(client: Socket, hooks: TcpSessionHooks, startedAt: number): void {
  hooks.accessLog?.log(tcpLogEntry(client, client.remoteAddress ?? '', startedAt, undefined, undefined, 0));
}

/**
 * Proxies one client connection: picks a backend, connects (retrying on another backend when the connect
 * fails), then pipes both ways with backpressure. A half-close on one side is passed on to the other (both
 * sockets must allow half-open); an error or a full close on either side destroys both.
 */
export function proxyTcpConnection(client: Socket, hooks: TcpSessionHooks, relayed?: ProxyHeader): void {
  // A PROXY header from a trusted peer names the real client; otherwise the peer is the client.
  const source: ProxyEndpoint = relayed?.source ?? {
    address: client.remoteAddress ?? '',
    port: client.remotePort ?? 0,
  };
  const destination: ProxyEndpoint = relayed?.destination ?? {
    address: client.localAddress ?? '',
    port: client.localPort ?? 0,
  };
  const clientAddress = source.address;
  let tried: Set<BackendId> | undefined;
  let retriesLeft = hooks.maxRetries;
  let clientGone = false;
  const onClientGone = () => {
    clientGone = true;
  };
  client.on('error', () => client.destroy());
  client.once('close', onClientGone);
  client.setNoDelay(true);
  // What the access log says of the connection; only tracked when there is one.
  let chosen: Backend | undefined;
  let connectMs: number | undefined;
  const log = hooks.accessLog;
  if (log !== undefined) {
    const startedAt = performance.now();
    client.once('close', () =>
      log.log(
        tcpLogEntry(client, clientAddress, startedAt, chosen, connectMs, hooks.maxRetries - retriesLeft),
      ),
    );
  }

  const attempt = (): void => {
    const context: PickContext = tried === undefined ? { clientAddress } : { clientAddress, exclude: tried };
    const backend = hooks.pick(context);
    if (backend === undefined) {
      hooks.noBackend(new NoHealthyBackendError('No healthy backend can take the TCP connection'));
      client.destroy();
      return;
    }
    hooks.attemptStarted(backend);
    chosen = backend;
    const startedAt = performance.now();
    // Over TLS the client's plaintext is piped into the TLS socket once the handshake verified the backend.
    const version = hooks.sendProxyProtocol;
    // The PROXY header goes first on the connection, before the TLS handshake when there is one.
    const { socket: upstream, ready } = connectBackend(backend, backendTls(backend, hooks.upstreamTls), {
      allowHalfOpen: true,
      ...(version !== undefined && { preface: encodeProxyHeader(version, source, destination) }),
    });
    const timer = setTimeout(() => fail('timeout'), hooks.connectTimeout);
    let settled = false;

    const fail = (kind: TcpConnectFailure, cause?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      upstream.destroy();
      const latencyMs = performance.now() - startedAt;
      const where = `${backend.host}:${backend.port}`;
      const error =
        kind === 'timeout'
          ? new LbError('LB_ERR_UPSTREAM_TIMEOUT', `Connecting to backend ${where} timed out`)
          : new LbError('LB_ERR_UPSTREAM_CONNECT', `Cannot connect to backend ${where}: ${cause?.message}`, {
              cause,
            });
      const willRetry = retriesLeft > 0 && !clientGone;
      hooks.connectFailed(backend, error, kind, willRetry);
      hooks.attemptEnded(backend, false, latencyMs);
      if (!willRetry) {
        client.destroy();
        return;
      }
      retriesLeft--;
      tried ??= new Set();
      tried.add(backend.id);
      attempt();
    };
    upstream.once('error', (err) => fail('connect', err));
    upstream.once(ready, () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (clientGone) {
        upstream.destroy();
        hooks.attemptEnded(backend, true, performance.now() - startedAt);
        return;
      }
      connectMs = performance.now() - startedAt;
      pipe(client, upstream, backend, hooks, connectMs);
    });
  };
  attempt();
}

function pipe(client: Socket, upstream: Socket, backend: Backend, hooks: TcpSessionHooks, connectMs: number) {
  const openedAt = performance.now();
  hooks.connected(backend);
  let done = false;
  const teardown = () => {
    if (done) return;
    done = true;
    client.destroy();
    upstream.destroy();
    hooks.closed(backend, (performance.now() - openedAt) / 1000);
    hooks.attemptEnded(backend, true, connectMs);
  };
  upstream.on('error', teardown);
  client.on('error', teardown);
  upstream.once('close', teardown);
  client.once('close', teardown);
  if (hooks.idleTimeout > 0) {
    // Either side's timer fires only when that socket has been idle both ways.
    const idle = () => teardown();
    client.setTimeout(hooks.idleTimeout, idle);
    upstream.setTimeout(hooks.idleTimeout, idle);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
