/**
 * Pure load-balancing algorithms. Every factory returns a `Strategy` from `@lb/core` that any proxy can drive.
 *
 * @module
 */
export {
  BackendTable,
  type BackendTableOptions,
  type EligibleSet,
} from './backendTable.js';
export { createStrategy, type StrategyOptionsByName } from './createStrategy.js';
export { type FirstOptions, first } from './first.js';
export { hashKey, xxHash32 } from './hash.js';
export { type LeastConnectionsOptions, leastConnections } from './leastConnections.js';
export { defaultMaglevTableSize, type MaglevOptions, maglev } from './maglev.js';
export { type PeakEwmaOptions, peakEwma } from './peakEwma.js';
export { type PowerOfTwoChoicesOptions, powerOfTwoChoices } from './powerOfTwoChoices.js';
export { type RandomStrategyOptions, random } from './random.js';
export { type RingHashOptions, ringHash } from './ringHash.js';
export { mulberry32, type RandomOptions, type RandomSource } from './rng.js';
export { type RoundRobinOptions, roundRobin } from './roundRobin.js';
export { cookieValue, resolveStickyKey, type StickyKey } from './stickyKey.js';
export { type WeightedRoundRobinOptions, weightedRoundRobin } from './weightedRoundRobin.js';
