import { describe, expect, it } from 'vitest';
import { SlotList } from './slotList.js';

const members = <T>(list: SlotList<T>): T[] => {
  const out: T[] = [];
  list.forEach((item) => {
    out.push(item);
  });
  return out;
};

describe('SlotList', () => {
  it('keeps what was added until it is deleted, and reuses freed slots', () => {
    const list = new SlotList<string>();
    const a = list.add('a');
    const b = list.add('b');
    const c = list.add('c');
    expect(members(list)).toEqual(['a', 'b', 'c']);
    expect(list.delete(b, 'b')).toBe(true);
    expect(list.size).toBe(2);
    expect(members(list)).toEqual(['a', 'c']);
    expect(list.add('d')).toBe(b);
    expect(members(list)).toEqual(['a', 'd', 'c']);
    expect(list.delete(a, 'a')).toBe(true);
    expect(list.delete(c, 'c')).toBe(true);
    expect(members(list)).toEqual(['d']);
  });

  it('ignores a second delete, even once the slot holds another member', () => {
    const list = new SlotList<object>();
    const first = {};
    const second = {};
    const slot = list.add(first);
    expect(list.delete(slot, first)).toBe(true);
    expect(list.add(second)).toBe(slot);
    expect(list.delete(slot, first)).toBe(false);
    expect(members(list)).toEqual([second]);
    expect(list.size).toBe(1);
  });

  it('lets a walk delete members, its own or others', () => {
    const list = new SlotList<number>();
    const slots = [0, 1, 2, 3, 4].map((n) => list.add(n));
    const seen: number[] = [];
    list.forEach((n) => {
      seen.push(n);
      list.delete(slots[n]!, n);
      if (n === 1) list.delete(slots[3]!, 3);
    });
    expect(seen).toEqual([0, 1, 2, 4]);
    expect(list.size).toBe(0);
  });
});
