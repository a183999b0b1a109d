import { describe, expect, it } from 'vitest';
import { explainFieldLines, parseFieldLines } from './fieldSyntax.js';

/** The list, or the error message: what a caller of either parser sees. */
function outcome(parse: (text: string) => string[], text: string): string {
  try {
    return JSON.stringify(parse(text));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const head =
  'Content-Type: text/plain\r\nContent-Length:13\r\nX-Empty:\r\nX-Pad: \t a b \t\r\nDate: Sun, 06 Dec 2026 10:05:41 GMT';
/** Characters that matter to the rules: separators, blanks, line ends, controls, DEL, latin1 above 0x7f. */
const specials = [
  ':',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\x00',
  '\x01',
  '\x7f',
  '\xff',
  '"',
  '(',
  '@',
  'a',
  'Z',
  '-',
];

describe('parseFieldLines', () => {
  it('parses names and values with the optional whitespace around values trimmed', () => {
    expect(parseFieldLines(head)).toEqual([
      'Content-Type',
      'text/plain',
      'Content-Length',
      '13',
      'X-Empty',
      '',
      'X-Pad',
      'a b',
      'Date',
      'Sun, 06 Dec 2026 10:05:41 GMT',
    ]);
    expect(parseFieldLines('')).toEqual([]);
    const status = 'HTTP/1.1 200 OK\r\n';
    expect(parseFieldLines(`${status}A: b\r\nC:d`, status.length)).toEqual(['A', 'b', 'C', 'd']);
    expect(parseFieldLines(status, status.length)).toEqual([]);
    expect(() => parseFieldLines(`${status}A b`, status.length)).toThrow('header line without a name');
  });

  it('agrees with the rule-at-a-time parser on every character inserted or replaced, and every cut', () => {
    const variants = [head, `${head}\r\n`, `${head}\r\n\r\n`];
    for (let at = 0; at <= head.length; at++) {
      variants.push(head.slice(0, at));
      for (const special of specials) {
        variants.push(head.slice(0, at) + special + head.slice(at));
        variants.push(head.slice(0, at) + special + head.slice(at + 1));
      }
    }
    let refused = 0;
    for (const text of variants) {
      const expected = outcome(explainFieldLines, text);
      if (expected.startsWith('error: ')) refused++;
      expect(outcome(parseFieldLines, text), JSON.stringify(text)).toBe(expected);
      // The same lines after a start line the parser is told to skip.
      expect(outcome((t) => parseFieldLines(`GET / HTTP/1.1\r\n${t}`, 16), text)).toBe(expected);
    }
    // Both outcomes were exercised.
    expect(refused).toBeGreaterThan(100);
    expect(variants.length - refused).toBeGreaterThan(100);
  });
});
