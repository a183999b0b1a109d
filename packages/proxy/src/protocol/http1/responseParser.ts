import { LbError } from '@lb/core';
import { BodyDecoder } from './bodyDecoder.js';
import { bodyFraming } from './bodyFraming.js';
import { HttpParseError, hasBareLf, isFieldValue, parseFieldLines } from './fieldSyntax.js';
import { FieldTable } from './fieldTable.js';

/** The one field besides framing that decides what happens to the connection. */
const connectionField = new FieldTable([['connection', true]]);

/** The status line and header section of a backend response. */
export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** `1.0` or `1.1`. */
  readonly httpVersion: string;
  /** Flat `[name, value, …]` list as received. */
  readonly rawHeaders: string[];
  /** The body length when it is length-framed. */
  readonly contentLength: number | undefined;
  /** Whether the body is chunked (Node re-frames it for the client). */
  readonly chunked: boolean;
}

/** What the parser reports; every callback is optional except the ones the request path needs. */
export interface ResponseParserHandlers {
  onInformation(status: number, rawHeaders: string[]): void;
  onHead(head: ResponseHead): void;
  /** `last`: this chunk ends a length-framed body, so completion follows before the parser returns. */
  onBody(chunk: Buffer, last: boolean): void;
  /** The message is complete; `keepAlive` says whether the connection may carry another request. */
  onComplete(rawTrailers: string[], keepAlive: boolean): void;
  /**
   * The backend answered an upgrade request with `101`: `rest` (a copy) holds the bytes after the head, which
   * belong to the new protocol. The parser takes nothing more.
   */
  onSwitchingProtocols?(head: ResponseHead, rest: Buffer): void;
}

/**
 * Raised for any response the parser will not interpret: the connection must be closed, the client gets 502.
 * An {@link LbError} with code `LB_ERR_UPSTREAM_PROTOCOL`, like the `proxyError` it leads to.
 */
export class ResponseParseError extends LbError {
  constructor(message: string) {
    super('LB_ERR_UPSTREAM_PROTOCOL', message);
  }
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** `HTTP/1.x NNN reason`, with a non-zero first status digit. */
function isStatusLine(line: string): boolean {
  return (
    line.length >= 13 &&
    line.startsWith('HTTP/1.') &&
    (line.charCodeAt(7) === 0x30 || line.charCodeAt(7) === 0x31) &&
    line.charCodeAt(8) === 0x20 &&
    isDigit(line.charCodeAt(9), 0x31) &&
    isDigit(line.charCodeAt(10), 0x30) &&
    isDigit(line.charCodeAt(11), 0x30) &&
    line.charCodeAt(12) === 0x20 &&
    isFieldValue(line, 13, line.length)
  );
}

function isDigit(code: number, lowest: number): boolean {
  return code >= lowest && code <= 0x39;
}

/**
 * A strict HTTP/1.1 response parser for the upstream side. Anything ambiguous is an error rather than a guess:
 * bare LF or CR, obs-fold, whitespace before a colon, invalid names or values, duplicate or conflicting
 * `Content-Length`, `Content-Length` with `Transfer-Encoding`, any transfer coding but a single `chunked`,
 * `Transfer-Encoding` on HTTP/1.0, invalid chunk sizes or chunk terminators, an unrequested `101`, and bytes
 * after a complete message.
 */
export class ResponseParser {
  private inHead = true;
  private finished = false;
  private buffered: Buffer | undefined;
  private keepAlive = true;
  private noBody = false;
  private upgrade = false;
  private switched: ResponseHead | undefined;
  private readonly body: BodyDecoder;

  constructor(private readonly handlers: ResponseParserHandlers) {
    this.body = new BodyDecoder(
      {
        onBody: (chunk, last) => handlers.onBody(chunk, last),
        onBodyEnd: (trailers) => this.finish(trailers),
      },
      MAX_HEAD,
    );
  }

  /**
   * Starts a new exchange; `head` says the request was `HEAD`, so the response has no body; `upgrade` that it
   * asked to switch protocols, so a `101` is an answer rather than an error.
   */
  expect(isHead: boolean, upgrade = false): void {
    this.upgrade = upgrade;
    this.switched = undefined;
    this.inHead = true;
    this.finished = false;
    this.buffered = undefined;
    this.body.reset();
    this.noBody = isHead;
  }

  /** Whether a complete response was parsed and nothing more is expected. */
  get complete(): boolean {
    return this.finished;
  }

  /** Whether the parser is mid-response (bytes of a response arrived but it is not complete). */
  get started(): boolean {
    return !this.inHead || this.buffered !== undefined;
  }

  /**
   * Feeds bytes; throws {@link ResponseParseError} on anything invalid. `chunk` is only read during the call
   * (body chunks passed on are views of it), so it may be a reused read buffer.
   */
  feed(chunk: Buffer): void {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = undefined;
    let offset = 0;
    try {
      while (offset < data.length) {
        if (this.finished) throw new ResponseParseError('bytes after a complete response');
        if (!this.inHead) {
          offset = this.body.decode(data, offset);
          if (offset < data.length && !this.body.done) {
            const rest = data.subarray(offset);
            this.body.checkPending(rest);
            this.buffered = Buffer.from(rest);
            return;
          }
          continue;
        }
        const end = data.indexOf(CRLFCRLF, offset);
        if (end === -1) {
          this.keepHead(data.subarray(offset));
          return;
        }
        if (end - offset > MAX_HEAD) throw new ResponseParseError('response head too large');
        const text = data.toString('latin1', offset, end);
        offset = end + 4;
        this.parseHead(text);
        if (this.switched !== undefined) {
          this.handlers.onSwitchingProtocols?.(this.switched, Buffer.from(data.subarray(offset)));
          return;
        }
      }
    } catch (err) {
      if (err instanceof HttpParseError) throw new ResponseParseError(err.message);
      throw err;
    }
  }

  private keepHead(rest: Buffer): void {
    if (rest.length > MAX_HEAD) throw new ResponseParseError('response head too large');
    // A bare LF would otherwise leave the parser waiting for a CRLF that never comes.
    if (hasBareLf(rest)) throw new ResponseParseError('bare LF');
    // A copy: the bytes fed may be a view of a read buffer that the next read overwrites.
    this.buffered = Buffer.from(rest);
  }

  /** The connection closed: completes a close-delimited body, or throws for a cut-off response. */
  close(): void {
    if (!this.inHead && this.body.closeDelimited) {
      this.body.end();
      return;
    }
    if (!this.finished) throw new ResponseParseError('connection closed before the response was complete');
  }

  private parseHead(text: string): void {
    const lineEnd = text.indexOf('\r\n');
    const line = lineEnd === -1 ? text : text.slice(0, lineEnd);
    if (!isStatusLine(line))
      throw new ResponseParseError(`invalid status line ${JSON.stringify(line.slice(0, 64))}`);
    const httpVersion = line.charCodeAt(7) === 0x31 ? '1.1' : '1.0';
    const status = Number(line.slice(9, 12));
    const rawHeaders = lineEnd === -1 ? [] : parseFieldLines(text, lineEnd + 2);
    if (status === 101) {
      this.switchProtocols(line, httpVersion, rawHeaders);
      return;
    }
    if (status < 200) {
      this.handlers.onInformation(status, rawHeaders);
      return;
    }
    const framing = bodyFraming(httpVersion, rawHeaders);
    if (framing.kind === 'invalid') throw new ResponseParseError(framing.reason);
    let close = httpVersion === '1.0';
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (connectionField.get(rawHeaders[i]!) === undefined) continue;
      const value = rawHeaders[i + 1]!;
      // What every keep-alive backend sends, decided without splitting.
      if (value.length === 10 && value.toLowerCase() === 'keep-alive') {
        if (httpVersion === '1.0') close = false;
        continue;
      }
      const tokens = value
        .toLowerCase()
        .split(',')
        .map((t) => t.trim());
      if (tokens.includes('close')) close = true;
      else if (httpVersion === '1.0' && tokens.includes('keep-alive')) close = false;
    }
    const chunked = framing.kind === 'chunked';
    const contentLength = framing.kind === 'length' ? framing.length : undefined;
    this.keepAlive = !close;
    const bodyless = this.noBody || status === 204 || status === 304;
    this.inHead = false;
    this.handlers.onHead({
      status,
      reason: line.slice(13),
      httpVersion,
      rawHeaders,
      contentLength: chunked ? undefined : contentLength,
      chunked: chunked && !bodyless,
    });
    if (bodyless || contentLength === 0) this.finish([]);
    else if (chunked) this.body.startChunked();
    else if (contentLength !== undefined) this.body.startLength(contentLength);
    else {
      this.keepAlive = false;
      this.body.startUntilClose();
    }
  }

  /** A `101`: valid only for an upgrade request, over HTTP/1.1, naming the protocol (RFC 9110 §15.2.2). */
  private switchProtocols(line: string, httpVersion: string, rawHeaders: string[]): void {
    if (!this.upgrade) throw new ResponseParseError('101 Switching Protocols without an upgrade request');
    if (httpVersion !== '1.1')
      throw new ResponseParseError('101 Switching Protocols in an HTTP/1.0 response');
    let upgrades = 0;
    for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'upgrade') upgrades++;
    if (upgrades !== 1) throw new ResponseParseError('101 Switching Protocols without one Upgrade field');
    this.inHead = false;
    this.finished = true;
    this.switched = {
      status: 101,
      reason: line.slice(13),
      httpVersion,
      rawHeaders,
      contentLength: undefined,
      chunked: false,
    };
  }

  private finish(rawTrailers: string[]): void {
    this.finished = true;
    this.handlers.onComplete(rawTrailers, this.keepAlive);
  }
}
