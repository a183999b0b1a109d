import { HttpParseError, hasBareLf, isFieldValue, parseFieldLines } from './fieldSyntax.js';

/** Where a {@link BodyDecoder} delivers a message body. */
export interface BodySink {
  /**
   * `last`: this chunk ends a length-framed body, so {@link BodySink.onBodyEnd} follows at once. The data of
   * every chunk decoded from one {@link BodyDecoder.decode} call comes as one piece.
   */
  onBody(chunk: Buffer, last: boolean): void;
  onBodyEnd(rawTrailers: string[]): void;
}

type State = 'length' | 'chunkSize' | 'chunkData' | 'chunkDataEnd' | 'trailers' | 'close' | 'done';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Decodes one HTTP/1.1 message body, framed by length, by chunks (with trailers) or by the connection closing.
 * Shared by the client and the backend side, so both read chunked framing with the same strict rules: a chunk
 * size is 1–13 hex digits, a chunk ends with CRLF, extensions hold no controls, and trailers parse like fields.
 */
export class BodyDecoder {
  private state: State = 'done';
  private remaining = 0;
  /**
   * The chunk data decoded in the current {@link BodyDecoder.decode} call, `data[packStart, packEnd)`, moved
   * together over the chunk lines between the chunks and delivered as one piece when the call returns: a
   * sender's chunk sizes must not decide how many writes the other side costs (a million one-byte chunks would
   * otherwise be a million writes and a million chunks on the next hop). `-1`: none yet.
   */
  private packStart = -1;
  private packEnd = 0;
  /** The buffer being decoded, while {@link BodyDecoder.decode} runs. */
  private source: Buffer | undefined = undefined;

  /** @param maxLine - The longest chunk-size line or trailer section accepted. */
  constructor(
    private readonly sink: BodySink,
    private readonly maxLine: number,
  ) {}

  /** Whether the body is complete (or none was started). */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the body runs until the connection closes. */
  get closeDelimited(): boolean {
    return this.state === 'close';
  }

  startLength(length: number): void {
    this.remaining = length;
    this.state = length === 0 ? 'done' : 'length';
  }

  startChunked(): void {
    this.state = 'chunkSize';
  }

  startUntilClose(): void {
    this.state = 'close';
  }

  /**
   * Decodes from `offset` and returns where it stopped: where the body ended, at `data.length`, or at the start
   * of an incomplete chunk line or trailer section the caller must keep and present again with more bytes.
   * Chunked data is moved in place over the framing before it, so the bytes of `data` before the returned
   * offset are consumed: the caller must not read them again (the bytes from it on are left as they were).
   */
  decode(data: Buffer, offset: number): number {
    this.source = data;
    try {
      const end = this.decodeFrom(data, offset);
      this.flushPack();
      return end;
    } finally {
      // Nothing of `data` is kept past the call; after a throw, the data of the broken body is dropped.
      this.dropPack();
    }
  }

  private decodeFrom(data: Buffer, offset: number): number {
    while (offset < data.length) {
      const state = this.state;
      if (state === 'chunkData') {
        const take = Math.min(this.remaining, data.length - offset);
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'chunkDataEnd';
        this.pack(data, offset, take);
        offset += take;
      } else if (state === 'length') {
        const take = Math.min(this.remaining, data.length - offset);
        this.remaining -= take;
        const end = this.remaining === 0;
        if (end) this.state = 'done';
        this.sink.onBody(data.subarray(offset, offset + take), end);
        offset += take;
        if (this.state === 'done') {
          this.sink.onBodyEnd([]);
          return offset;
        }
      } else if (state === 'close') {
        this.sink.onBody(data.subarray(offset), false);
        return data.length;
      } else if (state === 'chunkDataEnd') {
        if (data.length - offset < 2) return offset;
        if (data[offset] !== 13 || data[offset + 1] !== 10)
          throw new HttpParseError('chunk not ended by CRLF');
        offset += 2;
        this.state = 'chunkSize';
      } else if (state === 'chunkSize') {
        const next = this.plainChunkSize(data, offset);
        if (next !== -1) {
          offset = next;
          continue;
        }
        const end = data.indexOf(CRLF, offset);
        if (end === -1) return offset;
        if (end - offset > this.maxLine) throw new HttpParseError('chunk line too large');
        this.parseChunkSize(data.toString('latin1', offset, end));
        offset = end + 2;
      } else if (state === 'trailers') {
        if (data.length - offset < 2) return offset;
        if (data[offset] === 13 && data[offset + 1] === 10) {
          this.finish([]);
          return offset + 2;
        }
        const end = data.indexOf(CRLFCRLF, offset);
        if (end === -1) return offset;
        if (end - offset > this.maxLine) throw new HttpParseError('trailer section too large');
        const trailers = parseFieldLines(data.toString('latin1', offset, end));
        this.finish(trailers);
        return end + 4;
      } else {
        return offset;
      }
    }
    return offset;
  }

  /** Checks bytes a caller keeps for later: an incomplete line must stay short and must not hold a bare LF. */
  checkPending(rest: Buffer): void {
    if (rest.length > this.maxLine) throw new HttpParseError('chunk line or trailer section too large');
    if (this.state !== 'chunkDataEnd' && hasBareLf(rest)) throw new HttpParseError('bare LF');
  }

  /** The connection closed: ends a close-delimited body, or throws for a cut-off one. */
  end(): void {
    if (this.state === 'close') this.finish([]);
    else if (this.state !== 'done')
      throw new HttpParseError('connection closed before the body was complete');
  }

  /** Forgets a body in progress (its exchange was abandoned). */
  reset(): void {
    this.state = 'done';
    this.dropPack();
  }

  /**
   * Reads a chunk-size line that is hex digits and CRLF only, the line of nearly every chunk, from the bytes
   * themselves; returns where the chunk data starts, or -1 for the general parser (extensions, a line not yet
   * complete, or an invalid one) to decide.
   */
  private plainChunkSize(data: Buffer, offset: number): number {
    const limit = Math.min(data.length, offset + 13);
    let at = offset;
    let length = 0;
    for (; at < limit; at++) {
      const digit = hexValue(data[at]!);
      if (digit < 0) break;
      length = length * 16 + digit;
    }
    if (at === offset || at + 1 >= data.length || data[at] !== 13 || data[at + 1] !== 10) return -1;
    this.startChunk(length);
    return at + 2;
  }

  /** Appends `data[from, from + length)` to the packed chunk data, moving it down over the framing before it. */
  private pack(data: Buffer, from: number, length: number): void {
    if (this.packStart === -1) {
      this.packStart = from;
      this.packEnd = from;
    }
    const to = this.packEnd;
    // A native copy costs more than a loop for the few bytes of a tiny chunk.
    if (to !== from) {
      if (length < 32) for (let i = 0; i < length; i++) data[to + i] = data[from + i]!;
      else data.copyWithin(to, from, from + length);
    }
    this.packEnd = to + length;
  }

  /** Delivers the chunk data packed so far as one view of the buffer being decoded. */
  private flushPack(): void {
    const source = this.source;
    if (this.packStart === -1 || source === undefined) return;
    const chunk = source.subarray(this.packStart, this.packEnd);
    this.packStart = -1;
    this.sink.onBody(chunk, false);
  }

  private dropPack(): void {
    this.packStart = -1;
    this.source = undefined;
  }

  private parseChunkSize(line: string): void {
    const semicolon = line.indexOf(';');
    let sizeEnd = semicolon === -1 ? line.length : semicolon;
    // BWS before an extension is allowed (RFC 9112 §7.1.1); a size followed by blanks and nothing else is not.
    if (semicolon !== -1)
      while (sizeEnd > 0 && (line[sizeEnd - 1] === ' ' || line[sizeEnd - 1] === '\t')) sizeEnd--;
    if (sizeEnd === 0 || sizeEnd > 13) throw new HttpParseError('invalid chunk size');
    let length = 0;
    for (let i = 0; i < sizeEnd; i++) {
      const digit = hexValue(line.charCodeAt(i));
      if (digit < 0) throw new HttpParseError('invalid chunk size');
      length = length * 16 + digit;
    }
    if (semicolon !== -1 && !isFieldValue(line, semicolon, line.length))
      throw new HttpParseError('invalid chunk extension');
    this.startChunk(length);
  }

  private startChunk(length: number): void {
    if (length === 0) {
      this.state = 'trailers';
      return;
    }
    this.remaining = length;
    this.state = 'chunkData';
  }

  private finish(rawTrailers: string[]): void {
    this.state = 'done';
    this.flushPack();
    this.sink.onBodyEnd(rawTrailers);
  }
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}
