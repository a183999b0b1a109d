import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, Rcode, RecordType } from './dnsMessage.js';

describe('dnsMessage', () => {
  it('round-trips a response with A, AAAA and SRV records', () => {
    const message = {
      id: 4242,
      response: true,
      recursionDesired: true,
      rcode: Rcode.noError,
      questions: [{ name: 'api.test', type: RecordType.SRV }],
      answers: [
        { name: 'api.test', ttl: 5, type: 1 as const, address: '127.0.0.2' },
        { name: 'api.test', ttl: 7, type: 28 as const, address: '2001:db8:0:0:0:0:0:1' },
        {
          name: 'api.test',
          ttl: 9,
          type: 33 as const,
          priority: 10,
          weight: 60,
          port: 8080,
          target: 'a.api.test',
        },
      ],
    };
    expect(decodeMessage(encodeMessage(message))).toEqual(message);
  });

  it('expands :: in IPv6 addresses', () => {
    const buf = encodeMessage({
      id: 1,
      response: true,
      recursionDesired: false,
      rcode: 0,
      questions: [],
      answers: [{ name: 'x', ttl: 1, type: 28, address: '::1' }],
    });
    expect(decodeMessage(buf).answers[0]).toMatchObject({ address: '0:0:0:0:0:0:0:1' });
  });

  it('follows compression pointers in names', () => {
    // Header, question "a.test" A IN, then one A record whose name is a pointer to offset 12.
    const question = Buffer.from([1, 97, 4, 116, 101, 115, 116, 0, 0, 1, 0, 1]);
    const header = Buffer.from([0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const record = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 1]);
    const decoded = decodeMessage(Buffer.concat([header, question, record]));
    expect(decoded.questions).toEqual([{ name: 'a.test', type: 1 }]);
    expect(decoded.answers).toEqual([{ name: 'a.test', ttl: 30, type: 1, address: '10.0.0.1' }]);
    expect(decoded.rcode).toBe(0);
  });

  it('carries NXDOMAIN in the flags', () => {
    const buf = encodeMessage({
      id: 9,
      response: true,
      recursionDesired: true,
      rcode: Rcode.nameError,
      questions: [],
      answers: [],
    });
    expect(decodeMessage(buf)).toMatchObject({ id: 9, response: true, rcode: 3 });
  });
});
