import type { Backend } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { roundRobin } from './roundRobin.js';

const backends = (...ids: string[]): Backend[] =>
  ids.map((id, i) => ({ id, host: '127.0.0.1', port: 9000 + i }));

describe('roundRobin', () => {
  it('rotates evenly over eligible backends, ignoring weights', () => {
    const strategy = roundRobin();
    strategy.setBackends([...backends('a', 'b'), { id: 'c', host: 'h', port: 1, weight: 9 }]);
    expect(Array.from({ length: 7 }, () => strategy.pick()?.id).join('')).toBe('abcabca');
  });

  it('skips unhealthy backends and resumes them when they recover', () => {
    const strategy = roundRobin();
    strategy.setBackends(backends('a', 'b', 'c'));
    strategy.setHealth('b', 'down');
    expect(Array.from({ length: 4 }, () => strategy.pick()?.id).join('')).toBe('acac');
    strategy.setHealth('b', 'up');
    expect(new Set(Array.from({ length: 3 }, () => strategy.pick()?.id))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('never indexes past a list that shrank after the counter moved on', () => {
    const strategy = roundRobin();
    strategy.setBackends(backends('a', 'b', 'c', 'd', 'e'));
    for (let i = 0; i < 4; i++) strategy.pick();
    strategy.setBackends(backends('x', 'y'));
    const seq = Array.from({ length: 4 }, () => strategy.pick()?.id);
    expect(seq.every((id) => id === 'x' || id === 'y')).toBe(true);
    expect(seq[0]).not.toBe(seq[1]);
  });

  it('moves to the next backend when the current one is excluded', () => {
    const strategy = roundRobin();
    strategy.setBackends(backends('a', 'b', 'c'));
    expect(strategy.pick({ exclude: new Set(['a']) })?.id).toBe('b');
    expect(strategy.pick()?.id).toBe('c');
    expect(strategy.pick({ exclude: new Set(['a', 'b']) })?.id).toBe('c');
  });
});
