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

  describe('incoming Forwarded', () => {
    const own = 'for=10.0.0.2;proto=http';
    const forwarded = (raw: string[], context: Partial<RequestHeaderContext>) =>
      headersOf(raw, { forwarded: true, ...context }).map.get('forwarded');
    const raw = [
      'Forwarded',
      'for=1.1.1.1;proto=https, for=2.2.2.2',
      'Forwarded',
      'for="[2001:db8::3]:4711";by=_lb',
    ];

    it('keeps as many elements as the hop count trusts, like X-Forwarded-For', () => {
      expect(forwarded(raw, { trust: compileTrustProxy(1) })).toEqual([
        `for="[2001:db8::3]:4711";by=_lb, ${own}`,
      ]);
      expect(forwarded(raw, { trust: compileTrustProxy(2) })).toEqual([
        `for=2.2.2.2, for="[2001:db8::3]:4711";by=_lb, ${own}`,
      ]);
      expect(forwarded(raw, { trust: compileTrustProxy(true) })).toEqual([
        `for=1.1.1.1;proto=https, for=2.2.2.2, for="[2001:db8::3]:4711";by=_lb, ${own}`,
      ]);
    });

    it('keeps an element only while the node that appended it (port stripped) is in the trusted list', () => {
      const trust = compileTrustProxy(['10.0.0.0/8', '2001:db8::/32']);
      expect(forwarded(raw, { trust })).toEqual([`for=2.2.2.2, for="[2001:db8::3]:4711";by=_lb, ${own}`]);
      const ported = ['Forwarded', 'for=5.5.5.5, for=unknown, for="10.1.2.3:8080", for=10.9.9.9'];
      expect(forwarded(ported, { trust })).toEqual([
        `for=unknown, for="10.1.2.3:8080", for=10.9.9.9, ${own}`,
      ]);
    });

    it('drops every incoming element from an untrusted peer', () => {
      expect(forwarded(raw, {})).toEqual([own]);
      const trust = compileTrustProxy(['10.0.0.0/8']);
      expect(forwarded(raw, { trust, peerAddress: '192.0.2.1' })).toEqual(['for=192.0.2.1;proto=http']);
    });

    it('does not split an element on a comma inside a quoted string', () => {
      const quoted = ['Forwarded', 'for=6.6.6.6, for=7.7.7.7;host="a,b\\",c", , for=8.8.8.8,'];
      expect(forwarded(quoted, { trust: compileTrustProxy(2) })).toEqual([
        `for=7.7.7.7;host="a,b\\",c", for=8.8.8.8, ${own}`,
      ]);
    });

    it('ends the believed suffix at a malformed element', () => {
      const broken = [
        'Forwarded',
        'for=1.1.1.1',
        'Forwarded',
        'for=2.2.2.2, for="3.3.3.3',
        'Forwarded',
        'for=4.4.4.4',
      ];
      expect(forwarded(broken, { trust: compileTrustProxy(true) })).toEqual([`for=4.4.4.4, ${own}`]);
      const escapedEnd = ['Forwarded', 'for=1.1.1.1, for="2.2.2.2\\'];
      expect(forwarded(escapedEnd, { trust: compileTrustProxy(true) })).toEqual([own]);
    });
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

  it('puts Host, the forwarding fields and the framing before every client field', () => {
    const { headers } = buildRequestHeaders(
      ['A', '1', 'Content-Length', '5', 'Via', '1.1 cdn', 'B', '2', 'host', 'app.test'],
      { ...base, framing: { kind: 'length', length: 5 } },
    );
    expect(headers).toEqual([
      'Host',
      'app.test',
      'X-Forwarded-For',
      '10.0.0.2',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'app.test',
      'X-Forwarded-Port',
      '8080',
      'Via',
      '1.1 cdn, 1.1 lb',
      'Content-Length',
      '5',
      'A',
      '1',
      'B',
      '2',
    ]);
  });

  it('never lets Connection remove Host, framing or forwarding fields', () => {
    const { map } = headersOf(
      [
        'Host',
        'app.test',
        'Connection',
        'close, Host, Content-Length, Via, Forwarded, X-A',
        'X-A',
        '1',
        'Via',
        '1.1 cdn',
      ],
      { framing: { kind: 'length', length: 5 } },
    );
    expect(map.get('host')).toEqual(['app.test']);
    expect(map.get('content-length')).toEqual(['5']);
    expect(map.get('via')).toEqual(['1.1 cdn, 1.1 lb']);
    expect(map.get('x-a')).toBeUndefined();
  });
});
