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
export { mulberry32, type RandomOptions, type RandomSource, resolveRandom } from './rng.js';
