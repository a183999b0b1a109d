import { describe, expect, it } from 'vitest';
import { prefaceVerdict } from './connectionPreface.js';

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

describe('prefaceVerdict', () => {
  it('asks for more on every proper prefix, and says HTTP/2 on the whole preface and beyond', () => {
    for (let n = 1; n < preface.length; n++) expect(prefaceVerdict(preface.subarray(0, n))).toBe('more');
    expect(prefaceVerdict(preface)).toBe('http2');
    expect(prefaceVerdict(Buffer.concat([preface, Buffer.from([0, 0, 0, 4])]))).toBe('http2');
  });

  it('says HTTP/1.1 at the first byte that differs', () => {
    expect(prefaceVerdict(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('http1');
    expect(prefaceVerdict(Buffer.from('P'))).toBe('more');
    expect(prefaceVerdict(Buffer.from('POST / HTTP/1.1\r\n'))).toBe('http1');
    expect(prefaceVerdict(Buffer.from('PRI * HTTP/1.1\r\n'))).toBe('http1');
    const almost = Buffer.from(preface);
    almost[23] = 0x41;
    expect(prefaceVerdict(almost)).toBe('http1');
  });
});
