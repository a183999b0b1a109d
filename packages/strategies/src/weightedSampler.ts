/**
 * Samples positions `0 … n-1` in proportion to their weights in O(log n) (prefix sums and a binary search), or
 * uniformly in O(1) when every weight is equal, optionally skipping a few excluded positions exactly: the
 * excluded weight is cut out of the range before sampling rather than by retrying.
 */
export class WeightedSampler {
  #n = 0;
  #uniform = true;
  #total = 0;
  #weights: Float64Array = new Float64Array(0);
  /** `#prefix[i]` is the sum of the weights of positions `0 … i`. */
  #prefix = new Float64Array(0);

  /** Rebuilds over `weights` (all above 0), in O(n). */
  reset(weights: Float64Array): void {
    const n = weights.length;
    const prefix = new Float64Array(n);
    let total = 0;
    let uniform = true;
    for (let i = 0; i < n; i++) {
      total += weights[i]!;
      prefix[i] = total;
      if (weights[i] !== weights[0]) uniform = false;
    }
    this.#n = n;
    this.#uniform = uniform;
    this.#total = total;
    this.#weights = weights;
    this.#prefix = prefix;
  }

  /** `true` when every weight is equal. */
  get uniform(): boolean {
    return this.#uniform;
  }

  /**
   * Maps `r` in `[0, 1)` to a position not in `excluded` (sorted ascending) and not `extra` (`-1` for none).
   * At least one position must remain.
   */
  sample(r: number, excluded: readonly number[], extra = -1): number {
    if (this.#uniform) return this.#sampleUniform(r, excluded, extra);
    if (excluded.length === 0 && extra < 0) return this.#search(r * this.#total);
    let removed = extra >= 0 ? this.#weights[extra]! : 0;
    for (const e of excluded) if (e !== extra) removed += this.#weights[e]!;
    let u = r * (this.#total - removed);
    // Walk the removed intervals left to right, pushing u past each one that starts at or before it.
    let k = 0;
    let extraDone = extra < 0;
    while (true) {
      const nextExcluded = k < excluded.length ? excluded[k]! : Number.POSITIVE_INFINITY;
      const next = !extraDone && extra < nextExcluded ? extra : nextExcluded;
      if (next === Number.POSITIVE_INFINITY) break;
      if (next === extra) extraDone = true;
      if (next === nextExcluded) k++;
      if (u < this.#prefix[next]! - this.#weights[next]!) break;
      u += this.#weights[next]!;
    }
    let position = this.#search(u);
    // Rounding can land u on a removed interval's edge; step to the nearest allowed neighbour.
    while (position < this.#n - 1 && this.#removed(position, excluded, extra)) position++;
    while (position > 0 && this.#removed(position, excluded, extra)) position--;
    return position;
  }

  #sampleUniform(r: number, excluded: readonly number[], extra: number): number {
    const removed = excluded.length + (extra >= 0 && !excluded.includes(extra) ? 1 : 0);
    let position = Math.min(Math.floor(r * (this.#n - removed)), this.#n - removed - 1);
    let k = 0;
    let extraDone = extra < 0;
    while (true) {
      const nextExcluded = k < excluded.length ? excluded[k]! : Number.POSITIVE_INFINITY;
      const next = !extraDone && extra <= nextExcluded ? extra : nextExcluded;
      if (next === Number.POSITIVE_INFINITY || position < next) break;
      if (next === extra) extraDone = true;
      if (next === nextExcluded) k++;
      position++;
    }
    return position;
  }

  #search(u: number): number {
    const prefix = this.#prefix;
    let lo = 0;
    let hi = this.#n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (prefix[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #removed(position: number, excluded: readonly number[], extra: number): boolean {
    return position === extra || excluded.includes(position);
  }
}
