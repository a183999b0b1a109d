import type { Writable } from 'node:stream';

/** The buffer whose bytes are being parsed right now, if any. */
let parsing: ReusableReadBuffer | undefined;

/**
 * A read buffer reused across the reads of one upstream connection (through `net.connect`'s `onread`), so a
 * read allocates nothing. Bytes handed out of it are views that the next read overwrites; a writer that may
 * hold one past the current read (a socket's write queue does) calls {@link keepIfReused} first, and the next
 * read then gets a fresh buffer.
 */
export class ReusableReadBuffer {
  private buffer: Buffer;
  private kept = false;

  constructor(private readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** The buffer for the next read: the same one, unless bytes of it were kept. */
  next(): Buffer {
    if (this.kept) {
      this.kept = false;
      this.buffer = Buffer.allocUnsafe(this.size);
    }
    return this.buffer;
  }

  /** Runs `parse` on the first `length` bytes of the buffer. */
  parse(length: number, parse: (data: Buffer) => void): void {
    const previous = parsing;
    parsing = this;
    try {
      parse(this.buffer.subarray(0, length));
    } finally {
      parsing = previous;
    }
  }

  /** @internal */
  markKept(chunk: Uint8Array): void {
    if (chunk.buffer === this.buffer.buffer) this.kept = true;
  }
}

/**
 * Notes that `chunk` is held past the current read when `socket` queued it rather than writing it through: a
 * write that completed at once left nothing queued, so the read buffer may be reused.
 */
export function keepIfQueued(socket: Writable, chunk: Uint8Array): void {
  if (socket.writableLength > 0) parsing?.markKept(chunk);
}
