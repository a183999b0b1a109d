/**
 * Cuts a byte stream into whole lines, so two workers writing at once never interleave half lines. Bytes after
 * the last newline wait for the next chunk; a line longer than `maxLineLength` is emitted in pieces rather than
 * buffered without bound. Multi-byte characters split across chunks are kept intact.
 *
 * @example
 * ```ts
 * const split = new LineSplitter();
 * split.push(Buffer.from('a\nb')); // ['a']
 * split.push(Buffer.from('c\n'));  // ['bc']
 * ```
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(private readonly maxLineLength = 64 * 1024) {}

  /** Adds a chunk and returns the lines it completed, without their `\n` (or `\r\n`). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      lines.push(this.take(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLength += chunk.length - start;
      while (this.pendingLength >= this.maxLineLength) lines.push(this.takeLongPiece());
    }
    return lines;
  }

  /** Returns what is left after the last newline, if anything, as a final line. */
  flush(): string[] {
    return this.pendingLength === 0 ? [] : [this.take(Buffer.alloc(0))];
  }

  private take(tail: Buffer): string {
    const whole = this.pendingLength === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingLength = 0;
    const end = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
    return whole.toString('utf8', 0, end);
  }

  private takeLongPiece(): string {
    const whole = Buffer.concat(this.pending);
    let cut = this.maxLineLength;
    // Step back over UTF-8 continuation bytes so a character is never split in two.
    while (cut > 0 && ((whole[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
    if (cut === 0) cut = this.maxLineLength;
    const rest = whole.subarray(cut);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    return whole.toString('utf8', 0, cut);
  }
}
