import type { ErrorCode } from './errorCodes.js';
import { ConfigError } from './lbError.js';

/**
 * Small assertion helpers shared by every config check. Each throws a {@link ConfigError} whose message names the
 * field, shows the bad value and says what would be accepted.
 */

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws a {@link ConfigError} for `field` with a consistent "got …" suffix. */
export function fail(code: ErrorCode, field: string, expectation: string, value: unknown): never {
  throw new ConfigError(code, field, `${field} ${expectation} (got ${show(value)}).`);
}

/** Accepts an integer TCP port; `allowZero` lets the OS choose one. */
export function assertPort(value: unknown, field: string, allowZero = false): number {
  const min = allowZero ? 0 : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65535) {
    const hint = allowZero ? ', or 0 to let the system choose a free one' : '';
    fail('LB_ERR_INVALID_PORT', field, `must be an integer port from ${min} to 65535${hint}`, value);
  }
  return value;
}

/** Accepts a finite number at or above `min`. */
export function assertNumber(
  value: unknown,
  field: string,
  min = 0,
  code: ErrorCode = 'LB_ERR_INVALID_OPTION',
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(code, field, `must be a finite number of at least ${min}`, value);
  }
  return value;
}

/** Accepts an integer at or above `min`. */
export function assertInteger(
  value: unknown,
  field: string,
  min = 0,
  code: ErrorCode = 'LB_ERR_INVALID_OPTION',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(code, field, `must be an integer of at least ${min}`, value);
  }
  return value;
}

/** Accepts a number in the closed range [`min`, `max`]. */
export function assertRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail('LB_ERR_INVALID_OPTION', field, `must be a number from ${min} to ${max}`, value);
  }
  return value;
}

/** Accepts a non-empty string. */
export function assertString(
  value: unknown,
  field: string,
  code: ErrorCode = 'LB_ERR_INVALID_OPTION',
): string {
  if (typeof value !== 'string' || value.length === 0) fail(code, field, 'must be a non-empty string', value);
  return value;
}

/** Accepts a boolean. */
export function assertBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail('LB_ERR_INVALID_OPTION', field, 'must be true or false', value);
  return value;
}

/** Accepts one of `choices`. */
export function assertOneOf<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    fail('LB_ERR_INVALID_OPTION', field, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const substitution = diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1);
      row[j] = Math.min(above + 1, row[j - 1]! + 1, substitution);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * Rejects keys that no option has, suggesting the closest known one, so a typo such as `loadBalancerport` does
 * not silently fall back to a default.
 */
export function assertKnownKeys(options: object, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    let best: string | undefined;
    let bestDistance = 4;
    for (const candidate of known) {
      const distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    const hint = best ? ` Did you mean '${best}'?` : ` Known options: ${[...known].sort().join(', ')}.`;
    throw new ConfigError('LB_ERR_INVALID_OPTION', key, `${where} has no option '${key}'.${hint}`);
  }
}
