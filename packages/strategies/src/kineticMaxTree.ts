import { winnerExcluding } from './winnerExcluding.js';

/**
 * A kinetic tournament over lines `value(i, t) = intercept[i] + slope[i]·t` as the integer time `t` advances
 * one step at a time. It answers "which line is highest now (ties to the lowest index)?" in O(1) after
 * {@link KineticMaxTree.step}, and takes O(log n) to move one line's intercept.
 *
 * Each match in the tree keeps a certificate: the first future time its loser overtakes its winner (lines cross
 * at most once). Each node also keeps the earliest certificate in its subtree, so a step only re-plays the paths
 * down to matches that expire. Values are exact for integer slopes and intercepts below 2^53, which is what
 * smooth weighted round robin needs to match nginx step for step.
 */
export class KineticMaxTree {
  #n = 0;
  #size = 1;
  #time = 0;
  #slope: Float64Array = new Float64Array(0);
  #intercept = new Float64Array(0);
  #win = new Int32Array(2).fill(-1);
  #next = new Float64Array(2).fill(Number.POSITIVE_INFINITY);

  /** Starts over at time 0 with every intercept 0 and the given slopes, in O(n). */
  reset(slopes: Float64Array): void {
    const n = slopes.length;
    let size = 1;
    while (size < n) size *= 2;
    this.#n = n;
    this.#size = size;
    this.#time = 0;
    this.#slope = slopes;
    this.#intercept = new Float64Array(n);
    this.#win = new Int32Array(2 * size).fill(-1);
    this.#next = new Float64Array(2 * size).fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) this.#win[size + i] = i;
    this.#replayAll();
  }

  /** The current time. */
  get time(): number {
    return this.#time;
  }

  /** Number of lines. */
  get length(): number {
    return this.#n;
  }

  /** The value of line `i` now. */
  value(i: number): number {
    return this.#intercept[i]! + this.#slope[i]! * this.#time;
  }

  /** Advances time by one and re-plays the matches whose certificates expired. */
  step(): void {
    this.#time++;
    if (this.#next[1]! <= this.#time) this.#advance(1);
  }

  /** The highest line now (lowest index on ties), or `-1` when there are none. */
  get winner(): number {
    return this.#win[1]!;
  }

  /** The highest line now among those not in `excluded` (sorted ascending), in O(k log n). */
  winnerExcluding(excluded: readonly number[]): number {
    if (excluded.length === 0) return this.winner;
    return winnerExcluding(this.#win, this.#size, excluded, (a, b) => this.#beats(a, b, this.#time));
  }

  /** Moves line `i` up or down by `delta` and re-plays its path, in O(log n). */
  shift(i: number, delta: number): void {
    this.#intercept[i]! += delta;
    for (let node = (this.#size + i) >> 1; node >= 1; node >>= 1) this.#replay(node);
  }

  /**
   * Folds the elapsed time into the intercepts and restarts the clock at 0, keeping every value. Call it now
   * and then (O(n)) so `slope·t` stays far below 2^53.
   */
  rebase(): void {
    const t = this.#time;
    for (let i = 0; i < this.#n; i++) this.#intercept[i]! += this.#slope[i]! * t;
    this.#time = 0;
    this.#replayAll();
  }

  #replayAll(): void {
    for (let node = this.#size - 1; node >= 1; node--) this.#replay(node);
  }

  #advance(node: number): void {
    if (this.#next[node]! > this.#time || node >= this.#size) return;
    this.#advance(2 * node);
    this.#advance(2 * node + 1);
    this.#replay(node);
  }

  #beats(a: number, b: number, t: number): boolean {
    return this.#intercept[a]! + this.#slope[a]! * t > this.#intercept[b]! + this.#slope[b]! * t;
  }

  #replay(node: number): void {
    const left = this.#win[2 * node]!;
    const right = this.#win[2 * node + 1]!;
    const t = this.#time;
    let winner = left;
    let cert = Number.POSITIVE_INFINITY;
    if (left < 0) winner = right;
    else if (right >= 0) {
      const slope = this.#slope;
      const intercept = this.#intercept;
      if (this.#beats(right, left, t)) {
        winner = right;
        // The left line wins ties, so it retakes the lead at the first t' with value(left) >= value(right).
        if (slope[left]! > slope[right]!) {
          const q = (intercept[right]! - intercept[left]!) / (slope[left]! - slope[right]!);
          cert = Math.max(t + 1, Math.ceil(q));
          if (cert - 1 > t && !this.#beats(right, left, cert - 1)) cert--;
        }
      } else if (slope[right]! > slope[left]!) {
        // The right line needs value(right) > value(left) strictly to take the lead.
        const q = (intercept[left]! - intercept[right]!) / (slope[right]! - slope[left]!);
        cert = Math.max(t + 1, Math.floor(q) + 1);
        if (cert - 1 > t && this.#beats(right, left, cert - 1)) cert--;
      }
    }
    this.#win[node] = winner;
    this.#next[node] = Math.min(cert, this.#next[2 * node]!, this.#next[2 * node + 1]!);
  }
}
