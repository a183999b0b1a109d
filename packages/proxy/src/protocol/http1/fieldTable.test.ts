import { describe, expect, it } from 'vitest';
import { FieldTable } from './fieldTable.js';

describe('FieldTable', () => {
  const table = new FieldTable([
    ['host', 1],
    ['x-forwarded-for', 2],
    ['te', 3],
    ['keep-alive', 4],
    ['hosu', 5],
  ]);

  it('finds a name in any letter case', () => {
    expect(table.get('host')).toBe(1);
    expect(table.get('HOST')).toBe(1);
    expect(table.get('X-Forwarded-For')).toBe(2);
    expect(table.get('tE')).toBe(3);
    expect(table.get('Keep-Alive')).toBe(4);
    // Two names of one length and first letter are told apart.
    expect(table.get('HOSU')).toBe(5);
    expect(table.get('Host')).toBe(1);
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
      // Only letters fold: `\r` is `-` with the case bit cleared.
      'x\rforwarded-for',
      'X\rForwarded\rFor',
      // Characters outside ASCII never match, even ones whose lower case is an ASCII letter (KELVIN SIGN).
      '\u212aeep-alive',
    ]) {
      expect(table.get(name), name).toBeUndefined();
    }
  });

  it('folds only A-Z: punctuation one bit apart from a letter or a dash never matches', () => {
    const dashed = new FieldTable([['a-b', 1]]);
    // '\r' is '-' without the 0x20 bit, '^' is '~' without it: neither may pass for the other.
    expect(dashed.get('A-B')).toBe(1);
    expect(dashed.get('a\rb')).toBeUndefined();
    expect(new FieldTable([['a~', 1]]).get('a^')).toBeUndefined();
    // Outside ASCII no letter folds to an ASCII one (toLowerCase would turn the Kelvin sign into 'k').
    expect(new FieldTable([['keep', 1]]).get('\u212aeep')).toBeUndefined();
  });
});
