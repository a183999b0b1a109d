import { describe, expect, it } from 'vitest';
import { checkRequestFields, MalformedRequestError } from './requestFields.js';

const get = [':method', 'GET', ':scheme', 'https', ':path', '/a?b', ':authority', 'example.com'];

describe('checkRequestFields', () => {
  it('gives an HTTP/1.1 head: Host from :authority first, cookies joined, te: trailers dropped', () => {
    const head = checkRequestFields([
      ...get,
      'cookie',
      'a=1',
      'accept',
      '*/*',
      'cookie',
      'b=2',
      'te',
      'trailers',
      'host',
      'other.example',
    ]);
    expect(head).toEqual({
      method: 'GET',
      path: '/a?b',
      authority: 'example.com',
      rawHeaders: ['Host', 'example.com', 'accept', '*/*', 'Cookie', 'a=1; b=2'],
      contentLength: undefined,
      expect: undefined,
    });
  });

  it('takes the host field when there is no :authority, and reads content-length and expect', () => {
    const head = checkRequestFields([
      ':method',
      'POST',
      ':scheme',
      'http',
      ':path',
      '/',
      'host',
      'h.example',
      'content-length',
      '12',
      'content-length',
      '12',
      'expect',
      '100-continue',
    ]);
    expect(head.rawHeaders).toEqual(['Host', 'h.example', 'expect', '100-continue']);
    expect(head.contentLength).toBe(12);
    expect(head.expect).toBe('100-continue');
  });

  it('lets OPTIONS * through and CONNECT to the caller (which refuses it)', () => {
    expect(checkRequestFields([':method', 'OPTIONS', ':scheme', 'http', ':path', '*']).path).toBe('*');
    expect(checkRequestFields([':method', 'CONNECT', ':authority', 'example.com:443']).method).toBe(
      'CONNECT',
    );
  });

  it.each([
    ['a connection field', [...get, 'connection', 'close']],
    ['keep-alive', [...get, 'keep-alive', '1']],
    ['proxy-connection', [...get, 'proxy-connection', 'x']],
    ['transfer-encoding', [...get, 'transfer-encoding', 'chunked']],
    ['upgrade', [...get, 'upgrade', 'h2c']],
    ['te: gzip', [...get, 'te', 'gzip']],
    ['an upper-case name', [...get, 'Accept', '*/*']],
    ['an empty name', [...get, '', 'x']],
    ['a CR in a value', [...get, 'x', 'a\rb']],
    ['a LF in a value', [...get, 'x', 'a\nb']],
    ['a NUL in a value', [...get, 'x', 'a\u0000b']],
    ['a leading space', [...get, 'x', ' a']],
    ['a trailing tab', [...get, 'x', 'a\t']],
    ['a pseudo-header after a field', ['accept', '*/*', ...get]],
    ['an unknown pseudo-header', [...get, ':protocol', 'websocket']],
    ['a repeated pseudo-header', [...get, ':method', 'POST']],
    ['no :method', get.slice(2)],
    ['no :path', [':method', 'GET', ':scheme', 'http']],
    ['an empty :path', [':method', 'GET', ':scheme', 'http', ':path', '']],
    ['an absolute :path', [':method', 'GET', ':scheme', 'http', ':path', 'http://x/']],
    ['* on GET', [':method', 'GET', ':scheme', 'http', ':path', '*']],
    ['a bad content-length', [...get, 'content-length', '-1']],
    ['conflicting content-lengths', [...get, 'content-length', '1', 'content-length', '2']],
    ['two host fields', [...get, 'host', 'a', 'host', 'b']],
  ])('refuses %s as malformed', (_name, raw) => {
    expect(() => checkRequestFields(raw as string[])).toThrow(MalformedRequestError);
  });
});
