import { type Handler, startBackend, startBalancer } from './helpers.js';
import { RawH2 } from './http2Frames.js';

/**
 * What the HTTP/2 conformance suite (`http2Conformance*.test.ts`) shares: the balancer under test and the
 * outcomes RFC 9113 permits. A connection error is a GOAWAY with its code or, since the GOAWAY is only a SHOULD
 * (§5.4.1), the connection closed without one; where a stream error is required, a connection error is
 * accepted too (§5.4.2 lets an endpoint escalate, as h2spec does). A code in parentheses in a test's name is the
 * one RFC 9113 names where Node 20 sends `INTERNAL_ERROR` instead: those cases accept any connection error.
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

/** The outcomes allowed for a connection error with `code`. */
export function connectionError(code: string): string[] {
  return [`GOAWAY ${code}`, 'closed'];
}

/** The outcomes allowed for a stream error with `code` on `stream`. */
export function streamError(code: string, stream: number): string[] {
  return [`RST_STREAM ${code} on stream ${stream}`, ...connectionError(code)];
}

/**
 * Any connection error: for the cases where Node 20 answers `GOAWAY INTERNAL_ERROR` instead of the code RFC 9113
 * names (a deviation listed in the suite's report), so a server that ignored the frame still fails.
 */
export function isConnectionError(outcome: string): boolean {
  return outcome === 'closed' || (outcome.startsWith('GOAWAY ') && outcome !== 'GOAWAY NO_ERROR');
}

/** Sends `bytes` on a settled connection and reports what the server did (about `stream`, if given). */
export async function answerTo(port: number, bytes: Buffer, stream?: number): Promise<string> {
  const client = await RawH2.handshake(port);
  client.write(bytes);
  return client.outcome(stream);
}

/**
 * A stream error from `allowed`, or any connection error: for the stream errors Node 20 escalates to
 * `GOAWAY INTERNAL_ERROR` (escalating is allowed, the code is the listed deviation).
 */
export function isStreamErrorOrAnyConnectionError(allowed: readonly string[], outcome: string): boolean {
  return allowed.includes(outcome) || isConnectionError(outcome);
}
