import { type ClientHttp2Session, connect, type Settings } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { type Backend, LbError, type UpstreamTlsOptions } from '@lb/core';
import { hostHeader } from '../http1/hostHeader.js';
import { connectBackend } from '../tls/connectBackend.js';

/** An HTTP/2 session being opened to a backend. */
export interface BackendSession {
  readonly session: ClientHttp2Session;
  /** `'https'` over TLS, else `'http'`: the `:scheme` of its requests. */
  readonly scheme: 'http' | 'https';
  /** The `:authority` of requests that carry no `Host`. */
  readonly authority: string;
}

/**
 * Opens an HTTP/2 session to `backend`: over the socket `connectBackend` opens (so TLS verification, SNI, client
 * certificates and session resumption are those of HTTP/1.1 backends) offering ALPN `h2` when `tls` is set,
 * with prior knowledge over cleartext TCP otherwise. A TLS backend that does not choose `h2` fails the session
 * with an `LB_ERR_UPSTREAM_CONNECT` error before a request goes out. The caller must listen for the session's `error`.
 */
export function connectSession(
  backend: Backend,
  tls: UpstreamTlsOptions | undefined,
  settings: Settings,
): BackendSession {
  const scheme = tls === undefined ? 'http' : 'https';
  const authority = hostHeader(backend.host, backend.port);
  const { socket, ready } = connectBackend(backend, tls, tls === undefined ? {} : { alpn: ['h2'] });
  const session = connect(`${scheme}://${authority}`, { settings, createConnection: () => socket });
  // A TLS alert after the handshake (a backend refusing our client certificate under TLS 1.3) errors the
  // socket without closing it, and the session would wait for SETTINGS forever: close both, with that error
  // (the session reports `close` only once its socket is gone).
  socket.on('error', (err) => {
    if (!session.destroyed) session.destroy(err);
    socket.destroy();
  });
  if (ready === 'secureConnect') {
    socket.once('secureConnect', () => {
      const chosen = (socket as TLSSocket).alpnProtocol;
      if (chosen === 'h2') return;
      const what = typeof chosen === 'string' ? `'${chosen}'` : 'no protocol';
      const message = `${NOT_H2} (it chose ${what}): is it an HTTP/1.1-only server?`;
      session.destroy(new LbError('LB_ERR_UPSTREAM_CONNECT', message));
    });
  }
  return { session, scheme, authority };
}

const NOT_H2 = 'the backend did not negotiate HTTP/2 with ALPN';

/**
 * Why a session failed to open, in words: a TLS server that refused every offered protocol (alert 120) is
 * named as not speaking h2, as one that picked another protocol is.
 */
export function sessionFailureReason(err: (Error & { code?: string }) | undefined): string {
  if (err === undefined) return 'the connection closed before HTTP/2 settings arrived';
  if (err.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
    return `${NOT_H2} (it refused the offer of h2): is it an HTTP/1.1-only server?`;
  }
  return err.message;
}
