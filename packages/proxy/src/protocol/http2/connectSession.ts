import type { TLSSocket } from 'node:tls';
import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { hostHeader } from '../http1/hostHeader.js';
import { connectBackend } from '../tls/connectBackend.js';
import { ErrorCode } from './frames/frameKinds.js';
import { Http2Session, type Http2SessionEvents } from './session/http2Session.js';

/** An HTTP/2 session being opened to a backend. */
export interface BackendSession {
  readonly session: Http2Session;
  /** `'https'` over TLS, else `'http'`: the `:scheme` of its requests. */
  readonly scheme: 'http' | 'https';
  /** The `:authority` of requests that carry no `Host`. */
  readonly authority: string;
}

/** Our own cap on concurrent streams per session, whatever the backend allows (nghttp2's and Envoy's default is 100). */
export const MAX_STREAMS_PER_SESSION = 100;
/** The largest response header list we read from a backend: HTTP/1.1 responses have no smaller bound here. */
const MAX_RESPONSE_HEADER_LIST = 256 * 1024;

const NOT_H2 = 'the backend did not negotiate HTTP/2 with ALPN';

/**
 * Opens an HTTP/2 session to `backend`: over the socket `connectBackend` opens (so TLS verification, SNI, client
 * certificates and session resumption are those of HTTP/1.1 backends) offering ALPN `h2` when `tls` is set,
 * with prior knowledge over cleartext TCP otherwise. A TLS backend that does not choose `h2` ends the session
 * before a request goes out, with a reason that says so.
 */
export function connectSession(
  backend: Backend,
  tls: UpstreamTlsOptions | undefined,
  events: Http2SessionEvents,
): BackendSession {
  const scheme = tls === undefined ? 'http' : 'https';
  const authority = hostHeader(backend.host, backend.port);
  const { socket, ready } = connectBackend(backend, tls, tls === undefined ? {} : { alpn: ['h2'] });
  const session = new Http2Session(
    socket,
    {
      role: 'client',
      maxConcurrentStreams: MAX_STREAMS_PER_SESSION,
      maxHeaderListSize: MAX_RESPONSE_HEADER_LIST,
    },
    events,
  );
  if (ready === 'secureConnect') {
    socket.once('secureConnect', () => {
      const chosen = (socket as TLSSocket).alpnProtocol;
      if (chosen === 'h2') return;
      const what = typeof chosen === 'string' ? `'${chosen}'` : 'no protocol';
      session.destroy(
        ErrorCode.HTTP_1_1_REQUIRED,
        `${NOT_H2} (it chose ${what}): is it an HTTP/1.1-only server?`,
      );
    });
  }
  return { session, scheme, authority };
}

/**
 * Why a session failed to open, in words: a TLS server that refused every offered protocol (alert 120) is
 * named as not speaking h2, as one that picked another protocol is.
 */
export function sessionFailureReason(
  reason: string | undefined,
  error: (Error & { code?: string }) | undefined,
): string {
  // Alert 120 (no_application_protocol) comes as its own code on a read, as EPROTO on a write.
  if (
    error?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' ||
    /alert number 120\b/.test(error?.message ?? '')
  ) {
    return `${NOT_H2} (it refused the offer of h2): is it an HTTP/1.1-only server?`;
  }
  return reason ?? error?.message ?? 'the connection closed before HTTP/2 settings arrived';
}
