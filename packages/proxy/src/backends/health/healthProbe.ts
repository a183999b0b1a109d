import type { Backend, UpstreamProtocol, UpstreamTlsOptions } from '@lb/core';
import { hostHeader } from '../../protocol/http1/hostHeader.js';
import { ResponseParser } from '../../protocol/http1/responseParser.js';
import { backendProtocol, transportTls } from '../../protocol/http2/backendProtocol.js';
import { connectBackend } from '../../protocol/tls/connectBackend.js';
import { probeHttp2 } from './http2Probe.js';

/** The result of one probe: `ok`, or the reason it failed (`'status 500'`, `'timeout'`, `'ECONNREFUSED'`). */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a probe needs: the check type, the HTTP path or gRPC service, a deadline in milliseconds and how to connect. */
export interface ProbeOptions {
  readonly type: 'http' | 'tcp' | 'grpc';
  readonly path: string;
  /** The service a `grpc` probe asks about. @default '' (the server as a whole) */
  readonly service?: string;
  /** The protocol of a backend without a `protocol` of its own, as its requests use. @default 'http1' */
  readonly protocol?: UpstreamProtocol | undefined;
  readonly timeout: number;
  /** TLS to a backend without a `tls` of its own, as its requests use. @default plain TCP */
  readonly tls?: UpstreamTlsOptions | undefined;
}

/** Cancels a probe in flight: its socket is destroyed and its callback never runs. */
export type CancelProbe = () => void;

const passed: ProbeResult = { ok: true };

/**
 * Probes one backend once, over the backend's protocol: `grpc` calls the gRPC health service over HTTP/2, `http`
 * to an `h2`/`h2c` backend sends `GET path` over HTTP/2 (both in `probeHttp2`); otherwise `http` sends `GET path` on a fresh connection (no keep-alive, so a probe never
 * reuses or holds a socket) and passes on a 2xx read by the strict response parser; `tcp` passes when the connection opens. The callback runs
 * exactly once unless the returned function cancels the probe first. Over TLS (`options.tls`, or the backend's own
 * `tls`) the connection counts as open once the handshake verified the backend, so a bad certificate fails it.
 */
export function probeBackend(
  backend: Backend,
  options: ProbeOptions,
  done: (result: ProbeResult) => void,
): CancelProbe {
  let finished = false;
  let destroy: () => void = () => {};
  const finish = (result: ProbeResult) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    destroy();
    done(result);
  };
  const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), options.timeout);
  const protocol = backendProtocol(backend, options.protocol ?? 'http1');
  const secure = transportTls(backend, protocol, options.tls);
  const fail = (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message });

  if (options.type === 'grpc' || (options.type === 'http' && protocol !== 'http1')) {
    // gRPC is HTTP/2 only: an `http1` backend is asked over h2 when it is reached over TLS, else h2c.
    const check =
      options.type === 'grpc'
        ? { kind: 'grpc' as const, service: options.service ?? '' }
        : { kind: 'http' as const, path: options.path };
    const cancel = probeHttp2(backend, secure, check, finish);
    destroy = cancel;
  } else if (options.type === 'tcp') {
    const { socket, ready } = connectBackend(backend, secure);
    destroy = () => socket.destroy();
    socket.once(ready, () => finish(passed));
    socket.on('error', fail);
  } else {
    // The same strict parser as the request path: a backend whose answers it cannot read is not healthy.
    const parser = new ResponseParser({
      onInformation: () => {},
      onHead: ({ status }) =>
        finish(status >= 200 && status < 300 ? passed : { ok: false, reason: `status ${status}` }),
      onBody: () => {},
      onComplete: () => {},
    });
    parser.expect(false);
    const { socket, ready } = connectBackend(backend, secure);
    destroy = () => socket.destroy();
    socket.once(ready, () => {
      socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${hostHeader(backend.host, backend.port)}\r\n` +
          'User-Agent: lb-health-check\r\nConnection: close\r\n\r\n',
        'latin1',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.feed(chunk);
      } catch (err) {
        finish({
          ok: false,
          reason: `invalid response: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });
    socket.on('error', fail);
    socket.once('close', () => finish({ ok: false, reason: 'connection closed before a response' }));
  }
  return () => {
    finished = true;
    clearTimeout(timer);
    destroy();
  };
}
