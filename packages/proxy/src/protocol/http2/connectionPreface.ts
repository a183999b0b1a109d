import { CLIENT_PREFACE as PREFACE } from './frames/frameKinds.js';

/** What the first bytes of a cleartext connection say it speaks, or that more bytes are needed to tell. */
export type PrefaceVerdict = 'http2' | 'http1' | 'more';

/**
 * Compares the first bytes of a cleartext connection with the HTTP/2 preface. A mismatch at any byte means
 * HTTP/1.1 (no HTTP/1.1 method is `PRI`, so a request can never be mistaken for the preface), all 24 bytes
 * mean HTTP/2 with prior knowledge, and a matching prefix asks for more: the preface may come split anywhere.
 */
export function prefaceVerdict(data: Buffer): PrefaceVerdict {
  const length = Math.min(data.length, PREFACE.length);
  for (let i = 0; i < length; i++) if (data[i] !== PREFACE[i]) return 'http1';
  return length === PREFACE.length ? 'http2' : 'more';
}
