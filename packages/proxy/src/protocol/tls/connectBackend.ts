import { connect as connectTcp, isIP, type OnReadOpts, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { Backend, UpstreamTlsOptions } from '@lb/core';

/** How a backend connection is opened, beyond where to. */
export interface BackendSocketOptions {
  readonly allowHalfOpen?: boolean;
  /** Read into caller-owned buffers (see `net.connect`); TLS sockets honour it too. */
  readonly onread?: OnReadOpts;
  /** Bytes sent on the bare TCP connection before anything else, TLS handshake included (a PROXY header). */
  readonly preface?: Buffer;
  /** Protocols offered with ALPN over TLS (`['h2']` for HTTP/2); none when unset. */
  readonly alpn?: readonly string[];
}

/** A connection being opened, and the event after which it may carry bytes (`secureConnect` over TLS). */
export interface BackendSocket {
  readonly socket: Socket;
  readonly ready: 'connect' | 'secureConnect';
}

/** What one TLS setting keeps: its parsed certificates and the last session of each backend, for resumption. */
interface TlsState {
  readonly context: SecureContext;
  readonly sessions: Map<string, Buffer>;
}

/** Sessions kept per TLS setting; enough for every backend of a large group, bounded against churn. */
const MAX_SESSIONS = 1024;
/** `tls: true` on a backend (and `h2` without a TLS setting): one shared object, so its sessions live in one cache. */
export const verifyWithSystemCas: UpstreamTlsOptions = Object.freeze({});
/**
 * Keyed by the setting object so a session is only ever resumed under the setting that verified it: a session
 * from a `rejectUnauthorized: false` setting must never skip the verification of a strict one.
 */
const states = new WeakMap<UpstreamTlsOptions, TlsState>();

/**
 * The TLS setting a backend is reached with: its own `tls` when it has one (`false` forces plain TCP), else the
 * balancer's or group's `upstreamTls`; `undefined` means plain TCP.
 */
export function backendTls(
  backend: Backend,
  fallback: UpstreamTlsOptions | undefined,
): UpstreamTlsOptions | undefined {
  const own = backend.tls;
  if (own === undefined) return fallback;
  if (own === true) return verifyWithSystemCas;
  return own === false ? undefined : own;
}

function stateOf(tls: UpstreamTlsOptions): TlsState {
  let state = states.get(tls);
  if (state === undefined) {
    // Parsed once per setting rather than per connection: a CA bundle costs milliseconds to parse.
    const context = createSecureContext({
      ...(tls.ca !== undefined && { ca: tls.ca as string | Buffer | (string | Buffer)[] }),
      ...(tls.cert !== undefined && { cert: tls.cert as string | Buffer }),
      ...(tls.key !== undefined && { key: tls.key as string | Buffer }),
    });
    state = { context, sessions: new Map() };
    states.set(tls, state);
  }
  return state;
}

/**
 * Opens a connection to `backend`, over TLS when `tls` is set: SNI is the host name (never an IP address, which
 * SNI cannot carry; the certificate is then checked against the IP), the certificate is verified unless
 * `rejectUnauthorized` is `false`, and the backend's last session is offered so the handshake can resume.
 */
export function connectBackend(
  backend: Backend,
  tls: UpstreamTlsOptions | undefined,
  options: BackendSocketOptions = {},
): BackendSocket {
  const { host, port } = backend;
  const base = { host, port, noDelay: true, allowHalfOpen: options.allowHalfOpen ?? false };
  const onread = options.onread === undefined ? {} : { onread: options.onread };
  if (tls === undefined) {
    const socket = connectTcp({ ...base, ...onread });
    if (options.preface !== undefined) socket.write(options.preface);
    return { socket, ready: 'connect' };
  }
  const state = stateOf(tls);
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  // A session resumes under the ALPN list it was made with, so an HTTP/1.1 session never answers an h2 offer.
  const key = `${host}:${port}/${servername ?? ''}/${options.alpn?.join(',') ?? ''}`;
  const session = state.sessions.get(key);
  // A preface goes out on the bare connection, queued ahead of the ClientHello the TLS socket sends on it.
  let tcp: Socket | undefined;
  if (options.preface !== undefined) {
    tcp = connectTcp(base);
    tcp.write(options.preface);
  }
  const socket: TLSSocket = connectTls({
    ...base,
    ...onread,
    ...(tcp !== undefined && { socket: tcp }),
    secureContext: state.context,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(servername !== undefined && { servername }),
    ...(session !== undefined && { session }),
    ...(options.alpn !== undefined && { ALPNProtocols: [...options.alpn] }),
  });
  socket.on('session', (next: Buffer) => {
    const { sessions } = state;
    // Re-inserted so the map's order is least recently stored first, the one to drop when full.
    sessions.delete(key);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    sessions.set(key, next);
  });
  return { socket, ready: 'secureConnect' };
}
