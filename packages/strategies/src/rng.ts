/** A source of random floats in `[0, 1)`, such as `Math.random`. */
export type RandomSource = () => number;

/** Options of every strategy that draws random numbers. */
export interface RandomOptions {
  /**
   * Seeds the built-in PRNG ({@link mulberry32}) so runs repeat exactly; ignored when `random` is given.
   * @default a seed drawn from `Math.random()`
   */
  readonly seed?: number;
  /** A random source of your own, returning floats in `[0, 1)`. Takes precedence over `seed`. */
  readonly random?: RandomSource;
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG, good enough to spread load (not for cryptography). The same seed gives
 * the same sequence on every platform.
 *
 * @example
 * ```ts
 * const next = mulberry32(42);
 * next(); // a float in [0, 1), the same on every run
 * ```
 */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves {@link RandomOptions} to a random source: `random`, else mulberry32 seeded by `seed` or at random. */
export function resolveRandom(options: RandomOptions = {}): RandomSource {
  if (typeof options.random === 'function') return options.random;
  const seed = options.seed ?? Math.floor(Math.random() * 4294967296);
  return mulberry32(seed);
}
