import { describe, expect, it } from 'vitest';
import { normalizePath } from './normalizePath.js';

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/api/users?id=1', '/api/users'],
    ['/api/../admin', '/admin'],
    ['/a/./b/', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/../../etc', '/etc'],
    ['/%61dmin', '/admin'],
    ['/a%2fb', '/a%2Fb'],
    ['/%7euser', '/~user'],
    ['/a#frag', '/a'],
  ])('%s routes as %s', (target, expected) => {
    expect(normalizePath(target)).toBe(expected);
  });

  it('refuses a malformed escape', () => {
    expect(normalizePath('/a%zz')).toBeUndefined();
    expect(normalizePath('/a%2')).toBeUndefined();
  });
});
