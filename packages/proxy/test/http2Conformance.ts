import { type Handler, startBackend, startBalancer } from './helpers.js';
import { RawH2 } from './http2Frames.js';

/**
 * What the HTTP/2 conformance suite (`http2Conformance*.test.ts`) shares: the balancer under test and the
 * outcomes RFC 9113 permits. A connection error is a GOAWAY with the code the RFC names, and then the connection
 * closed (§5.4.1; `RawH2.outcome` waits for the close). The GOAWAY itself is only a SHOULD, but our session always
 * sends it, so a bare close counts as a failure here. A stream error is an RST_STREAM with its code: §5.4 lets an
 * endpoint escalate any stream error to a connection error, but ours answers each at the level the RFC names, and
 * the suite holds it to that. Where the RFC names both levels for a case ({@link streamOrConnectionError}), both
 * are accepted.
 */

/** A balancer with HTTP/2 on in front of one HTTP/1.1 backend; `/hold…` requests are never answered. */
export async function conformanceBalancer(handler?: Handler): Promise<{ port: number }> {
  const backend = await startBackend(
    'a',
    handler ??
      ((req, res) => {
        req.resume();
        if (req.url?.startsWith('/hold')) return;
        req.on('end', () => res.end(`served ${req.method} ${req.url}`));
      }),
  );
  return { port: (await startBalancer([backend.backend], { http2: true })).port };
}

/** The outcome of a connection error with `code`: its GOAWAY, then the connection closed. */
export function connectionError(code: string): string[] {
  return [`GOAWAY ${code}`];
}

/** The outcome of a stream error with `code` on `stream`. */
export function streamError(code: string, stream: number): string[] {
  return [`RST_STREAM ${code} on stream ${stream}`];
}

/** The outcomes of an error the RFC lets the receiver raise on the stream or on the connection. */
export function streamOrConnectionError(code: string, stream: number): string[] {
  return [...streamError(code, stream), ...connectionError(code)];
}

/** Sends `bytes` on a settled connection and reports what the server did (about `stream`, if given). */
export async function answerTo(port: number, bytes: Buffer, stream?: number): Promise<string> {
  const client = await RawH2.handshake(port);
  client.write(bytes);
  return client.outcome(stream);
}
