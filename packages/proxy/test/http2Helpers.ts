import { once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientSessionOptions,
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import type { Backend } from '@lb/core';
import { onCleanup } from './helpers.js';

/** A whole HTTP/2 response as a test reads it. */
export interface H2Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: IncomingHttpHeaders | undefined;
}

/** Opens a client session (closed after the test) to `authority` (`http://…` for h2c, `https://…` for h2). */
export async function h2Session(
  authority: string,
  options: ClientSessionOptions | SecureClientSessionOptions = {},
): Promise<ClientHttp2Session> {
  const session = connect(authority, options);
  session.on('error', () => {});
  onCleanup(() => session.destroy());
  await once(session, 'connect');
  return session;
}

/** One request on `session`, with an optional body and request trailers; resolves with the whole response. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: Buffer | string,
  trailers?: OutgoingHttpHeaders,
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, trailers === undefined ? {} : { waitForTrailers: true });
    if (trailers !== undefined) stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    let status = 0;
    let responseHeaders: IncomingHttpHeaders = {};
    let responseTrailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    stream.on('trailers', (t) => {
      responseTrailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () =>
      resolve({
        status,
        headers: responseHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        trailers: responseTrailers,
      }),
    );
    stream.on('error', reject);
    if (body === undefined) stream.end();
    else stream.end(body);
  });
}


/** Answers one stream of an HTTP/2 test backend. */
export type StreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/** A real `node:http2` backend on 127.0.0.1 and what it saw. */
export interface Http2Backend {
  readonly backend: Backend;
  readonly server: Http2Server | Http2SecureServer;
  /** Every session the server accepted, in order. */
  readonly sessions: ServerHttp2Session[];
  /** The request headers of every stream, in order. */
  readonly requests: IncomingHttpHeaders[];
}

/** Echoes method, path and authority; reads the body and answers with its length. */
export const echoStream: StreamHandler = (stream, headers) => {
  let length = 0;
  stream.on('data', (c: Buffer) => {
    length += c.length;
  });
  stream.on('end', () => {
    if (stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end(`${headers[':method']} ${headers[':path']} ${headers[':authority']} ${length}`);
  });
};

/** Starts an `h2c` backend (or `h2` with `tls`) whose streams `handler` answers. */
export async function startHttp2Backend(
  id: string,
  handler: StreamHandler = echoStream,
  options: {
    tls?: { key: string; cert: string };
    /** Mutual TLS: client certificates must be signed by this CA. */
    clientCa?: string;
    settings?: Settings;
    allowHTTP1?: boolean;
  } = {},
): Promise<Http2Backend> {
  const server = options.tls
    ? createSecureServer({
        ...options.tls,
        ...(options.clientCa && { ca: options.clientCa, requestCert: true, rejectUnauthorized: true }),
        ...(options.settings && { settings: options.settings }),
        allowHTTP1: options.allowHTTP1 ?? false,
      })
    : createServer(options.settings ? { settings: options.settings } : {});
  const sessions: ServerHttp2Session[] = [];
  const requests: IncomingHttpHeaders[] = [];
  server.on('session', (session) => {
    sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    requests.push(headers);
    stream.on('error', () => {});
    handler(stream, headers);
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return {
    backend: { id, host: '127.0.0.1', port, protocol: options.tls ? 'h2' : 'h2c' },
    server,
    sessions,
    requests,
  };
}
