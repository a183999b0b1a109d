import { LbError } from '@lb/core';

/**
 * Upper bounds in seconds of the default latency buckets: 1 ms to 10 s, roughly ×2.5 per step, fine enough for
 * p50/p99 of HTTP traffic on loopback and across data centres alike.
 */
export const defaultLatencyBuckets: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * A fixed-bucket histogram in the Prometheus model. {@link Histogram.observe} allocates nothing: counts live in
 * a typed array with one slot per bound plus one for values above the last bound (`+Inf`).
 *
 * @example
 * ```ts
 * const h = new Histogram();
 * h.observe(0.012);
 * h.quantile(0.99); // ≈ 0.025, the estimate stays inside the bucket that holds the 99th percentile
 * ```
 */
export class Histogram {
  /** Upper bounds, ascending; the implicit last bucket is `+Inf`. */
  readonly bounds: Float64Array;
  /** Observations per bucket (not cumulative); index `bounds.length` is `+Inf`. */
  readonly counts: Float64Array;
  /** Sum of every observed value. */
  sum = 0;
  /** Number of observations. */
  count = 0;

  constructor(bounds: readonly number[] = defaultLatencyBuckets) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!))
        throw new LbError('LB_ERR_INVALID_OPTION', 'Histogram bounds must be strictly ascending');
    }
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value (seconds for latency). */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Adds another histogram with the same bounds into this one. */
  merge(other: Histogram): void {
    if (other.bounds.length !== this.bounds.length)
      throw new LbError('LB_ERR_INVALID_OPTION', 'Histogram bounds differ');
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.sum += other.sum;
    this.count += other.count;
  }

  /**
   * Estimates the `q` quantile (0–1) by linear interpolation inside the bucket that holds it, as Prometheus's
   * `histogram_quantile` does. Values in the `+Inf` bucket are reported as the last finite bound. `NaN` when
   * nothing was observed.
   */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.min(Math.max(q, 0), 1) * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i]!;
      if (seen + inBucket >= rank && inBucket > 0) {
        if (i === this.bounds.length) return this.bounds[i - 1] ?? 0;
        const lower = i === 0 ? 0 : this.bounds[i - 1]!;
        const upper = this.bounds[i]!;
        return lower + (upper - lower) * ((rank - seen) / inBucket);
      }
      seen += inBucket;
    }
    return this.bounds[this.bounds.length - 1] ?? 0;
  }
}
