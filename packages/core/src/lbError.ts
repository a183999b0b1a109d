import type { ErrorCode } from './errorCodes.js';

const brand = Symbol.for('@lb/core.LbError');

/** Options accepted by every {@link LbError}. */
export interface LbErrorOptions {
  /** The underlying error, kept for diagnosis. */
  cause?: unknown;
}

/**
 * The base class of every error an `@lb/*` package throws. Match on {@link LbError.code}: codes are stable,
 * messages may improve.
 *
 * `instanceof LbError` works even when two copies of `@lb/core` are installed, because the check uses a
 * global symbol rather than the class identity.
 *
 * @example
 * ```ts
 * try {
 *   new ClusterConfig({ basePort: 70000 });
 * } catch (err) {
 *   if (err instanceof LbError && err.code === 'LB_ERR_INVALID_PORT') console.error(err.message);
 * }
 * ```
 */
export class LbError extends Error {
  /** A stable, machine-readable identifier such as `LB_ERR_INVALID_PORT`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: LbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== LbError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && brand in value;
  }
}

/**
 * Thrown when a configuration value is invalid. {@link ConfigError.field} names the offending option and the
 * message says what to change.
 */
export class ConfigError extends LbError {
  /** The option path at fault, such as `loadBalancerPort` or `backends[2].weight`. */
  readonly field: string;

  constructor(code: ErrorCode, field: string, message: string, options: LbErrorOptions = {}) {
    super(code, message, options);
    this.field = field;
  }
}

/** Thrown when no backend can take a request: all are down, draining or ejected. */
export class NoHealthyBackendError extends LbError {
  constructor(message = 'No healthy backend is available', options: LbErrorOptions = {}) {
    super('LB_ERR_NO_HEALTHY_BACKEND', message, options);
  }
}
