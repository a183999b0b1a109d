import { describe, expect, it } from 'vitest';
import { BoundedCache } from './boundedCache.js';

describe('BoundedCache', () => {
  it('keeps at most capacity entries, evicting the oldest one not used since', () => {
    const evicted: string[] = [];
    const cache = new BoundedCache<string, number>(3, (key) => evicted.push(key));
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')?.value).toBe(1);
    cache.set('d', 4);
    // 'a' was used, so it got a second chance and 'b' went.
    expect(evicted).toEqual(['b']);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')].map((r) => r?.value)).toEqual([1, 3, 4]);
  });

  it('marks a record evicted, so holders of it know to look it up again', () => {
    const cache = new BoundedCache<string, number>(1);
    const first = cache.set('a', 1);
    cache.set('b', 2);
    expect(first.evicted).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('still evicts when every entry has been used', () => {
    const cache = new BoundedCache<number, number>(2);
    cache.set(1, 1);
    cache.set(2, 2);
    cache.get(1);
    cache.get(2);
    cache.set(3, 3);
    expect(cache.size).toBe(2);
    expect(cache.get(3)?.value).toBe(3);
  });
});
