import { describe, expect, it } from 'vitest';
import { lowerCaseName } from './lowerCaseName.js';

describe('lowerCaseName', () => {
  it('returns lower-case names as they are and lower-cases the others', () => {
    expect(lowerCaseName('x-forwarded-for')).toBe('x-forwarded-for');
    expect(lowerCaseName('X-Forwarded-For')).toBe('x-forwarded-for');
    expect(lowerCaseName('X-Forwarded-For')).toBe('x-forwarded-for');
    expect(lowerCaseName('user-AGENT')).toBe('user-agent');
    expect(lowerCaseName('')).toBe('');
  });

  it('stays right past the names it remembers', () => {
    for (let i = 0; i < 500; i++) expect(lowerCaseName(`X-Name-${i}`)).toBe(`x-name-${i}`);
    expect(lowerCaseName('X-Forwarded-Proto')).toBe('x-forwarded-proto');
  });
});
