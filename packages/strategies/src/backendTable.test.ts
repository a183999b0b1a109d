import type { Backend } from '@lb/core';
import { describe, expect, it } from 'vitest';
import { BackendTable } from './backendTable.js';

const b = (id: string | number, extra: Partial<Backend> = {}): Backend => ({
  id,
  host: '127.0.0.1',
  port: 8080,
  ...extra,
});

function eligibleIds(table: BackendTable): Array<string | number> {
  const { count, slots } = table.eligible();
  return Array.from(slots.subarray(0, count), (slot) => table.backend(slot).id);
}

describe('BackendTable', () => {
  it('lists up backends with positive weight in the given order', () => {
    const table = new BackendTable();
    table.setBackends([b('a'), b('b', { weight: 0 }), b('c', { weight: 3 })]);
    expect(eligibleIds(table)).toEqual(['a', 'c']);
    expect(table.weight(table.slotOf('c'))).toBe(3);
    expect(table.weight(table.slotOf('a'))).toBe(1);
  });

  it('bumps the version on membership, health and weight changes only', () => {
    const table = new BackendTable();
    table.setBackends([b('a'), b('b')]);
    const v = table.version;
    table.requestStarted(b('a'));
    expect(table.version).toBe(v);
    table.setHealth('a', 'up');
    expect(table.version).toBe(v);
    table.setHealth('a', 'down');
    expect(table.version).toBe(v + 1);
    table.setWeight('b', 2);
    expect(table.version).toBe(v + 2);
    expect(table.setWeight('zzz', 2)).toBe(-1);
    expect(table.version).toBe(v + 2);
  });

  it('keeps state for ids that stay and starts new ones up', () => {
    const table = new BackendTable();
    const col = table.addColumn(7);
    table.setBackends([b('a'), b('b'), b('c')]);
    table.setHealth('b', 'draining');
    table.setWeight('c', 5);
    table.requestStarted(b('c'));
    table.column(col)[table.slotOf('c')] = 42;
    table.setBackends([b('c'), b('d'), b('b')]);
    expect(table.health(table.slotOf('b'))).toBe('draining');
    expect(table.weight(table.slotOf('c'))).toBe(5);
    expect(table.inFlight(table.slotOf('c'))).toBe(1);
    expect(table.column(col)[table.slotOf('c')]).toBe(42);
    expect(table.column(col)[table.slotOf('d')]).toBe(7);
    expect(table.health(table.slotOf('d'))).toBe('up');
    expect(table.slotOf('a')).toBe(-1);
    expect(eligibleIds(table)).toEqual(['c', 'd']);
  });

  it('lets a changed configured weight win over an old override', () => {
    const table = new BackendTable();
    table.setBackends([b('a', { weight: 2 })]);
    table.setWeight('a', 9);
    table.setBackends([b('a', { weight: 2 })]);
    expect(table.weight(0)).toBe(9);
    table.setBackends([b('a', { weight: 4 })]);
    expect(table.weight(0)).toBe(4);
  });

  it('ignores request ends for removed backends and never goes below zero', () => {
    const table = new BackendTable();
    table.setBackends([b('a')]);
    table.requestStarted(b('a'));
    table.setBackends([b('x')]);
    expect(table.requestEnded(b('a'))).toBe(-1);
    expect(table.requestEnded(b('x'))).toBe(0);
    expect(table.inFlight(0)).toBe(0);
  });

  it('treats negative and non-finite weights as 0', () => {
    const table = new BackendTable();
    table.setBackends([b('a'), b('b')]);
    table.setWeight('a', -1);
    table.setWeight('b', Number.NaN);
    expect(table.eligible().count).toBe(0);
  });

  it('enters panic mode below the threshold, never for draining backends', () => {
    const table = new BackendTable({ panicThreshold: 0.5 });
    table.setBackends([b('a'), b('b'), b('c'), b('d')]);
    table.setHealth('a', 'down');
    table.setHealth('b', 'down');
    expect(eligibleIds(table)).toEqual(['c', 'd']);
    expect(table.eligible().panicking).toBe(false);
    table.setHealth('c', 'draining');
    expect(table.eligible().panicking).toBe(true);
    expect(eligibleIds(table)).toEqual(['a', 'b', 'd']);
    table.setHealth('d', 'down');
    expect(eligibleIds(table)).toEqual(['a', 'b', 'd']);
  });

  it('returns excluded eligible positions, or none when exclusion would empty the set', () => {
    const table = new BackendTable();
    table.setBackends([b('a'), b('b'), b('c')]);
    table.setHealth('a', 'down');
    expect(table.excludedPositions(undefined)).toEqual([]);
    expect(table.excludedPositions(new Set(['c', 'a', 'zz']))).toEqual([1]);
    expect(table.excludedPositions(new Set(['b', 'c']))).toEqual([]);
  });
});
