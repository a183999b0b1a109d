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
}

/** Raised for any response the parser will not interpret: the connection must be closed, the client gets 502. */
export class ResponseParseError extends Error {}

const MAX_HEAD = 64 * 1024;
// Field values: visible ASCII, obs-text, SP and HTAB; never CR, LF, NUL or other controls.
const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The tchar set of RFC 9110 §5.6.2 as a table: header names and values are checked with a loop over char codes,
 * which in the profile cost a fraction of one regular-expression test per field.
 */
const tchar = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  tchar[c.charCodeAt(0)] = 1;

function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (tchar[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Text decoded as latin1 never holds a code above 0xff, so only the controls and DEL need excluding. */
function isFieldValue(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

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

type State = 'head' | 'length' | 'chunkSize' | 'chunkData' | 'chunkDataEnd' | 'trailers' | 'close' | 'done';

/**
 * A strict HTTP/1.1 response parser for the upstream side. Anything ambiguous is an error rather than a guess:
 * bare LF or CR, obs-fold, whitespace before a colon, invalid names or values, duplicate or conflicting
 * `Content-Length`, `Content-Length` with `Transfer-Encoding`, any transfer coding but a single `chunked`,
 * `Transfer-Encoding` on HTTP/1.0, invalid chunk sizes or chunk terminators, an unrequested `101`, and bytes
 * after a complete message.
 */
export class ResponseParser {
  private state: State = 'head';
  private buffered: Buffer | undefined;
  private remaining = 0;
  private keepAlive = true;
  private noBody = false;

  constructor(private readonly handlers: ResponseParserHandlers) {}

  /** Starts a new exchange; `head` says the request was `HEAD`, so the response has no body. */
  expect(isHead: boolean): void {
    this.state = 'head';
    this.buffered = undefined;
    this.noBody = isHead;
  }

  /** Whether a complete response was parsed and nothing more is expected. */
  get complete(): boolean {
    return this.state === 'done';
  }

  /** Whether the parser is mid-response (bytes of a response arrived but it is not complete). */
  get started(): boolean {
    return this.state !== 'head' || this.buffered !== undefined;
  }

  /** Feeds bytes; throws {@link ResponseParseError} on anything invalid. */
  feed(chunk: Buffer): void {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = undefined;
    let offset = 0;
    while (offset < data.length) {
      const state = this.state;
      if (state === 'length' || state === 'chunkData') {
        const take = Math.min(this.remaining, data.length - offset);
        this.remaining -= take;
        this.handlers.onBody(
          data.subarray(offset, offset + take),
          state === 'length' && this.remaining === 0,
        );
        offset += take;
        if (this.remaining === 0) {
          if (state === 'length') this.finish([]);
          else this.state = 'chunkDataEnd';
        }
      } else if (state === 'close') {
        this.handlers.onBody(data.subarray(offset), false);
        return;
      } else if (state === 'chunkDataEnd') {
        if (data.length - offset < 2) {
          this.keep(data, offset);
          return;
        }
        if (data[offset] !== 13 || data[offset + 1] !== 10)
          throw new ResponseParseError('chunk not ended by CRLF');
        offset += 2;
        this.state = 'chunkSize';
      } else if (state === 'chunkSize') {
        const end = data.indexOf('\r\n', offset, 'latin1');
        if (end === -1) {
          this.keep(data, offset);
          return;
        }
        this.parseChunkSize(data.toString('latin1', offset, end));
        offset = end + 2;
      } else if (state === 'head' || state === 'trailers') {
        if (state === 'trailers' && data[offset] === 13 && data[offset + 1] === 10) {
          offset += 2;
          this.finish([]);
          continue;
        }
        const end = data.indexOf('\r\n\r\n', offset, 'latin1');
        if (end === -1) {
          this.keep(data, offset);
          return;
        }
        if (end - offset > MAX_HEAD) throw new ResponseParseError('response head too large');
        const text = data.toString('latin1', offset, end);
        offset = end + 4;
        if (state === 'head') this.parseHead(text);
        else this.finish(parseFields(text));
      } else {
        throw new ResponseParseError('bytes after a complete response');
      }
    }
  }

  private keep(data: Buffer, offset: number): void {
    const rest = data.subarray(offset);
    if (rest.length > MAX_HEAD) throw new ResponseParseError('response head or chunk line too large');
    // A bare LF would otherwise leave the parser waiting for a CRLF that never comes.
    if (this.state !== 'chunkDataEnd' && /(?:^|[^\r])\n/.test(rest.toString('latin1'))) {
      throw new ResponseParseError('bare LF');
    }
    this.buffered = rest;
  }

  /** The connection closed: completes a close-delimited body, or throws for a cut-off response. */
  close(): void {
    if (this.state === 'close') {
      this.finish([]);
      return;
    }
    if (this.state !== 'done')
      throw new ResponseParseError('connection closed before the response was complete');
  }

  private parseHead(text: string): void {
    const lineEnd = text.indexOf('\r\n');
    const line = lineEnd === -1 ? text : text.slice(0, lineEnd);
    if (!isStatusLine(line))
      throw new ResponseParseError(`invalid status line ${JSON.stringify(line.slice(0, 64))}`);
    const httpVersion = line.charCodeAt(7) === 0x31 ? '1.1' : '1.0';
    const status = Number(line.slice(9, 12));
    const rawHeaders = lineEnd === -1 ? [] : parseFields(text.slice(lineEnd + 2));
    if (status === 101) throw new ResponseParseError('101 Switching Protocols without an upgrade request');
    if (status < 200) {
      this.handlers.onInformation(status, rawHeaders);
      return;
    }
    let contentLength: number | undefined;
    let te: string | undefined;
    let lengthCount = 0;
    let close = httpVersion === '1.0';
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const raw = rawHeaders[i]!;
      // Only the framing fields matter here; other lengths cannot be one, so are not lower-cased.
      const length = raw.length;
      if (length !== 14 && length !== 17 && length !== 10) continue;
      const name = raw.toLowerCase();
      const value = rawHeaders[i + 1]!;
      if (name === 'content-length') {
        lengthCount++;
        if (!/^\d{1,15}$/.test(value)) throw new ResponseParseError('invalid Content-Length');
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        if (te !== undefined) throw new ResponseParseError('repeated Transfer-Encoding');
        te = value;
      } else if (name === 'connection') {
        const tokens = value
          .toLowerCase()
          .split(',')
          .map((t) => t.trim());
        if (tokens.includes('close')) close = true;
        else if (httpVersion === '1.0' && tokens.includes('keep-alive')) close = false;
      }
    }
    if (lengthCount > 1) throw new ResponseParseError('repeated Content-Length');
    const chunked = te !== undefined;
    if (chunked) {
      if (httpVersion !== '1.1') throw new ResponseParseError('Transfer-Encoding in an HTTP/1.0 response');
      if (te!.trim().toLowerCase() !== 'chunked')
        throw new ResponseParseError(`unsupported Transfer-Encoding ${te}`);
      if (lengthCount > 0) throw new ResponseParseError('Content-Length with Transfer-Encoding');
    }
    this.keepAlive = !close;
    const bodyless = this.noBody || status === 204 || status === 304;
    this.handlers.onHead({
      status,
      reason: line.slice(13),
      httpVersion,
      rawHeaders,
      contentLength: chunked ? undefined : contentLength,
      chunked: chunked && !bodyless,
    });
    if (bodyless || contentLength === 0) this.finish([]);
    else if (chunked) this.state = 'chunkSize';
    else if (contentLength !== undefined) {
      this.remaining = contentLength;
      this.state = 'length';
    } else {
      this.keepAlive = false;
      this.state = 'close';
    }
  }

  private parseChunkSize(line: string): void {
    const semicolon = line.indexOf(';');
    const size = semicolon === -1 ? line : line.slice(0, semicolon).replace(/[\t ]+$/, '');
    if (!/^[0-9A-Fa-f]{1,13}$/.test(size)) throw new ResponseParseError('invalid chunk size');
    if (semicolon !== -1 && !fieldValue.test(line.slice(semicolon))) {
      throw new ResponseParseError('invalid chunk extension');
    }
    const length = Number.parseInt(size, 16);
    if (length === 0) {
      this.state = 'trailers';
      return;
    }
    this.remaining = length;
    this.state = 'chunkData';
  }

  private finish(rawTrailers: string[]): void {
    this.state = 'done';
    this.handlers.onComplete(rawTrailers, this.keepAlive);
  }
}

function parseFields(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    const cr = text.indexOf('\r', start);
    const lf = text.indexOf('\n', start);
    if ((cr !== -1 && cr < end) || (lf !== -1 && lf < end))
      throw new ResponseParseError('bare CR or LF in a header');
    if (colon <= start || colon > end) throw new ResponseParseError('header line without a name');
    const name = text.slice(start, colon);
    if (!isToken(text, start, colon))
      throw new ResponseParseError(`invalid header name ${JSON.stringify(name.slice(0, 64))}`);
    let from = colon + 1;
    let to = end;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
    if (!isFieldValue(text, from, to)) throw new ResponseParseError(`invalid value in ${name}`);
    out.push(name, text.slice(from, to));
    start = end + 2;
  }
  return out;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}
