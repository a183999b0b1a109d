import { describe, expect, it } from 'vitest';
import { functionExpression, helperExpressions, scopeError } from './handlerSource.js';

describe('functionExpression', () => {
  it('keeps arrows, function expressions and async functions as they are', () => {
    const arrow = (x: number) => x + 1;
    async function named(x: number) {
      return x;
    }
    expect(functionExpression(arrow, 'handler')).toBe(arrow.toString());
    expect(functionExpression(named, 'handler')).toBe(named.toString());
  });

  it('wraps method shorthand so it evaluates to the method', () => {
    const obj = {
      triple(x: number) {
        return x * 3;
      },
    };
    const expr = functionExpression(obj.triple, 'helpers.triple');
    const rebuilt = new Function(`return (${expr});`)() as (x: number) => number;
    expect(rebuilt(2)).toBe(6);
  });

  it('rejects bound, native and non-functions with a stable code', () => {
    expect(() => functionExpression(Math.max, 'handler')).toThrow(
      expect.objectContaining({ code: 'LB_ERR_HANDLER_NOT_SERIALIZABLE' }),
    );
    expect(() => functionExpression(((x: number) => x).bind(null), 'handler')).toThrow(/native or bound/);
    expect(() => functionExpression(42, 'handler')).toThrow(/must be a function/);
  });
});

describe('helperExpressions', () => {
  it('returns name and source pairs and checks the names', () => {
    const fibonacci = (n: number): number => n;
    expect(helperExpressions({ fibonacci })).toEqual([['fibonacci', fibonacci.toString()]]);
    expect(helperExpressions(undefined)).toEqual([]);
    expect(() => helperExpressions({ 'not-valid': fibonacci })).toThrow(/not a valid identifier/);
    expect(() => helperExpressions('x')).toThrow(/object of functions/);
  });
});

describe('scopeError', () => {
  it('names the missing variable and explains the rule', () => {
    const err = scopeError(new ReferenceError('fibonacci is not defined'));
    expect(err?.code).toBe('LB_ERR_HANDLER_SCOPE');
    expect(err?.message).toContain("'fibonacci'");
    expect(err?.message).toContain('helpers');
    expect(err?.message).toContain('context');
  });

  it('ignores other errors', () => {
    expect(scopeError(new TypeError('x is not defined'))).toBeUndefined();
    expect(scopeError(new ReferenceError('Cannot access x before initialization'))).toBeUndefined();
  });
});
