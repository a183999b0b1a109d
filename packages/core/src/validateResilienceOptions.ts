import type {
  HealthCheckOptions,
  OutlierDetectionOptions,
  RetryOptions,
  SlowStartOptions,
} from './resilienceOptions.js';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  assertRange,
  assertString,
  fail,
} from './validate.js';

/** {@link HealthCheckOptions} with every default filled in. */
export type ResolvedHealthCheckOptions = Readonly<Required<HealthCheckOptions>>;
/** {@link OutlierDetectionOptions} with every default filled in. */
export type ResolvedOutlierDetectionOptions = Readonly<Required<OutlierDetectionOptions>>;
/** {@link SlowStartOptions} with every default filled in. */
export type ResolvedSlowStartOptions = Readonly<Required<SlowStartOptions>>;
/** {@link RetryOptions} with every default filled in. */
export type ResolvedRetryOptions = Readonly<Required<RetryOptions>>;

/** The resilience fields of `LoadBalancerOptions` as given by the user. */
export interface ResilienceOptionsInput {
  healthCheck?: HealthCheckOptions | undefined;
  outlierDetection?: OutlierDetectionOptions | false | undefined;
  slowStart?: SlowStartOptions | undefined;
  retries?: RetryOptions | false | undefined;
}

/** The resilience fields after {@link validateResilienceOptions}: defaults applied, `undefined` where off. */
export interface ResolvedResilienceOptions {
  /** `undefined`: no active health checks (the default). */
  readonly healthCheck: ResolvedHealthCheckOptions | undefined;
  /** `undefined`: outlier detection turned off with `false`. On by default. */
  readonly outlierDetection: ResolvedOutlierDetectionOptions | undefined;
  /** `undefined`: no slow start (unset, or `window: 0`). */
  readonly slowStart: ResolvedSlowStartOptions | undefined;
  /** `undefined`: retries turned off with `false` or `attempts: 0`. On by default. */
  readonly retries: ResolvedRetryOptions | undefined;
}

const healthCheckDefaults: ResolvedHealthCheckOptions = {
  type: 'http',
  service: '',
  path: '/',
  interval: 2000,
  timeout: 1000,
  rise: 2,
  fall: 3,
  jitter: 0.1,
};
const outlierDefaults: ResolvedOutlierDetectionOptions = {
  consecutiveFailures: 5,
  countServerErrors: false,
  baseEjectionTime: 30_000,
  maxEjectionTime: 300_000,
  maxEjectionPercent: 0.5,
};
const slowStartDefaults: ResolvedSlowStartOptions = { window: 0, minWeightPercent: 0.1, aggression: 1 };
const retryDefaults: ResolvedRetryOptions = {
  attempts: 2,
  budgetPercent: 0.2,
  minRetryConcurrency: 3,
  retryLostConnections: true,
};

function checkObject(value: unknown, field: string, known: object): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('LB_ERR_INVALID_OPTION', field, 'must be an options object', value);
  }
  assertKnownKeys(value, new Set(Object.keys(known)), field);
}

/** Validates `healthCheck` and fills in its defaults. */
export function resolveHealthCheckOptions(options: HealthCheckOptions): ResolvedHealthCheckOptions {
  checkObject(options, 'healthCheck', healthCheckDefaults);
  const o = { ...healthCheckDefaults, ...stripUndefined(options) };
  assertOneOf(o.type, 'healthCheck.type', ['http', 'tcp', 'grpc']);
  if (typeof o.service !== 'string')
    fail('LB_ERR_INVALID_OPTION', 'healthCheck.service', 'must be a string', o.service);
  if (options.service !== undefined && o.type !== 'grpc') {
    fail('LB_ERR_INVALID_OPTION', 'healthCheck.service', "only applies to type 'grpc'", o.service);
  }
  if (!assertString(o.path, 'healthCheck.path').startsWith('/')) {
    fail('LB_ERR_INVALID_OPTION', 'healthCheck.path', "must start with '/'", o.path);
  }
  assertNumber(o.interval, 'healthCheck.interval', 1);
  assertNumber(o.timeout, 'healthCheck.timeout', 1);
  assertInteger(o.rise, 'healthCheck.rise', 1);
  assertInteger(o.fall, 'healthCheck.fall', 1);
  assertRange(o.jitter, 'healthCheck.jitter', 0, 1);
  return Object.freeze(o);
}

/** Validates `outlierDetection` and fills in its defaults. */
export function resolveOutlierDetectionOptions(
  options: OutlierDetectionOptions,
): ResolvedOutlierDetectionOptions {
  checkObject(options, 'outlierDetection', outlierDefaults);
  const o = { ...outlierDefaults, ...stripUndefined(options) };
  assertInteger(o.consecutiveFailures, 'outlierDetection.consecutiveFailures', 1);
  assertBoolean(o.countServerErrors, 'outlierDetection.countServerErrors');
  assertNumber(o.baseEjectionTime, 'outlierDetection.baseEjectionTime', 1);
  assertNumber(o.maxEjectionTime, 'outlierDetection.maxEjectionTime', o.baseEjectionTime);
  assertRange(o.maxEjectionPercent, 'outlierDetection.maxEjectionPercent', 0, 1);
  return Object.freeze(o);
}

/** Validates `slowStart` and fills in its defaults. */
export function resolveSlowStartOptions(options: SlowStartOptions): ResolvedSlowStartOptions {
  checkObject(options, 'slowStart', slowStartDefaults);
  const o = { ...slowStartDefaults, ...stripUndefined(options) };
  assertNumber(o.window, 'slowStart.window', 0);
  assertRange(o.minWeightPercent, 'slowStart.minWeightPercent', 0, 1);
  if (typeof o.aggression !== 'number' || !Number.isFinite(o.aggression) || o.aggression <= 0) {
    fail(
      'LB_ERR_INVALID_OPTION',
      'slowStart.aggression',
      'must be a finite number greater than 0',
      o.aggression,
    );
  }
  return Object.freeze(o);
}

/** Validates `retries` and fills in its defaults. */
export function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  checkObject(options, 'retries', retryDefaults);
  const o = { ...retryDefaults, ...stripUndefined(options) };
  assertInteger(o.attempts, 'retries.attempts', 0);
  assertRange(o.budgetPercent, 'retries.budgetPercent', 0, 1);
  assertInteger(o.minRetryConcurrency, 'retries.minRetryConcurrency', 0);
  assertBoolean(o.retryLostConnections, 'retries.retryLostConnections');
  return Object.freeze(o);
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Validates the resilience options of a load balancer (`healthCheck`, `outlierDetection`, `slowStart`,
 * `retries`) and returns them with every default applied, `undefined` for a feature that is off. The load
 * balancer's options validation calls it; the HTTP and TCP balancers read the result.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` naming the nested field, such as `healthCheck.rise`, including
 * unknown nested keys (with a suggestion for typos).
 *
 * @example
 * ```ts
 * const { healthCheck, outlierDetection } = validateResilienceOptions({ healthCheck: { path: '/health' } });
 * healthCheck?.interval; // 2000
 * outlierDetection?.consecutiveFailures; // 5: on by default
 * ```
 */
export function validateResilienceOptions(options: ResilienceOptionsInput): ResolvedResilienceOptions {
  const { healthCheck, outlierDetection, slowStart, retries } = options;
  const resolvedSlowStart = slowStart === undefined ? undefined : resolveSlowStartOptions(slowStart);
  const resolvedRetries = retries === false ? undefined : resolveRetryOptions(retries ?? {});
  return {
    healthCheck: healthCheck === undefined ? undefined : resolveHealthCheckOptions(healthCheck),
    outlierDetection:
      outlierDetection === false ? undefined : resolveOutlierDetectionOptions(outlierDetection ?? {}),
    slowStart: resolvedSlowStart && resolvedSlowStart.window > 0 ? resolvedSlowStart : undefined,
    retries: resolvedRetries && resolvedRetries.attempts > 0 ? resolvedRetries : undefined,
  };
}
