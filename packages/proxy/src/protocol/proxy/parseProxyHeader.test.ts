import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { encodeProxyHeader } from './encodeProxyHeader.js';
import { parseProxyHeader, proxyV2Signature } from './parseProxyHeader.js';
import type { ProxyParseResult } from './proxyHeader.js';

const payload = Buffer.from('GET / HTTP/1.1\r\n');

/** Every strict prefix of a valid header must be `incomplete`, the whole one must parse to `expected`. */
function expectEverySplit(header: Buffer, expected: ProxyParseResult): void {
  for (let n = 0; n < header.length; n++) {
    expect(parseProxyHeader(header.subarray(0, n)), `prefix of ${n} bytes`).toEqual({ kind: 'incomplete' });
  }
  expect(parseProxyHeader(Buffer.concat([header, payload]))).toEqual(expected);
}

function v2(commandFamily: [number, number], body: Buffer): Buffer {
  const head = Buffer.alloc(16);
  proxyV2Signature.copy(head);
  head[12] = commandFamily[0];
  head[13] = commandFamily[1];
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}

function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

const inet = Buffer.from([192, 0, 2, 1, 198, 51, 100, 7, 0xd4, 0x31, 0x01, 0xbb]);
const none = new Map();

describe('parseProxyHeader, version 1', () => {
  it('reads TCP4 and TCP6 lines at every split, leaving the payload alone', () => {
    const line = Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n');
    expectEverySplit(line, {
      kind: 'complete',
      length: line.length,
      header: {
        version: 1,
        command: 'proxy',
        family: 'tcp4',
        source: { address: '192.0.2.1', port: 54321 },
        destination: { address: '198.51.100.7', port: 443 },
        tlvs: none,
      },
    });
    const six = Buffer.from('PROXY TCP6 2001:db8::1 ::1 65535 0\r\n');
    const result = parseProxyHeader(six);
    expect(result.kind === 'complete' && result.header.source).toEqual({
      address: '2001:db8::1',
      port: 65535,
    });
  });

  it('takes UNKNOWN, with or without addresses, as "use the connection addresses"', () => {
    for (const text of [
      'PROXY UNKNOWN\r\n',
      'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n',
    ]) {
      const result = parseProxyHeader(Buffer.from(text));
      expect(result).toMatchObject({ kind: 'complete', length: text.length, header: { family: 'unknown' } });
      expect(result.kind === 'complete' && result.header.source).toBeUndefined();
    }
  });

  it.each([
    ['a port above 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 80\r\n'],
    ['a port with a leading zero', 'PROXY TCP4 1.2.3.4 5.6.7.8 080 80\r\n'],
    ['an IPv6 address under TCP4', 'PROXY TCP4 ::1 5.6.7.8 1 80\r\n'],
    ['an IPv4 address under TCP6', 'PROXY TCP6 1.2.3.4 ::1 1 80\r\n'],
    ['a zone in an IPv6 address', 'PROXY TCP6 fe80::1%eth0 ::1 1 80\r\n'],
    ['two spaces', 'PROXY TCP4  1.2.3.4 5.6.7.8 1 80\r\n'],
    ['a missing field', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'],
    ['an unknown protocol', 'PROXY UDP4 1.2.3.4 5.6.7.8 1 80\r\n'],
    ['lower case', 'proxy TCP4 1.2.3.4 5.6.7.8 1 80\r\n'],
    ['a tab', 'PROXY TCP4\t1.2.3.4 5.6.7.8 1 80\r\n'],
    ['a bare LF', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 80\n'],
    ['a lone CR inside the line', 'PROXY TCP4 1.2.3.4\r5.6.7.8 1 80\r\n'],
    ['a lone CR before the end', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 80\r\r\n'],
    ['HTTP instead', 'GET / HTTP/1.1\r\n'],
  ])('refuses %s', (_name, text) => {
    expect(parseProxyHeader(Buffer.from(text)).kind).toBe('invalid');
  });

  it('refuses a line that runs past 107 bytes without waiting for more', () => {
    const long = Buffer.from(`PROXY UNKNOWN ${'x'.repeat(93)}`);
    expect(long.length).toBe(107);
    expect(parseProxyHeader(long).kind).toBe('invalid');
    expect(parseProxyHeader(long.subarray(0, 106)).kind).toBe('incomplete');
  });
});

describe('parseProxyHeader, version 2', () => {
  it('reads INET with TLVs at every split', () => {
    const header = v2(
      [0x21, 0x11],
      Buffer.concat([inet, tlv(0x01, Buffer.from('h2')), tlv(0x02, Buffer.from('example.com'))]),
    );
    const result = parseProxyHeader(header);
    expect(result).toMatchObject({
      kind: 'complete',
      length: header.length,
      header: {
        version: 2,
        command: 'proxy',
        family: 'tcp4',
        source: { address: '192.0.2.1', port: 54321 },
        destination: { address: '198.51.100.7', port: 443 },
      },
    });
    if (result.kind !== 'complete') throw new Error('not complete');
    expect(result.header.tlvs.get(0x01)?.toString()).toBe('h2');
    expect(result.header.tlvs.get(0x02)?.toString()).toBe('example.com');
    expectEverySplit(header, result);
  });

  it('reads INET6 and UNIX addresses', () => {
    const six = Buffer.alloc(36);
    six[15] = 1; // ::1
    six.writeUInt16BE(0x2001, 16);
    six.writeUInt16BE(0x0db8, 18);
    six[31] = 2; // 2001:db8::2
    six.writeUInt16BE(1234, 32);
    six.writeUInt16BE(80, 34);
    expect(parseProxyHeader(v2([0x21, 0x21], six))).toMatchObject({
      header: {
        family: 'tcp6',
        source: { address: '::1', port: 1234 },
        destination: { address: '2001:db8::2' },
      },
    });
    const unix = Buffer.alloc(216);
    unix.write('/run/client.sock', 0);
    unix.write('/run/lb.sock', 108);
    expect(parseProxyHeader(v2([0x21, 0x31], unix))).toMatchObject({
      header: { family: 'unix', source: { address: '/run/client.sock', port: 0 } },
    });
  });

  it('takes LOCAL (a health check) and UNSPEC as "use the connection addresses", whatever follows', () => {
    for (const header of [
      v2([0x20, 0x11], inet),
      v2([0x20, 0x00], Buffer.alloc(0)),
      v2([0x21, 0x00], Buffer.from('anything')),
    ]) {
      const result = parseProxyHeader(header);
      expect(result).toMatchObject({
        kind: 'complete',
        length: header.length,
        header: { family: 'unknown' },
      });
      expect(result.kind === 'complete' && result.header.source).toBeUndefined();
    }
    expect(parseProxyHeader(v2([0x20, 0x11], inet))).toMatchObject({ header: { command: 'local' } });
  });

  it('checks a CRC32C extension over the whole header', () => {
    const body = Buffer.concat([inet, tlv(0x03, Buffer.alloc(4))]);
    const header = v2([0x21, 0x11], body);
    const sum = crc32c(header);
    const good = Buffer.from(header);
    good.writeUInt32BE(sum, header.length - 4);
    expect(parseProxyHeader(good).kind).toBe('complete');
    const bad = Buffer.from(good);
    bad[17] = bad[17]! ^ 1;
    expect(parseProxyHeader(bad)).toEqual({ kind: 'invalid', reason: 'v2 CRC32C mismatch' });
  });

  it.each([
    ['version 1 in the version nibble', v2([0x11, 0x11], inet)],
    ['an unknown command', v2([0x22, 0x11], inet)],
    ['an unknown family', v2([0x21, 0x41], inet)],
    ['a datagram transport', v2([0x21, 0x12], inet)],
    ['an address block too short', v2([0x21, 0x11], inet.subarray(0, 11))],
    [
      'a TLV running past the header',
      v2([0x21, 0x11], Buffer.concat([inet, Buffer.from([0x01, 0x00, 0x09, 0x61])])),
    ],
    ['a truncated TLV head', v2([0x21, 0x11], Buffer.concat([inet, Buffer.from([0x01, 0x00])]))],
    [
      'a repeated TLV',
      v2([0x21, 0x11], Buffer.concat([inet, tlv(1, Buffer.from('a')), tlv(1, Buffer.from('b'))])),
    ],
  ])('refuses %s', (_name, header) => {
    expect(parseProxyHeader(header).kind).toBe('invalid');
  });

  it('refuses a wrong version or command as soon as its byte arrives', () => {
    expect(parseProxyHeader(v2([0x11, 0x11], inet).subarray(0, 13)).kind).toBe('invalid');
    expect(parseProxyHeader(v2([0x21, 0x51], inet).subarray(0, 14)).kind).toBe('invalid');
  });
});

describe('encodeProxyHeader', () => {
  it.each([1, 2] as const)('writes v%i headers that parse back, IPv4-mapped addresses as IPv4', (version) => {
    const cases = [
      [{ address: '192.0.2.1', port: 1 }, { address: '198.51.100.7', port: 443 }, 'tcp4'],
      [{ address: '::ffff:127.0.0.1', port: 5 }, { address: '::ffff:127.0.0.2', port: 6 }, 'tcp4'],
      [{ address: '2001:db8::1', port: 7 }, { address: '::1', port: 8 }, 'tcp6'],
      [{ address: '::ffff:1.2.3.4', port: 9 }, { address: '2001:db8::9', port: 10 }, 'tcp6'],
    ] as const;
    for (const [source, destination, family] of cases) {
      const result = parseProxyHeader(encodeProxyHeader(version, source, destination));
      expect(result).toMatchObject({ kind: 'complete', header: { version, family } });
      if (result.kind !== 'complete') continue;
      expect(result.header.source?.port).toBe(source.port);
      expect(result.header.destination?.port).toBe(destination.port);
    }
  });

  it('sends UNKNOWN when an end is not an IP address', () => {
    const header = encodeProxyHeader(
      1,
      { address: '1.2.3.4', port: 1 },
      { address: '/run/lb.sock', port: 0 },
    );
    expect(header.toString()).toBe('PROXY UNKNOWN\r\n');
    expect(
      parseProxyHeader(encodeProxyHeader(2, { address: '1.2.3.4', port: 1 }, { address: 'x', port: 2 })),
    ).toMatchObject({
      header: { family: 'unknown' },
    });
  });
});

describe('parseProxyHeader against arbitrary bytes', () => {
  it('never throws, and a complete header never claims more bytes than it was given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, signed) => {
        const input = Buffer.from(signed ? Buffer.concat([proxyV2Signature, bytes]) : bytes);
        const result = parseProxyHeader(input);
        if (result.kind === 'complete') expect(result.length).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('knows the CRC-32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
