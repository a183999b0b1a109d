import { assertKnownKeys, assertNumber, assertRange, fail } from '@lb/core/internal';

/** Option names every random strategy accepts (see `RandomOptions`). */
export const randomOptionKeys: readonly string[] = ['seed', 'random'];

/**
 * Checks a factory's options: an object, no unknown keys (typos get a suggestion), `panicThreshold` from 0 to 1,
 * and the random options when listed in `keys`.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION`.
 */
export function checkStrategyOptions(options: unknown, name: string, keys: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    fail('LB_ERR_INVALID_OPTION', name, 'options must be an object', options);
  }
  assertKnownKeys(options, new Set(['panicThreshold', ...keys]), `${name}()`);
  const { panicThreshold, seed, random } = options as Record<string, unknown>;
  if (panicThreshold !== undefined) assertRange(panicThreshold, 'panicThreshold', 0, 1);
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
    fail('LB_ERR_INVALID_OPTION', 'seed', 'must be a finite number', seed);
  }
  if (random !== undefined && typeof random !== 'function') {
    fail('LB_ERR_INVALID_OPTION', 'random', 'must be a function returning numbers in [0, 1)', random);
  }
}

/** Accepts `undefined` (giving `fallback`) or a finite number above 0. */
export function positiveOption(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  assertNumber(value, field, 0);
  if (value === 0) fail('LB_ERR_INVALID_OPTION', field, 'must be above 0', value);
  return value as number;
}
