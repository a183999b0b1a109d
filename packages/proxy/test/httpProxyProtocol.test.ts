import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ClusterConfig } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../src/index.js';
import { encodeProxyHeader } from '../src/protocol/proxy/encodeProxyHeader.js';
import { proxyV2Signature } from '../src/protocol/proxy/parseProxyHeader.js';
import { cleanup, onCleanup, startBackend, startBalancer, statuses, testStrategy, until } from './helpers.js';
import { echoBackend, exchange, request } from './proxyProtocolHelpers.js';

afterEach(cleanup);

/** A v2 header by hand: `LOCAL` (the proxy's own health check) with no address block. */
const v2Local = Buffer.concat([proxyV2Signature, Buffer.from([0x20, 0x00, 0x00, 0x00])]);

describe('LoadBalancer and the PROXY protocol', () => {
  it('takes the client from a trusted v1 header split across writes, for every request of the connection', async () => {
    const backend = await echoBackend();
    const { port, strategy } = await startBalancer([backend.backend], {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const head = 'PROXY TCP4 203.0.113.7 198.51.100.1 5555 80\r\n';
    const reply = await exchange(port, [
      head.slice(0, 1),
      head.slice(1, 7),
      head.slice(7, 30),
      head.slice(30) + request('keep-alive').slice(0, 5),
      request('keep-alive').slice(5) + request(),
    ]);
    expect(statuses(reply)).toEqual([200, 200]);
    expect(reply.match(/xff=[\d.]+/g)).toEqual(['xff=203.0.113.7', 'xff=203.0.113.7']);
    // Hashing strategies see the relayed client too.
    expect(strategy.contexts.map((c) => c.clientAddress)).toEqual(['203.0.113.7', '203.0.113.7']);
  });

  it('takes the client from v2 headers, IPv4 with TLVs and IPv6, split across writes', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { proxyProtocol: { trusted: ['127.0.0.0/8'] } });
    const v4 = encodeProxyHeader(2, { address: '192.0.2.9', port: 4000 }, { address: '10.0.0.1', port: 80 });
    // The same header with an authority TLV (type 0x02) appended and the length field grown to match.
    const tlv = Buffer.from([0x02, 0x00, 0x02, 0x6c, 0x62]);
    const withTlv = Buffer.concat([v4, tlv]);
    withTlv.writeUInt16BE(v4.readUInt16BE(14) + tlv.length, 14);
    const v6 = encodeProxyHeader(
      2,
      { address: '2001:db8::7', port: 4000 },
      { address: '2001:db8::1', port: 80 },
    );
    for (const [header, client] of [
      [withTlv, '192.0.2.9'],
      [v6, '2001:db8::7'],
    ] as const) {
      const bytes = Buffer.concat([header, Buffer.from(request())]);
      const reply = await exchange(port, [bytes.subarray(0, 7), bytes.subarray(7, 17), bytes.subarray(17)]);
      expect(statuses(reply)).toEqual([200]);
      expect(reply).toContain(`xff=${client}`);
    }
  });

  it('keeps the socket address for a v2 LOCAL header and a v1 UNKNOWN one', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { proxyProtocol: { trusted: ['127.0.0.1'] } });
    for (const header of [v2Local, Buffer.from('PROXY UNKNOWN\r\n')]) {
      const reply = await exchange(port, [Buffer.concat([header, Buffer.from(request())])]);
      expect(statuses(reply)).toEqual([200]);
      expect(reply).toContain('xff=127.0.0.1');
    }
  });

  it('closes a trusted connection whose header is garbage, truncated or late, and never reaches a backend', async () => {
    const backend = await echoBackend();
    const { lb, port } = await startBalancer([backend.backend], {
      proxyProtocol: { trusted: ['127.0.0.1'], timeout: 200 },
    });
    // Garbage: a plain request where the header must be.
    expect(await exchange(port, [request()])).toBe('');
    // Malformed: a v1 line with an address that is not one.
    expect(await exchange(port, [`PROXY TCP4 999.0.0.1 10.0.0.1 1 2\r\n${request()}`])).toBe('');
    // Truncated: half a header, then the client is silent; the header deadline closes the connection.
    expect(await exchange(port, ['PROXY TCP4 203.0.113.7 '])).toBe('');
    // Late: nothing at all.
    expect(await exchange(port, [])).toBe('');
    expect(backend.requests).toHaveLength(0);
    // Each connection counted once, whether refused at once or when its deadline closed it.
    await until(() => lb.metrics().includes('lb_proxy_protocol_rejected_total 4\n'));
    expect(await exchange(port, [`PROXY TCP4 203.0.113.7 10.0.0.1 1 2\r\n${request()}`])).toContain('xff=');
    expect(lb.metrics()).toContain('lb_proxy_protocol_rejected_total 4\n');
  });

  it('serves an untrusted peer as any client: its PROXY line is a bad request', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { proxyProtocol: { trusted: ['10.0.0.0/8'] } });
    const reply = await exchange(port, [`PROXY TCP4 203.0.113.7 198.51.100.1 5555 80\r\n${request()}`]);
    expect(statuses(reply)).toEqual([400]);
    expect(backend.requests).toHaveLength(0);
    // Without a header it is served, under its own address.
    expect(await exchange(port, [request()])).toContain('xff=127.0.0.1');
  });

  it('closes a connection still waiting for its header as soon as the balancer starts stopping', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      void held.then(() => res.end('late'));
    });
    // A header deadline far beyond the test's own, so only the stop can end that connection in time.
    const { lb, port } = await startBalancer([backend.backend], {
      proxyProtocol: { trusted: ['127.0.0.1'], timeout: 600_000 },
    });
    // A request in flight keeps the stop draining; the connection without a header has nothing to drain.
    const inFlight = exchange(port, [`PROXY TCP4 203.0.113.7 10.0.0.1 1 2\r\n${request()}`]);
    await until(() => backend.requests.length === 1);
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    const closed = once(socket, 'close');
    socket.write('PROXY TCP4 ');
    await until(() => lb.stats().metrics.activeClientConnections === 2);
    const stopped = lb.stop({ timeout: 60_000 });
    await closed;
    release();
    expect(await inFlight).toContain('late');
    await stopped;
  });

  it('is taken from a ClusterConfig', async () => {
    const backend = await echoBackend();
    const lb = new LoadBalancer(
      new ClusterConfig({
        loadBalancerPort: 0,
        loadBalancerHost: '127.0.0.1',
        strategy: testStrategy(),
        proxyProtocol: { trusted: ['127.0.0.1'] },
      }),
      [backend.backend],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const reply = await exchange(lb.address!.port, [`PROXY TCP4 203.0.113.8 10.0.0.1 1 2\r\n${request()}`]);
    expect(reply).toContain('xff=203.0.113.8');
  });
});

describe('LoadBalancer with TLS and the PROXY protocol', () => {
  function certificate(): { key: Buffer; cert: Buffer } {
    const dir = mkdtempSync(join(tmpdir(), 'lb-pp-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  }

  /**
   * Sends `header` then an HTTPS request. With `coalesce`, the header and the ClientHello leave in one write, so
   * the balancer reads the start of the handshake together with the header; otherwise they are separate writes.
   */
  async function httpsAfterHeader(
    port: number,
    ca: Buffer,
    header: Buffer,
    coalesce: boolean,
  ): Promise<string> {
    const tcp = connect({ port, host: '127.0.0.1' });
    tcp.setNoDelay(true);
    tcp.on('error', () => {});
    await once(tcp, 'connect');
    let carrier: Socket | Duplex = tcp;
    if (coalesce) {
      let first = true;
      const duplex = new Duplex({
        write(chunk: Buffer, _encoding, callback) {
          tcp.write(first ? Buffer.concat([header, chunk]) : chunk, callback);
          first = false;
        },
        read() {},
        final(callback) {
          tcp.end(callback);
        },
      });
      tcp.on('data', (c: Buffer) => duplex.push(c));
      tcp.on('end', () => duplex.push(null));
      tcp.on('close', () => duplex.destroy());
      carrier = duplex;
    } else {
      await new Promise<void>((resolve) => tcp.write(header, () => resolve()));
    }
    const secure = tlsConnect({ socket: carrier, ca, servername: 'localhost' });
    secure.on('error', () => {});
    const received: Buffer[] = [];
    secure.on('data', (c: Buffer) => received.push(c));
    const timer = setTimeout(() => tcp.destroy(), 5000);
    secure.write(request());
    await once(tcp, 'close');
    clearTimeout(timer);
    return Buffer.concat(received).toString('latin1');
  }

  it('reads the header before the handshake, whether the ClientHello comes with it or after it', async () => {
    const { key, cert } = certificate();
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.end(
        `xff=${String(req.headers['x-forwarded-for'])} proto=${String(req.headers['x-forwarded-proto'])}`,
      );
    });
    const { port } = await startBalancer([backend.backend], {
      tls: { key, cert },
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const v1 = Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n');
    const v2 = encodeProxyHeader(
      2,
      { address: '2001:db8::9', port: 1 },
      { address: '2001:db8::1', port: 443 },
    );
    for (const coalesce of [false, true]) {
      expect(await httpsAfterHeader(port, cert, v1, coalesce)).toContain('xff=203.0.113.7 proto=https');
      expect(await httpsAfterHeader(port, cert, v2, coalesce)).toContain('xff=2001:db8::9 proto=https');
      expect(await httpsAfterHeader(port, cert, v2Local, coalesce)).toContain('xff=127.0.0.1 proto=https');
    }
    // An untrusted peer is served over TLS as any client, under its own address.
    const { port: untrustedPort } = await startBalancer([backend.backend], {
      tls: { key, cert },
      proxyProtocol: { trusted: ['10.0.0.0/8'] },
    });
    expect(await httpsAfterHeader(untrustedPort, cert, Buffer.alloc(0), false)).toContain(
      'xff=127.0.0.1 proto=https',
    );
    // A ClientHello where the header must be is not a header: closed before any handshake.
    const tcp = connect({ port, host: '127.0.0.1' });
    const secure = tlsConnect({ socket: tcp, ca: cert, servername: 'localhost' });
    const [error] = await once(secure, 'error');
    expect(error).toBeInstanceOf(Error);
    expect(backend.requests).toHaveLength(3 * 2 + 1);
  });
});
