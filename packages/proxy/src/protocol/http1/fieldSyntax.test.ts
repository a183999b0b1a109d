import { describe, expect, it } from 'vitest';
import { HttpParseError, isFieldValue, isToken, parseFieldLines } from './fieldSyntax.js';

/**
 * The reference: field lines parsed a rule at a time, as before the one-pass parser (each rule its own scan, in
 * the order that decides which error a line with several faults gets).
 */
function ruleAtATime(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    const cr = text.indexOf('\r', start);
    const lf = text.indexOf('\n', start);
    if ((cr !== -1 && cr < end) || (lf !== -1 && lf < end))
      throw new HttpParseError('bare CR or LF in a header');
    if (colon <= start || colon > end) throw new HttpParseError('header line without a name');
    if (!isToken(text, start, colon))
      throw new HttpParseError(
        `invalid header name ${JSON.stringify(text.slice(start, Math.min(colon, start + 64)))}`,
      );
    let from = colon + 1;
    let to = end;
    while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
    while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
    if (!isFieldValue(text, from, to))
      throw new HttpParseError(`invalid value in ${text.slice(start, colon)}`);
    out.push(text.slice(start, colon), text.slice(from, to));
    start = end + 2;
  }
  return out;
}

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
      const expected = outcome(ruleAtATime, text);
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
