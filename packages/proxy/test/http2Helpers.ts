import { once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientSessionOptions,
  connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
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
