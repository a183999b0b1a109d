import { describe, expect, it } from 'vitest';
import { defaultPoolSize } from './defaultPoolSize.js';
import { resolveOptions } from './hybridProcessorOptions.js';

describe('resolveOptions', () => {
  it('defaults to a fixed pool of the default size, with no execArgv of its own', () => {
    const size = defaultPoolSize();
    expect(resolveOptions()).toEqual({
      minThreads: size,
      maxThreads: size,
      idleTimeout: 10_000,
      maxQueue: Number.POSITIVE_INFINITY,
      maxTasksPerThread: 64,
      stuckTaskTimeout: Number.POSITIVE_INFINITY,
      maxCachedHandlers: 1000,
      resourceLimits: undefined,
      execArgv: undefined,
    });
  });

  it('uses isolatePoolSize for both bounds unless they are given', () => {
    expect(resolveOptions({ isolatePoolSize: 3 })).toMatchObject({ minThreads: 3, maxThreads: 3 });
    expect(resolveOptions({ isolatePoolSize: 3, minThreads: 1 })).toMatchObject({
      minThreads: 1,
      maxThreads: 3,
    });
    expect(resolveOptions({ minThreads: 0, maxThreads: 4 })).toMatchObject({ minThreads: 0, maxThreads: 4 });
    expect(resolveOptions({ minThreads: 5 }).maxThreads).toBeGreaterThanOrEqual(5);
  });

  it('rejects bad values with the option name in field', () => {
    const bad: [object, string][] = [
      [{ isolatePoolSize: 1.5 }, 'isolatePoolSize'],
      [{ maxThreads: 0 }, 'maxThreads'],
      [{ minThreads: -1 }, 'minThreads'],
      [{ idleTimeout: -5 }, 'idleTimeout'],
      [{ maxQueue: 'lots' }, 'maxQueue'],
      [{ maxTasksPerThread: 0 }, 'maxTasksPerThread'],
      [{ stuckTaskTimeout: 0 }, 'stuckTaskTimeout'],
      [{ maxCachedHandlers: 0 }, 'maxCachedHandlers'],
      [{ execArgv: 'x' }, 'execArgv'],
      [{ resourceLimits: 5 }, 'resourceLimits'],
    ];
    for (const [options, field] of bad) {
      expect(() => resolveOptions(options as never)).toThrow(
        expect.objectContaining({ code: 'LB_ERR_INVALID_OPTION', field }),
      );
    }
  });
});
