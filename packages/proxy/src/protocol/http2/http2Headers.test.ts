import { describe, expect, it } from 'vitest';
import { reasonPhrase } from '../http1/statusReasons.js';
import {
  fromHttp2Response,
  fromHttp2Trailers,
  MalformedResponseError,
  toHttp2Request,
  toHttp2Trailers,
} from './http2Headers.js';

const line = { method: 'GET', path: '/a?b', scheme: 'http' as const, defaultAuthority: '10.0.0.1:8080' };

/** The value of `name` in a flat field list. */
function get(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

describe('HTTP/1.1 head to HTTP/2 fields', () => {
  it('puts the pseudo-headers first, Host as :authority, names lower-cased', () => {
    const fields = toHttp2Request(line, [
      'Host',
      'example.test',
      'X-Forwarded-For',
      '1.2.3.4',
      'Accept',
      '*/*',
    ]);
    expect(fields).toEqual([
      ':method',
      'GET',
      ':scheme',
      'http',
      ':authority',
      'example.test',
      ':path',
      '/a?b',
      'x-forwarded-for',
      '1.2.3.4',
      'accept',
      '*/*',
    ]);
  });

  it('names the backend when there is no Host, and keeps the first of two', () => {
    expect(get(toHttp2Request(line, []), ':authority')).toBe('10.0.0.1:8080');
    expect(get(toHttp2Request(line, ['Host', 'a', 'host', 'b']), ':authority')).toBe('a');
  });

  it('drops connection-specific fields and keeps TE only as trailers', () => {
    const fields = toHttp2Request(line, [
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'Proxy-Connection',
      'x',
      'Transfer-Encoding',
      'chunked',
      'Upgrade',
      'h2c',
      'HTTP2-Settings',
      'AAA',
      'TE',
      'gzip, Trailers;q=1',
      'Content-Length',
      '5',
    ]);
    expect(fields).toEqual([
      ':method',
      'GET',
      ':scheme',
      'http',
      ':authority',
      '10.0.0.1:8080',
      ':path',
      '/a?b',
      'te',
      'trailers',
      'content-length',
      '5',
    ]);
    expect(get(toHttp2Request(line, ['TE', 'gzip']), 'te')).toBeUndefined();
    expect(get(toHttp2Request(line, ['te', 'trailersx']), 'te')).toBeUndefined();
  });

  it('keeps repeated fields as repeated fields, in order', () => {
    const fields = toHttp2Request(line, ['Cookie', 'a=1', 'X-A', '1', 'cookie', 'b=2', 'COOKIE', 'c=3']);
    expect(fields.slice(8)).toEqual(['cookie', 'a=1', 'x-a', '1', 'cookie', 'b=2', 'cookie', 'c=3']);
  });

  it('gives CONNECT only :method and :authority', () => {
    expect(toHttp2Request({ ...line, method: 'CONNECT' }, ['Host', 'db:5432'])).toEqual([
      ':method',
      'CONNECT',
      ':authority',
      'db:5432',
    ]);
  });

  it('never lets a client field pose as a pseudo-header (a colon name cannot come through HTTP/1.1)', () => {
    // The HTTP/1.1 parser refuses such names; the mapping still must not let one override the real ones.
    const fields = toHttp2Request(line, [':path', '/evil']);
    expect(get(fields, ':path')).toBe('/a?b');
    expect(fields).toHaveLength(8);
  });
});

describe('a backend HTTP/2 response head', () => {
  it('reads status, reason, length and flat fields without pseudo-headers', () => {
    const head = fromHttp2Response([
      ':status',
      '201',
      'content-length',
      '12',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'server',
      'x',
    ]);
    expect(head).toEqual({
      status: 201,
      reason: reasonPhrase(201),
      httpVersion: '2.0',
      rawHeaders: ['content-length', '12', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'server', 'x'],
      contentLength: 12,
      chunked: false,
    });
  });

  it('ignores a content-length that is not plain decimal', () => {
    for (const bad of ['-1', '1e3', '0x10', '12345678901234567']) {
      expect(fromHttp2Response([':status', '200', 'content-length', bad]).contentLength).toBeUndefined();
    }
  });

  it('refuses what RFC 9113 §8 calls malformed, so nothing of it is forwarded', () => {
    const malformed: string[][] = [
      [],
      ['server', 'x'],
      [':status', '20'],
      [':status', '2000'],
      [':status', '099'],
      [':status', '200', ':status', '200'],
      ['server', 'x', ':status', '200'],
      [':status', '200', ':path', '/'],
      [':status', '200', 'Server', 'x'],
      [':status', '200', 'x-a', 'one\r\nx-injected: 1'],
      [':status', '200', 'x-a', 'nul\0'],
      [':status', '200', 'x-a', ' padded'],
      [':status', '200', 'bad name', 'x'],
      [':status', '200', 'connection', 'close'],
      [':status', '200', 'transfer-encoding', 'chunked'],
    ];
    for (const fields of malformed) expect(() => fromHttp2Response(fields)).toThrow(MalformedResponseError);
  });
});

describe('trailers', () => {
  it('reads a backend’s trailers flat and refuses pseudo-headers or bad values among them', () => {
    expect(fromHttp2Trailers(['grpc-status', '0', 'grpc-message', 'ok'])).toEqual([
      'grpc-status',
      '0',
      'grpc-message',
      'ok',
    ]);
    expect(() => fromHttp2Trailers([':status', '200'])).toThrow(MalformedResponseError);
    expect(() => fromHttp2Trailers(['x', 'a\nb'])).toThrow(MalformedResponseError);
  });

  it('builds request trailers without forbidden fields', () => {
    expect(toHttp2Trailers(['X-Sum', '5', 'Connection', 'close', 'x-sum', '6', ':path', '/'])).toEqual([
      'x-sum',
      '5',
      'x-sum',
      '6',
    ]);
  });
});
