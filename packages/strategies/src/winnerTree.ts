import { winnerExcluding } from './winnerExcluding.js';

/**
 * A tournament tree over positions `0 … n-1`: every internal node holds the better of its children's winners,
 * so the overall winner is read in O(1) and a changed position is re-played in O(log n).
 *
 * `better(a, b)` must be a strict order that breaks every tie (by position, for instance): it answers whether
 * `a` should win over `b`.
 */
export class WinnerTree {
  readonly #better: (a: number, b: number) => boolean;
  #size = 1;
  #win = new Int32Array(2).fill(-1);

  constructor(better: (a: number, b: number) => boolean) {
    this.#better = better;
  }

  /** Rebuilds over `n` positions in O(n). */
  reset(n: number): void {
    let size = 1;
    while (size < n) size *= 2;
    this.#size = size;
    const win = new Int32Array(2 * size).fill(-1);
    for (let i = 0; i < n; i++) win[size + i] = i;
    this.#win = win;
    for (let node = size - 1; node >= 1; node--) this.#replay(node);
  }

  /** The winning position, or `-1` when empty. */
  get winner(): number {
    return this.#win[1]!;
  }

  /** Re-plays the matches above `position` after its key changed. */
  update(position: number): void {
    for (let node = (this.#size + position) >> 1; node >= 1; node >>= 1) this.#replay(node);
  }

  /** The best position not in `excluded` (sorted ascending), in O(k log n) for k exclusions. */
  winnerExcluding(excluded: readonly number[]): number {
    if (excluded.length === 0) return this.winner;
    return winnerExcluding(this.#win, this.#size, excluded, this.#better);
  }

  #replay(node: number): void {
    const win = this.#win;
    const left = win[2 * node]!;
    const right = win[2 * node + 1]!;
    win[node] = this.#pair(left, right);
  }

  #pair(left: number, right: number): number {
    if (left < 0) return right;
    if (right < 0) return left;
    return this.#better(right, left) ? right : left;
  }
}
