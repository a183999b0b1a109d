import { describe, expect, it } from 'vitest';
import { StreamTable } from './streamTable.js';

/** Checks `table` holds exactly what `model` does, by lookup and by listing. */
function expectSame(table: StreamTable<string>, model: Map<number, string>, probes: Iterable<number>): void {
  expect(table.size).toBe(model.size);
  for (const id of probes) expect(table.get(id)).toBe(model.get(id));
  expect(table.list().sort()).toEqual([...model.values()].sort());
}

describe('StreamTable', () => {
  it('keeps a sliding window of streams, as a busy session does, across growth', () => {
    const table = new StreamTable<string>(4);
    const model = new Map<number, string>();
    for (let n = 0; n < 5_000; n++) {
      const id = 2 * n + 1;
      table.set(id, `s${id}`);
      model.set(id, `s${id}`);
      // Streams end out of order: the one 40 back, and every third one as soon as it opened.
      for (const done of [id - 80, n % 3 === 0 ? id : -1]) {
        if (done > 0) expect(table.delete(done)).toBe(model.delete(done));
      }
      if (n % 97 === 0) expectSame(table, model, [id, id - 2, id - 78, id - 80, id + 2]);
    }
    expectSame(
      table,
      model,
      Array.from({ length: 10_001 }, (_, i) => i + 1),
    );
  });

  it('matches a Map under scattered ids of both parities that collide in their home slots', () => {
    const table = new StreamTable<string>();
    const model = new Map<number, string>();
    const ids: number[] = [];
    for (let n = 1; n <= 3_000; n++) {
      // A multiplicative hash walks 1 … 2^31-1 in no useful order; `& 0x3ff` keeps ids dense enough to collide.
      const id =
        n % 2 === 0 ? (Math.imul(n, 2_654_435_761) >>> 1) | 1 : ((Math.imul(n, 40_503) >>> 0) & 0x3ff) + 1;
      ids.push(id);
      if (n % 5 < 3) {
        table.set(id, `v${n}`);
        model.set(id, `v${n}`);
      } else {
        const gone = ids[(n * 7) % ids.length]!;
        expect(table.delete(gone)).toBe(model.delete(gone));
      }
    }
    expectSame(table, model, ids);
    for (const id of ids) table.delete(id);
    expect(table.size).toBe(0);
    expect(table.list()).toEqual([]);
  });

  it('replaces the value of an id it has, and deleting an id it lacks changes nothing', () => {
    const table = new StreamTable<string>();
    table.set(5, 'a');
    table.set(5, 'b');
    expect(table.size).toBe(1);
    expect(table.get(5)).toBe('b');
    expect(table.delete(7)).toBe(false);
    expect(table.delete(5)).toBe(true);
    expect(table.delete(5)).toBe(false);
    expect(table.get(5)).toBeUndefined();
  });

  it('takes the largest stream id', () => {
    const table = new StreamTable<string>();
    table.set(2 ** 31 - 1, 'last');
    table.set(1, 'first');
    expect(table.get(2 ** 31 - 1)).toBe('last');
    expect(table.delete(2 ** 31 - 1)).toBe(true);
    expect(table.get(1)).toBe('first');
  });
});
