/**
 * The request body bytes an HTTP/2 exchange has sent, kept until the backend shows it processed the request (its
 * response head), so a stream the backend refused or dropped under GOAWAY can be sent again on another session.
 * Bounded: past `limit` bytes nothing is kept and the body can no longer be replayed.
 */
export class ReplayableBody {
  /** The first chunk kept, and the others: a unary call's body is one chunk, kept without an array. */
  private first: Buffer | undefined = undefined;
  private others: Buffer[] | undefined = undefined;
  /** Past the limit or released: nothing is kept any more. */
  private dropped = false;
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Keeps `chunk` (a reference: request body chunks come from the client socket, never a reused buffer). */
  keep(chunk: Buffer): void {
    if (this.dropped) return;
    this.size += chunk.length;
    if (this.size > this.limit) this.release();
    else this.add(chunk);
  }

  /**
   * Keeps `chunk` past the limit, while no stream can take it: the caller stops writing once over the limit,
   * so this holds at most one chunk more. Nothing is held once released.
   */
  hold(chunk: Buffer): void {
    if (this.dropped) return;
    this.size += chunk.length;
    this.add(chunk);
  }

  /** Whether every byte written so far is kept. */
  get replayable(): boolean {
    return !this.dropped;
  }

  /** The kept bytes, in order; empty once released or over the limit. */
  get kept(): readonly Buffer[] {
    if (this.first === undefined) return noChunks;
    return this.others === undefined ? [this.first] : [this.first, ...this.others];
  }

  /** Bytes written so far (kept or not). */
  get bytes(): number {
    return this.size;
  }

  /** Stops keeping: the backend has the request, it will never be replayed. */
  release(): void {
    this.dropped = true;
    this.first = undefined;
    this.others = undefined;
  }

  private add(chunk: Buffer): void {
    if (this.first === undefined) this.first = chunk;
    else if (this.others === undefined) this.others = [chunk];
    else this.others.push(chunk);
  }
}

const noChunks: readonly Buffer[] = [];
