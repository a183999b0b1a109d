/** A seeded source of uniform numbers in [0, 1), so every simulation run can be replayed exactly. */
export type Random = () => number;

/**
 * mulberry32: 32 bits of state, fast, and good enough for queueing simulation; not for cryptography.
 * Equal seeds give equal sequences on every platform because it only uses 32-bit integer arithmetic.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential draw with the given mean (inverse transform; `1 - u` keeps the logarithm finite). */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** A standard normal draw (Box–Muller; the second value is dropped to keep the stream stateless). */
export function standardNormal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A lognormal draw with the given mean and shape `sigma`. The location is chosen so the mean, not the median,
 * equals `mean`: that keeps the offered load the same whatever `sigma` is.
 */
export function lognormal(random: Random, mean: number, sigma: number): number {
  const mu = Math.log(mean) - (sigma * sigma) / 2;
  return Math.exp(mu + sigma * standardNormal(random));
}
