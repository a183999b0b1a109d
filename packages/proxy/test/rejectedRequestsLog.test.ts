import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer } from '../src/index.js';
import { cleanup, onCleanup, raw, send, startBackend, startBalancer, statuses, until } from './helpers.js';
import { exchange, request } from './proxyProtocolHelpers.js';
import {
  closeBackends,
  refusedBackend,
  startBackend as startTcpBackend,
  exchange as tcpExchange,
} from './tcpHelpers.js';

afterEach(async () => {
  await cleanup();
  await closeBackends();
});

/** A stream that keeps every line it is given. */
function collector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('requests the listener refuses before dispatch', () => {
  it('are logged with their status, what is known of them and no group, and counted by status', async () => {
    const backend = await startBackend('a');
    const { stream, lines } = collector();
    const { lb, port } = await startBalancer([backend.backend], {
      accessLog: { format: 'json', stream },
      maxHeaderSize: 4096,
    });
    const cases: [string, number][] = [
      ['\x16\x03\x01 not http\r\n\r\n', 400],
      ['TRACE /t HTTP/1.1\r\nHost: a\r\n\r\n', 405],
      ['GET /v HTTP/2.0\r\nHost: a\r\n\r\n', 505],
      ['GET /nohost HTTP/1.1\r\n\r\n', 400],
      [`GET /${'x'.repeat(3000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414],
      [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'y'.repeat(5000)}\r\n\r\n`, 431],
      ['POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ];
    for (const [bytes, status] of cases) expect(statuses(await raw(port, bytes))).toEqual([status]);
    await until(() => lines.length === cases.length);
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries.map((e) => e.status)).toEqual(cases.map(([, status]) => status));
    for (const [i, entry] of entries.entries()) {
      expect(entry.client).toBe('127.0.0.1');
      expect(entry.bytesIn).toBe(Buffer.byteLength(cases[i]![0], 'latin1'));
      expect(entry.bytesOut).toBe(0);
      expect(entry.retries).toBe(0);
      expect(entry.totalMs).toBeGreaterThanOrEqual(0);
      expect(entry.group).toBeUndefined();
      expect(entry.backend).toBeUndefined();
      expect(entry.route).toBeUndefined();
    }
    // What a refusal knows of the request: nothing for garbage, the method and target once the head parsed.
    expect(entries[0]).toMatchObject({ method: '', target: '', protocol: '' });
    expect(entries[1]).toMatchObject({ method: 'TRACE', target: '/t', protocol: 'HTTP/1.1' });
    expect(entries[3]).toMatchObject({ method: 'GET', target: '/nohost' });
    expect(entries[6]).toMatchObject({ method: 'POST', target: '/te' });
    const metrics = lb.metrics();
    expect(metrics).toContain('lb_client_rejected_total{status="400"} 2\n');
    for (const status of [405, 414, 431, 501, 505])
      expect(metrics).toContain(`lb_client_rejected_total{status="${status}"} 1\n`);
  });

  it('logs a header timeout as 408 with the bytes received', async () => {
    const backend = await startBackend('a');
    const { stream, lines } = collector();
    const { port } = await startBalancer([backend.backend], {
      accessLog: { format: 'combined', stream },
      headersTimeout: 100,
    });
    const partial = 'GET /slow HTTP/1.1\r\nHost: a\r\n';
    expect(statuses(await raw(port, partial))).toEqual([408]);
    await until(() => lines.length === 1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "-" 408 0 "-" "-" rt=\\d+\\.\\d{3} uct=- urt=- in=${Buffer.byteLength(partial)} route=- group=- backend=- `,
      ),
    );
  });

  it('logs the client after the trust rules once the head is read', async () => {
    const backend = await startBackend('a');
    const { stream, lines } = collector();
    const { port } = await startBalancer([backend.backend], {
      accessLog: { format: 'json', stream },
      trustProxy: ['127.0.0.1'],
    });
    await raw(port, 'TRACE / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n');
    // Before the head is whole there is no forwarding field to believe: the peer is the client.
    await raw(port, 'BAD\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n');
    await until(() => lines.length === 2);
    expect(lines.map((line) => JSON.parse(line).client)).toEqual(['203.0.113.9', '127.0.0.1']);
  });

  it('counts them without an access log', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend]);
    await raw(port, 'nonsense\r\n\r\n');
    expect(lb.metrics()).toContain('lb_client_rejected_total{status="400"} 1\n');
  });

  it('survives a flood of bad requests into a stalled log: lines are dropped, memory stays bounded', async () => {
    const backend = await startBackend('a');
    // Accepts the first write and never finishes it, as a stuck pipe would.
    const stalled = new Writable({ highWaterMark: 1024, write() {} });
    const { lb, port } = await startBalancer([backend.backend], {
      accessLog: { format: 'json', stream: stalled, maxBuffered: 4096 },
    });
    const flood = 400;
    for (let batch = 0; batch < flood / 50; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => raw(port, `${'\x00'.repeat(64)}\r\n\r\n`)));
    }
    const dropped = () => Number(/lb_access_log_dropped_total (\d+)/.exec(lb.metrics())?.[1] ?? 0);
    await until(() => dropped() > 0);
    expect(lb.metrics()).toContain(`lb_client_rejected_total{status="400"} ${flood}\n`);
    // What the stream holds is bounded by maxBuffered plus the lines of one event-loop turn.
    expect(stalled.writableLength).toBeLessThan(4096 + 50 * 512);
    expect(dropped()).toBeGreaterThan(flood / 2);
    // And the balancer still serves.
    expect((await send(port)).status).toBe(200);
  });
});

describe('connections refused for their PROXY protocol header', () => {
  it('TCP mode logs each one (peer as client, no backend) and counts it', async () => {
    const backend = await startTcpBackend('echo');
    const { stream, lines } = collector();
    const lb = new TcpLoadBalancer(
      {
        loadBalancerPort: 0,
        loadBalancerHost: '127.0.0.1',
        proxyProtocol: { trusted: ['127.0.0.1'], timeout: 200 },
        accessLog: { format: 'json', stream },
      },
      [backend.backend],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const port = lb.address!.port;
    // A malformed header, and a peer that never sends one (closed at the header deadline).
    await exchange(port, ['PROXY TCP4 nonsense\r\n']);
    await exchange(port, []);
    await until(() => lines.length === 2);
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries[0]).toMatchObject({ client: '127.0.0.1', protocol: 'TCP', status: 0, bytesIn: 21 });
    expect(entries[1]).toMatchObject({ client: '127.0.0.1', protocol: 'TCP', status: 0, bytesIn: 0 });
    for (const entry of entries) expect(entry.backend).toBeUndefined();
    expect(lb.metrics()).toContain('lb_proxy_protocol_rejected_total 2\n');
  });

  it('HTTP counts each one; no request was read, so there is no access-log line', async () => {
    const backend = await startBackend('a');
    const { stream, lines } = collector();
    const { lb, port } = await startBalancer([backend.backend], {
      proxyProtocol: { trusted: ['127.0.0.1'] },
      accessLog: { format: 'json', stream },
    });
    expect(await exchange(port, [`PROXY UNKNOWN-ish\r\n${request()}`])).toBe('');
    await until(() => lb.metrics().includes('lb_proxy_protocol_rejected_total 1\n'));
    // A good header then a request: served and logged as usual.
    expect(
      statuses(await exchange(port, [`PROXY TCP4 203.0.113.5 127.0.0.1 5000 80\r\n${request()}`])),
    ).toEqual([200]);
    await until(() => lines.length === 1);
    expect(JSON.parse(lines[0]!).client).toBe('203.0.113.5');
  });
});

describe('TCP connections that are never proxied', () => {
  it('log a line each: no backend up, or every connect refused', async () => {
    const { stream, lines } = collector();
    const dead = await refusedBackend('dead');
    const lb = new TcpLoadBalancer(
      {
        loadBalancerPort: 0,
        loadBalancerHost: '127.0.0.1',
        retries: { attempts: 1 },
        accessLog: { format: 'json', stream },
      },
      [dead],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    expect(await tcpExchange(lb.address!.port, 'hello')).toBe('');
    await until(() => lines.length === 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ protocol: 'TCP', client: '127.0.0.1', backend: 'dead' });
    lb.setBackendHealth('dead', 'down');
    expect(await tcpExchange(lb.address!.port, 'hello')).toBe('');
    await until(() => lines.length === 2);
    const refused = JSON.parse(lines[1]!);
    expect(refused).toMatchObject({ protocol: 'TCP', client: '127.0.0.1', bytesOut: 0 });
    expect(refused.backend).toBeUndefined();
  });
});
