import { describe, expect, it } from 'vitest';
import { buildRequestHeaders, type RequestHeaderContext } from './requestHeaders.js';
import { compileTrustProxy } from './trustProxy.js';

const base: RequestHeaderContext = {
  httpVersion: '1.1',
  peerAddress: '10.0.0.2',
  localPort: 8080,
  encrypted: false,
  trust: compileTrustProxy(false),
  forwarded: false,
  via: 'lb',
  framing: { kind: 'none' },
};

function headersOf(raw: string[], context: Partial<RequestHeaderContext> = {}) {
  const { headers, clientAddress } = buildRequestHeaders(raw, { ...base, ...context });
  const map = new Map<string, string[]>();
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    map.set(name, [...(map.get(name) ?? []), headers[i + 1]!]);
  }
  return { map, clientAddress };
}

describe('buildRequestHeaders', () => {
  it('drops Connection-named fields case-insensitively, across several Connection headers', () => {
    const { map } = headersOf([
      'Connection',
      'X-A',
      'connection',
      ' x-b , ',
      'X-A',
      '1',
      'x-B',
      '2',
      'X-C',
      '3',
    ]);
    expect([...map.keys()]).not.toContain('x-a');
    expect([...map.keys()]).not.toContain('x-b');
    expect(map.get('x-c')).toEqual(['3']);
  });

  it('keeps duplicate end-to-end fields in order and Host as sent', () => {
    const { map } = headersOf(['Host', 'Example.test', 'Accept', 'a', 'Accept', 'b']);
    expect(map.get('host')).toEqual(['Example.test']);
    expect(map.get('accept')).toEqual(['a', 'b']);
  });

  it('re-emits framing canonically and never forwards client Content-Length or Transfer-Encoding', () => {
    expect(
      headersOf(['Content-Length', '005'], { framing: { kind: 'length', length: 5 } }).map.get(
        'content-length',
      ),
    ).toEqual(['5']);
    const chunked = headersOf(['Transfer-Encoding', 'chunked'], { framing: { kind: 'chunked' } }).map;
    expect(chunked.get('transfer-encoding')).toEqual(['chunked']);
    expect(chunked.get('content-length')).toBeUndefined();
  });

  it('trusts exactly the configured hop count', () => {
    const raw = ['X-Forwarded-For', '1.1.1.1, 2.2.2.2', 'X-Forwarded-For', '3.3.3.3'];
    expect(headersOf(raw, { trust: compileTrustProxy(1) }).clientAddress).toBe('3.3.3.3');
    expect(headersOf(raw, { trust: compileTrustProxy(2) }).clientAddress).toBe('2.2.2.2');
    const two = headersOf(raw, { trust: compileTrustProxy(2) }).map;
    expect(two.get('x-forwarded-for')).toEqual(['2.2.2.2, 3.3.3.3, 10.0.0.2']);
    expect(headersOf(raw, { trust: compileTrustProxy(true) }).clientAddress).toBe('1.1.1.1');
    expect(headersOf(raw, { trust: compileTrustProxy(0) }).clientAddress).toBe('10.0.0.2');
  });

  it('stops at a malformed entry instead of believing it', () => {
    const raw = ['X-Forwarded-For', 'evil, not-an-ip, 4.4.4.4'];
    expect(headersOf(raw, { trust: compileTrustProxy(true) }).clientAddress).toBe('4.4.4.4');
  });

  it('trusts by address list and CIDR range', () => {
    const trust = compileTrustProxy(['10.0.0.0/8']);
    const raw = ['X-Forwarded-For', '5.5.5.5, 10.1.2.3', 'X-Forwarded-Proto', 'https'];
    const { map, clientAddress } = headersOf(raw, { trust });
    expect(clientAddress).toBe('5.5.5.5');
    expect(map.get('x-forwarded-proto')).toEqual(['https']);
    const outsider = headersOf(raw, { trust, peerAddress: '192.0.2.1' });
    expect(outsider.clientAddress).toBe('192.0.2.1');
    expect(outsider.map.get('x-forwarded-proto')).toEqual(['http']);
  });

  it('quotes IPv6 nodes and odd hosts in Forwarded, and maps IPv4-in-IPv6 peers to IPv4', () => {
    const v6 = headersOf(['Host', 'a.test:8443'], { peerAddress: '::1', forwarded: true }).map;
    expect(v6.get('forwarded')).toEqual(['for="[::1]";proto=http;host="a.test:8443"']);
    expect(headersOf([], { peerAddress: '::ffff:127.0.0.1' }).map.get('x-forwarded-for')).toEqual([
      '127.0.0.1',
    ]);
  });

  it('adds Via with the request version, or none when disabled', () => {
    expect(headersOf([], { httpVersion: '1.0' }).map.get('via')).toEqual(['1.0 lb']);
    expect(headersOf([], { via: false }).map.get('via')).toBeUndefined();
  });

  it('re-adds Upgrade and Connection for tunnels', () => {
    const { map } = headersOf(['Connection', 'Upgrade', 'Upgrade', 'websocket'], { upgrade: 'websocket' });
    expect(map.get('connection')).toEqual(['Upgrade']);
    expect(map.get('upgrade')).toEqual(['websocket']);
  });
});
