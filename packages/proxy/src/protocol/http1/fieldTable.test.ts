import { describe, expect, it } from 'vitest';
import { FieldTable } from './fieldTable.js';

describe('FieldTable', () => {
  const table = new FieldTable([
    ['host', 1],
    ['x-forwarded-for', 2],
    ['te', 3],
  ]);

  it('finds a name in any letter case', () => {
    expect(table.get('host')).toBe(1);
    expect(table.get('HOST')).toBe(1);
    expect(table.get('X-Forwarded-For')).toBe(2);
    expect(table.get('tE')).toBe(3);
  });

  it('misses names it does not hold, including ones that share a length and first letter', () => {
    for (const name of [
      '',
      'Hast',
      'Accept',
      'x-forwarded-fox',
      'X_Forwarded_For',
      'tx',
      'a-very-long-field-name',
    ]) {
      expect(table.get(name), name).toBeUndefined();
    }
  });
});
