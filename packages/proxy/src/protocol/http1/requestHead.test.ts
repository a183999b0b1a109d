import { describe, expect, it } from 'vitest';
import { parseRequestHead, RequestParseError } from './requestHead.js';

function statusOf(text: string): number | undefined {
  try {
    parseRequestHead(text);
    return undefined;
  } catch (err) {
    return err instanceof RequestParseError ? err.status : -1;
  }
}

describe('parseRequestHead', () => {
  it('reads the request line and the fields', () => {
    expect(parseRequestHead('GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Y:  z \r\n')).toEqual({
      method: 'GET',
      target: '/a?b=c',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'x', 'X-Y', 'z'],
    });
    expect(parseRequestHead('OPTIONS * HTTP/1.0').httpVersion).toBe('1.0');
    // Unencoded UTF-8 (read as latin1) passes through byte for byte.
    expect(parseRequestHead('GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x').target).toBe('/caf\xc3\xa9');
  });

  it.each([
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: x'],
    ['no version', 'GET /\r\nHost: x'],
    ['lower-case version', 'GET / http/1.1\r\nHost: x'],
    ['invalid method', 'G(T / HTTP/1.1\r\nHost: x'],
    ['DEL in the target', 'GET /\x7f HTTP/1.1\r\nHost: x'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\n y'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : x'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: x\x00'],
    ['bare CR in a field', 'GET / HTTP/1.1\r\nHost: x\rY: z'],
  ])('refuses %s with 400', (_name, text) => {
    expect(statusOf(text)).toBe(400);
  });

  it('answers 505 to another HTTP version', () => {
    expect(statusOf('GET / HTTP/2.0\r\nHost: x')).toBe(505);
    expect(statusOf('GET / HTTP/1.2\r\nHost: x')).toBe(505);
  });
});
