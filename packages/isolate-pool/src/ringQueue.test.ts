import { describe, expect, it } from 'vitest';
import { RingQueue } from './ringQueue.js';

describe('RingQueue', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const q = new RingQueue<number>(16);
    const expected: number[] = [];
    for (let i = 0; i < 10; i++) q.push(i);
    for (let i = 0; i < 7; i++) expect(q.shift()).toBe(i);
    for (let i = 10; i < 100; i++) q.push(i);
    for (let i = 7; i < 100; i++) expected.push(i);
    expect(q.length).toBe(93);
    expect(q.drain()).toEqual(expected);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('puts unshifted items first, even when full', () => {
    const q = new RingQueue<string>(16);
    for (let i = 0; i < 16; i++) q.push(`b${i}`);
    q.unshift('a');
    expect(q.length).toBe(17);
    expect(q.shift()).toBe('a');
    expect(q.shift()).toBe('b0');
  });
});
