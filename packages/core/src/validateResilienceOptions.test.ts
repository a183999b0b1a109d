import { describe, expect, it } from 'vitest';
import { ConfigError } from './lbError.js';
import { type ResilienceOptionsInput, validateResilienceOptions } from './validateResilienceOptions.js';

function errorOf(options: ResilienceOptionsInput): ConfigError {
  try {
    validateResilienceOptions(options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected validateResilienceOptions to throw');
}

describe('validateResilienceOptions', () => {
  it('turns on outlier detection and retries by default, leaves health checks and slow start off', () => {
    const resolved = validateResilienceOptions({});
    expect(resolved.healthCheck).toBeUndefined();
    expect(resolved.slowStart).toBeUndefined();
    expect(resolved.outlierDetection).toEqual({
      consecutiveFailures: 5,
      countServerErrors: false,
      baseEjectionTime: 30_000,
      maxEjectionTime: 300_000,
      maxEjectionPercent: 0.5,
    });
    expect(resolved.retries).toEqual({
      attempts: 2,
      budgetPercent: 0.2,
      minRetryConcurrency: 3,
      retryLostConnections: true,
    });
  });

  it('fills health check defaults around the given fields', () => {
    const { healthCheck } = validateResilienceOptions({ healthCheck: { path: '/health', rise: 1 } });
    expect(healthCheck).toEqual({
      type: 'http',
      service: '',
      path: '/health',
      interval: 2000,
      timeout: 1000,
      rise: 1,
      fall: 3,
      jitter: 0.1,
    });
    expect(Object.isFrozen(healthCheck)).toBe(true);
  });

  it('turns features off with false or a zero setting', () => {
    const resolved = validateResilienceOptions({
      outlierDetection: false,
      retries: { attempts: 0 },
      slowStart: { window: 0 },
    });
    expect(resolved.outlierDetection).toBeUndefined();
    expect(resolved.retries).toBeUndefined();
    expect(resolved.slowStart).toBeUndefined();
    expect(validateResilienceOptions({ retries: false }).retries).toBeUndefined();
    expect(validateResilienceOptions({ slowStart: { window: 5000 } }).slowStart).toEqual({
      window: 5000,
      minWeightPercent: 0.1,
      aggression: 1,
    });
  });

  it.each([
    [{ healthCheck: { rise: 0 } }, 'healthCheck.rise'],
    [{ healthCheck: { fall: 1.5 } }, 'healthCheck.fall'],
    [{ healthCheck: { type: 'udp' as 'tcp' } }, 'healthCheck.type'],
    [{ healthCheck: { path: 'health' } }, 'healthCheck.path'],
    [{ healthCheck: { interval: 0 } }, 'healthCheck.interval'],
    [{ healthCheck: { jitter: 2 } }, 'healthCheck.jitter'],
    [{ outlierDetection: { consecutiveFailures: 0 } }, 'outlierDetection.consecutiveFailures'],
    [
      { outlierDetection: { baseEjectionTime: 1000, maxEjectionTime: 500 } },
      'outlierDetection.maxEjectionTime',
    ],
    [{ outlierDetection: { maxEjectionPercent: 1.5 } }, 'outlierDetection.maxEjectionPercent'],
    [
      { outlierDetection: { countServerErrors: 'yes' as unknown as boolean } },
      'outlierDetection.countServerErrors',
    ],
    [{ slowStart: { window: -1 } }, 'slowStart.window'],
    [{ slowStart: { window: 10, aggression: 0 } }, 'slowStart.aggression'],
    [{ retries: { attempts: -1 } }, 'retries.attempts'],
    [{ retries: { budgetPercent: 2 } }, 'retries.budgetPercent'],
    [{ retries: { retryLostConnections: 'yes' as unknown as boolean } }, 'retries.retryLostConnections'],
    [{ retries: 3 as unknown as false }, 'retries'],
  ] satisfies [ResilienceOptionsInput, string][])('rejects %j naming %s', (options, field) => {
    const err = errorOf(options);
    expect(err.code).toBe('LB_ERR_INVALID_OPTION');
    expect(err.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('suggests the closest nested option for a typo', () => {
    const err = errorOf({ healthCheck: { intervall: 100 } as never });
    expect(err.field).toBe('intervall');
    expect(err.message).toContain("Did you mean 'interval'?");
    expect(err.message).toContain('healthCheck');
  });
});
