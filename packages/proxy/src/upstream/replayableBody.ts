/**
 * The request body bytes an HTTP/2 exchange has sent, kept until the backend shows it processed the request (its
 * response head), so a stream the backend refused or dropped under GOAWAY can be sent again on another session.
 * Bounded: past `limit` bytes nothing is kept and the body can no longer be replayed.
 */
export class ReplayableBody {
  private chunks: Buffer[] | undefined = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Keeps `chunk` (a reference: request body chunks come from the client socket, never a reused buffer). */
  keep(chunk: Buffer): void {
    if (this.chunks === undefined) return;
    this.size += chunk.length;
    if (this.size > this.limit) this.chunks = undefined;
    else this.chunks.push(chunk);
  }

  /**
   * Keeps `chunk` past the limit, while no stream can take it: the caller stops writing once over the limit,
   * so this holds at most one chunk more. Nothing is held once released.
   */
  hold(chunk: Buffer): void {
    if (this.chunks === undefined) return;
    this.size += chunk.length;
    this.chunks.push(chunk);
  }

  /** Whether every byte written so far is kept. */
  get replayable(): boolean {
    return this.chunks !== undefined;
  }

  /** The kept bytes, in order; empty once released or over the limit. */
  get kept(): readonly Buffer[] {
    return this.chunks ?? [];
  }

  /** Bytes written so far (kept or not). */
  get bytes(): number {
    return this.size;
  }

  /** Stops keeping: the backend has the request, it will never be replayed. */
  release(): void {
    this.chunks = undefined;
  }
}
