import { describe, expect, it } from 'vitest';
import { reasonPhrase } from '../http1/statusReasons.js';
import { flattenHttp2Headers, fromHttp2Response, toHttp2Request, toHttp2Trailers } from './http2Headers.js';

const line = { method: 'GET', path: '/a?b', scheme: 'http' as const, defaultAuthority: '10.0.0.1:8080' };

describe('HTTP/1.1 head to HTTP/2 headers', () => {
  it('puts the pseudo-headers first, Host as :authority, names lower-cased', () => {
    const headers = toHttp2Request(line, [
      'Host',
      'example.test',
      'X-Forwarded-For',
      '1.2.3.4',
      'Accept',
      '*/*',
    ]);
    expect(Object.keys(headers)).toEqual([
      ':method',
      ':scheme',
      ':authority',
      ':path',
      'x-forwarded-for',
      'accept',
    ]);
    expect(headers[':authority']).toBe('example.test');
    expect(headers[':path']).toBe('/a?b');
  });

  it('names the backend when there is no Host, and keeps the first of two', () => {
    expect(toHttp2Request(line, [])[':authority']).toBe('10.0.0.1:8080');
    expect(toHttp2Request(line, ['Host', 'a', 'host', 'b'])[':authority']).toBe('a');
  });

  it('drops connection-specific fields and keeps TE only as trailers', () => {
    const headers = toHttp2Request(line, [
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
    expect(headers).toEqual({
      ':method': 'GET',
      ':scheme': 'http',
      ':authority': '10.0.0.1:8080',
      ':path': '/a?b',
      te: 'trailers',
      'content-length': '5',
    });
    expect(toHttp2Request(line, ['TE', 'gzip']).te).toBeUndefined();
    expect(toHttp2Request(line, ['te', 'trailersx']).te).toBeUndefined();
  });

  it('joins repeated fields into one list in order', () => {
    const headers = toHttp2Request(line, ['Cookie', 'a=1', 'X-A', '1', 'cookie', 'b=2', 'COOKIE', 'c=3']);
    expect(headers.cookie).toEqual(['a=1', 'b=2', 'c=3']);
    expect(headers['x-a']).toBe('1');
  });

  it('gives CONNECT only :method and :authority', () => {
    expect(toHttp2Request({ ...line, method: 'CONNECT' }, ['Host', 'db:5432'])).toEqual({
      ':method': 'CONNECT',
      ':authority': 'db:5432',
    });
  });

  it('never lets a client field pose as a pseudo-header (a colon name cannot come through HTTP/1.1)', () => {
    // The HTTP/1.1 parser refuses such names; the mapping still must not let one override the real ones.
    const headers = toHttp2Request(line, [':path', '/evil']);
    expect(headers[':path']).toBe('/a?b');
  });
});

describe('HTTP/2 response to the HTTP/1.1 response head', () => {
  it('reads status, reason, length and flat fields without pseudo-headers', () => {
    const head = fromHttp2Response({
      ':status': 201,
      'content-length': '12',
      'set-cookie': ['a=1', 'b=2'],
      server: 'x',
    });
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
    for (const bad of ['', '-1', '1e3', ' 5', '0x10', '12345678901234567']) {
      expect(fromHttp2Response({ ':status': 200, 'content-length': bad }).contentLength).toBeUndefined();
    }
  });

  it('flattens trailers and builds request trailers without forbidden fields', () => {
    expect(flattenHttp2Headers({ 'grpc-status': '0', 'grpc-message': 'ok' })).toEqual([
      'grpc-status',
      '0',
      'grpc-message',
      'ok',
    ]);
    expect(toHttp2Trailers(['X-Sum', '5', 'Connection', 'close', 'x-sum', '6', ':path', '/'])).toEqual({
      'x-sum': ['5', '6'],
    });
  });
});
