import { HttpParseError, isToken, parseFieldLines } from './fieldSyntax.js';

/** A client request that cannot be served, with the status to answer before closing. */
export class RequestParseError extends HttpParseError {
  constructor(
    readonly status: 400 | 405 | 408 | 413 | 414 | 417 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
  }
}

/** The request line and header section of a client request. */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly httpVersion: '1.0' | '1.1';
  /** Flat `[name, value, …]` list as received. */
  readonly rawHeaders: string[];
}

/**
 * No whitespace or control characters. Raw bytes above 0x7f are let through (and forwarded byte for byte), as
 * nginx does: some clients send UTF-8 paths unencoded, and such bytes cannot delimit anything.
 */
function isTarget(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

/**
 * Parses a request head (without its final blank line) strictly: `method SP target SP HTTP/1.x`, then field
 * lines by the rules of {@link parseFieldLines}. A field error is a 400; another HTTP version is a 505.
 */
export function parseRequestHead(text: string): RequestHead {
  const lineEnd = text.indexOf('\r\n');
  const line = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const firstSpace = line.indexOf(' ');
  const lastSpace = line.lastIndexOf(' ');
  if (firstSpace <= 0 || lastSpace === firstSpace) throw new RequestParseError(400, 'invalid request line');
  if (!isToken(line, 0, firstSpace)) throw new RequestParseError(400, 'invalid method');
  if (!isTarget(line, firstSpace + 1, lastSpace)) throw new RequestParseError(400, 'invalid request target');
  const version = line.slice(lastSpace + 1);
  let httpVersion: '1.0' | '1.1';
  if (version === 'HTTP/1.1') httpVersion = '1.1';
  else if (version === 'HTTP/1.0') httpVersion = '1.0';
  else if (/^HTTP\/\d\.\d$/.test(version)) throw new RequestParseError(505, `unsupported version ${version}`);
  else throw new RequestParseError(400, 'invalid request line');
  let rawHeaders: string[] = [];
  if (lineEnd !== -1) {
    try {
      rawHeaders = parseFieldLines(text, lineEnd + 2);
    } catch (err) {
      throw new RequestParseError(400, err instanceof Error ? err.message : String(err));
    }
  }
  return {
    method: line.slice(0, firstSpace),
    target: line.slice(firstSpace + 1, lastSpace),
    httpVersion,
    rawHeaders,
  };
}
