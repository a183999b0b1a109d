import { describe, expect, it } from 'vitest';
import { transferables } from './transferables.js';

describe('transferables', () => {
  it('finds whole buffers in views, arrays, objects and maps, once each', () => {
    const a = new ArrayBuffer(8);
    const b = new Uint8Array(16);
    const c = new Float64Array(2);
    const found = transferables({ a, list: [b, a], nested: { map: new Map([['c', c]]) } });
    expect([...found]).toEqual([a, b.buffer, c.buffer]);
  });

  it('leaves partial views, shared buffers, class instances and primitives alone', () => {
    const pooled = new Uint8Array(new ArrayBuffer(64), 8, 8);
    class Holder {
      buffer = new ArrayBuffer(4);
    }
    const found = transferables([pooled, new SharedArrayBuffer(4), new Holder(), 1, 'x', null]);
    expect(found.size).toBe(0);
  });
});
