/** Shortest refresh: a TTL of 0 (Consul's default) must not turn into a busy loop. */
const minRefreshMs = 1_000;
/** Longest refresh: a day-long TTL must not hide a change for a day. */
const maxRefreshMs = 30_000;

/**
 * Milliseconds until the next lookup for records of `ttlSeconds`: the TTL clamped to [1 s, 30 s], then
 * shortened by up to a fifth at random, so many balancers that started together do not query in lockstep and
 * none holds an answer past its TTL. `random` is a number in [0, 1).
 */
export function ttlRefreshDelay(ttlSeconds: number, random: number): number {
  const clamped = Math.min(maxRefreshMs, Math.max(minRefreshMs, ttlSeconds * 1000));
  return Math.round(clamped * (1 - 0.2 * random));
}

/**
 * Milliseconds before retrying after `failures` failed lookups in a row (1 for the first): 1 s doubling up to
 * 30 s, each time between half and all of it, so a resolver that recovers is not met by every client at once.
 */
export function retryDelay(failures: number, random: number): number {
  const ceiling = Math.min(maxRefreshMs, minRefreshMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random));
}
