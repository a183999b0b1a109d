import { describe, expect, it } from 'vitest';
import { deserializeError, serializeError } from './errorTransport.js';

class QuotaError extends Error {
  readonly code = 'E_QUOTA';
  readonly limit = 10;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QuotaError';
  }
}

function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

describe('error transport', () => {
  it('keeps built-in classes, code, stack and cause chains', () => {
    const inner = new RangeError('too big');
    const outer = Object.assign(new TypeError('bad input', { cause: inner }), { code: 'E_BAD' });
    const back = roundTrip(outer) as TypeError & { code?: string };
    expect(back).toBeInstanceOf(TypeError);
    expect(back.message).toBe('bad input');
    expect(back.code).toBe('E_BAD');
    expect(back.stack).toBe(outer.stack);
    expect(back.cause).toBeInstanceOf(RangeError);
    expect((back.cause as Error).message).toBe('too big');
  });

  it('keeps the name and extra properties of custom classes', () => {
    const back = roundTrip(new QuotaError('over', { cause: 'plain cause' })) as Error &
      Record<string, unknown>;
    expect(back.name).toBe('QuotaError');
    expect(back.code).toBe('E_QUOTA');
    expect(back.limit).toBe(10);
    expect(back.cause).toBe('plain cause');
    expect(String(back)).toBe('QuotaError: over');
  });

  it('turns thrown non-errors into errors', () => {
    expect(roundTrip('boom').message).toBe('boom');
    const back = roundTrip(42) as Error & { thrown?: unknown };
    expect(back.message).toContain('42');
    expect(back.thrown).toBe(42);
  });

  it('survives cyclic causes and uncloneable properties', () => {
    const a = new Error('a') as Error & { fn?: () => void };
    a.cause = a;
    a.fn = () => {};
    const back = roundTrip(a) as Error & { fn?: unknown };
    expect(back.message).toBe('a');
    expect(back.fn).toBeUndefined();
  });
});
