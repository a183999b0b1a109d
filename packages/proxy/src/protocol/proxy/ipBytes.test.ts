import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIPv4Bytes, isIPv6Bytes } from './ipBytes.js';

/** Node's own answer, the one the PROXY v1 parser used to ask (a zone is never a client address). */
const nodeV4 = (text: string) => isIPv4(text);
const nodeV6 = (text: string) => isIPv6(text) && !text.includes('%');

/** Checks `text` in the middle of other bytes, so reading past `end` or before `start` would show. */
function inPlace(check: (bytes: Uint8Array, start: number, end: number) => boolean, text: string): boolean {
  const bytes = Buffer.from(`9:${text}:9`, 'latin1');
  return check(bytes, 2, bytes.length - 2);
}

const v4Part = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.constantFrom('00', '01', '001', '010', '0x1', '', '1a', '2550', ' 1'),
);
const v4Text = fc.array(v4Part, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.'));
const hexGroup = fc.oneof(
  fc.integer({ min: 0, max: 0xfffff }).map((n) => n.toString(16)),
  fc.constantFrom('', '0000', '00000', 'FFFF', 'fFfF', 'g', 'ffff'),
);
/** Candidate IPv6 texts: groups joined by one or two colons, sometimes with an IPv4 tail or a zone. */
const v6Text = fc
  .tuple(
    fc.array(fc.tuple(hexGroup, fc.constantFrom(':', ':', ':', '::', ':::')), { maxLength: 10 }),
    fc.option(v4Text),
    fc.constantFrom('', '', '', '::', ':', '%eth0'),
  )
  .map(
    ([groups, tail, edge]) =>
      `${edge === '::' ? '::' : ''}${groups.map(([g, sep]) => g + sep).join('')}${tail ?? ''}${edge === '::' ? '' : edge}`,
  );
/** Near-valid IPv6 texts: 0 to 8 groups, a `::` at any place or none, sometimes an IPv4 tail. */
const v6Shaped = fc
  .tuple(
    fc.array(
      fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)),
      { maxLength: 8 },
    ),
    fc.integer({ min: -1, max: 8 }),
    fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 })),
  )
  .map(([groups, cut, tail]) => {
    let text =
      cut >= 0 && cut <= groups.length
        ? `${groups.slice(0, cut).join(':')}::${groups.slice(cut).join(':')}`
        : groups.join(':');
    if (tail !== null) text += `${text === '' || text.endsWith(':') ? '' : ':'}${tail.join('.')}`;
    return text;
  });
const anyText = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxg:.% '), maxLength: 45 });

describe('isIPv4Bytes', () => {
  it('agrees with net.isIPv4', () => {
    for (const text of [
      '0.0.0.0',
      '255.255.255.255',
      '1.2.3.4',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
    ]) {
      expect(inPlace(isIPv4Bytes, text), text).toBe(nodeV4(text));
    }
    fc.assert(
      fc.property(fc.oneof(v4Text, anyText), (text) => inPlace(isIPv4Bytes, text) === nodeV4(text)),
      { numRuns: 20_000 },
    );
  });
});

describe('isIPv6Bytes', () => {
  it('agrees with net.isIPv6 on a zone-free address', () => {
    for (const text of [
      '::',
      '::1',
      '1::',
      '2001:db8::1',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6::7:8',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1::1.2.3.4',
      '::1.2.3.4',
      '1.2.3.4',
      ':1',
      '1:',
      ':::',
      '1:::2',
      '1::2::3',
      'fe80::1%eth0',
      '12345::',
      '',
    ]) {
      expect(inPlace(isIPv6Bytes, text), text).toBe(nodeV6(text));
    }
    fc.assert(
      fc.property(fc.oneof(v6Shaped, v6Text, anyText), (text) => inPlace(isIPv6Bytes, text) === nodeV6(text)),
      { numRuns: 50_000 },
    );
  });
});
