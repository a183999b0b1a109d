/**
 * The names of the built-in strategies, so `LoadBalancingStrategy.roundRobin` reads as in the Dart original.
 * Each value is also the name of the factory exported by `@lb/strategies`.
 *
 * @example
 * ```ts
 * new ClusterConfig({ basePort: 8080, strategy: LoadBalancingStrategy.leastConnections });
 * ```
 */
export const LoadBalancingStrategy = {
  /** Even rotation. */
  roundRobin: 'roundRobin',
  /** nginx's smooth weighted round robin. */
  weightedRoundRobin: 'weightedRoundRobin',
  /** Fewest in-flight requests per unit of weight. */
  leastConnections: 'leastConnections',
  /** Uniform, or weighted when weights differ. */
  random: 'random',
  /** Sample two backends, take the less loaded. */
  powerOfTwoChoices: 'powerOfTwoChoices',
  /** Latency-aware: peak-sensitive moving average of response time times load. */
  peakEwma: 'peakEwma',
  /** Consistent hashing on a ring, optionally with bounded load. */
  ringHash: 'ringHash',
  /** Maglev consistent hashing with a prime-sized lookup table. */
  maglev: 'maglev',
  /** Fill the lowest-id backend up to its `maxConnections`, then the next. */
  first: 'first',
} as const;

/** The name of a built-in strategy. */
export type LoadBalancingStrategyName = (typeof LoadBalancingStrategy)[keyof typeof LoadBalancingStrategy];

const names: ReadonlySet<string> = new Set(Object.values(LoadBalancingStrategy));

/** Tells whether `value` names a built-in strategy. */
export function isLoadBalancingStrategyName(value: unknown): value is LoadBalancingStrategyName {
  return typeof value === 'string' && names.has(value);
}
