import { describe, expect, it } from 'vitest';
import { isValidTraceparent, newTraceparent, traceIdOf } from './traceContext.js';

describe('trace context', () => {
  it.each([
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ['01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', true],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', false],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01', false],
    ['', false],
  ])('%s is valid: %s', (value, valid) => {
    expect(isValidTraceparent(value)).toBe(valid);
  });

  it('generates valid, distinct traceparents', () => {
    const a = newTraceparent();
    const b = newTraceparent();
    expect(isValidTraceparent(a) && isValidTraceparent(b)).toBe(true);
    expect(a).not.toBe(b);
    expect(traceIdOf(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});
