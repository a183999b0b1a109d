import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lineSplitter.js';

describe('LineSplitter', () => {
  it('emits only whole lines and keeps the rest for the next chunk', () => {
    const split = new LineSplitter();
    expect(split.push(Buffer.from('one\ntw'))).toEqual(['one']);
    expect(split.push(Buffer.from('o\nthree\n'))).toEqual(['two', 'three']);
    expect(split.push(Buffer.from('four'))).toEqual([]);
    expect(split.flush()).toEqual(['four']);
    expect(split.flush()).toEqual([]);
  });

  it('strips \\r\\n and keeps empty lines', () => {
    expect(new LineSplitter().push(Buffer.from('a\r\n\r\nb\n'))).toEqual(['a', '', 'b']);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const bytes = Buffer.from('été\n');
    const split = new LineSplitter();
    expect(split.push(bytes.subarray(0, 1))).toEqual([]);
    expect(split.push(bytes.subarray(1))).toEqual(['été']);
  });

  it('cuts an endless line into bounded pieces without splitting a character', () => {
    const split = new LineSplitter(8);
    const pieces = split.push(Buffer.from('aaaaaaaé€bbbbbbbbb'));
    for (const piece of pieces) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(8);
    expect([...pieces, ...split.flush()].join('')).toBe('aaaaaaaé€bbbbbbbbb');
    expect(pieces.join('')).not.toContain('\uFFFD');
  });
});
