/** Milliseconds with three significant digits, switching to seconds from 1,000 ms. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  return `${Number(ms.toPrecision(3))} ms`;
}

/** A share as a percentage with one decimal. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/**
 * Whether a backend got more work than it can do. The 5 % margin absorbs an edge effect: work sent just before
 * the last arrival counts in full although the run's span ends there, so a backend held exactly at capacity
 * (as `first` holds its first backend) can read slightly above 1.
 */
export function overloaded(utilisation: number): boolean {
  return utilisation > 1.05;
}
