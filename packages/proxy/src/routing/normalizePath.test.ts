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
    ['/.well-known/x', '/.well-known/x'],
    ['/a/.', '/a/'],
    ['/a/..?q=/./', '/'],
    ['/plain/path.html?x=%zz', '/plain/path.html'],
    ['*', '/*'],
  ])('%s routes as %s', (target, expected) => {
    expect(normalizePath(target)).toBe(expected);
  });

  it('returns a path already in normal form as it is, and any other as the full walk does', () => {
    // Every target built from these pieces, against the full walk forced by a leading `/.` segment (which it drops).
    const pieces = ['/', 'a', '.', '..', '%2e', '%41', '?', '#', 'b'];
    for (const x of pieces)
      for (const y of pieces)
        for (const z of pieces) {
          const target = `/${x}${y}${z}`;
          const slow = normalizePath(`/./${x}${y}${z}`);
          expect(normalizePath(target), target).toBe(slow);
        }
  });

  it('refuses a malformed escape', () => {
    expect(normalizePath('/a%zz')).toBeUndefined();
    expect(normalizePath('/a%2')).toBeUndefined();
  });
});
