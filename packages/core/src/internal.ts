/**
 * Internal: the config checks the `@lb/*` packages share (`@lb/core/internal`). Not public API: it is not
 * documented for users and may change in any release without notice. The packages version together (one fixed
 * changeset group), so a package always finds the helpers it was built with.
 *
 * @internal
 * @module
 */
export { loadBalancerOptionKeys } from './loadBalancerOptions.js';
export {
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  assertPort,
  assertRange,
  assertString,
  fail,
} from './validate.js';
export { validateBackends } from './validateBackends.js';
export { validateResilienceOptions } from './validateResilienceOptions.js';
export { validateStrategyOption } from './validateStrategyOption.js';
