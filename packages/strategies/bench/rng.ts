import { mulberry32 } from '../src/rng.js';

/** A seeded source of uniform numbers in [0, 1), so every simulation run can be replayed exactly. */
export type Random = () => number;

/** The package's own mulberry32: equal seeds give equal sequences on every platform, so runs replay exactly. */
export const seededRandom: (seed: number) => Random = mulberry32;

/** An exponential draw with the given mean (inverse transform; `1 - u` keeps the logarithm finite). */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** A standard normal draw (Box–Muller; the second value is dropped to keep the stream stateless). */
function standardNormal(random: Random): number {
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
