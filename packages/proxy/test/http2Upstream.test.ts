import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { LbError } from '@lb/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';
import { echoStream, startHttp2Backend } from './http2Helpers.js';
import { scrape } from './scrape.js';
import { makeTestPki, type TestPki } from './tlsFixtures.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterEach(cleanup);

describe('HTTP/1.1 clients to HTTP/2 backends', () => {
  it('relays a request to an h2c backend, Host as :authority, body and length intact', async () => {
    const h2 = await startHttp2Backend('a');
    const { port } = await startBalancer([h2.backend]);
    const reply = await send(port, {
      method: 'POST',
      path: '/x?y=1',
      body: 'hello',
      headers: { host: 'example.test' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('POST /x?y=1 example.test 5');
    const seen = h2.requests[0]!;
    expect(seen[':scheme']).toBe('http');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.connection).toBeUndefined();
    expect(seen['transfer-encoding']).toBeUndefined();
  });

  it('uses the balancer-level upstreamProtocol for backends without their own', async () => {
    const h2 = await startHttp2Backend('a');
    const { protocol: _p, ...plain } = h2.backend;
    const { port } = await startBalancer([plain], { upstreamProtocol: 'h2c' });
    expect((await send(port)).body).toBe(`GET / 127.0.0.1:${port} 0`);
  });

  it("uses a group's upstreamProtocol for its backends, the other group staying on HTTP/1.1", async () => {
    const h2 = await startHttp2Backend('a');
    const h1 = await startBackend('b');
    const { protocol: _p, ...plain } = h2.backend;
    const { port } = await startBalancer([], {
      strategy: 'roundRobin',
      groups: { grpc: { upstreamProtocol: 'h2c', backends: [plain] }, web: { backends: [h1.backend] } },
      routes: [{ match: { pathPrefix: '/grpc/' }, group: 'grpc' }, { group: 'web' }],
    });
    expect((await send(port, { path: '/grpc/x' })).body).toMatch(/^GET \/grpc\/x /);
    expect((await send(port, { path: '/web' })).body).toMatch(/^hello from /);
  });

  it('speaks h2 over TLS with ALPN to a backend verified by a test CA', async () => {
    const h2 = await startHttp2Backend('a', echoStream, { tls: pki.server });
    const { port } = await startBalancer([h2.backend], { upstreamTls: { ca: pki.ca } });
    const reply = await send(port, { path: '/tls' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^GET \/tls /);
    expect(h2.requests[0]![':scheme']).toBe('https');
  });

  it('verifies an h2 backend by default (system CAs) and presents a client certificate for mutual TLS', async () => {
    const h2 = await startHttp2Backend('a', echoStream, { tls: pki.server, clientCa: pki.ca });
    const unverified = await startBalancer([h2.backend], { retries: false });
    const errors: LbError[] = [];
    unverified.lb.on('proxyError', (err) => errors.push(err));
    expect((await send(unverified.port)).status).toBe(502);
    expect(errors[0]?.code).toBe('LB_ERR_UPSTREAM_CONNECT');
    const withoutCert = await startBalancer([{ ...h2.backend, tls: { ca: pki.ca } }], { retries: false });
    expect((await send(withoutCert.port)).status).toBe(502);
    const mutual = await startBalancer([{ ...h2.backend, tls: { ca: pki.ca, ...pki.client } }]);
    expect((await send(mutual.port, { path: '/m' })).body).toMatch(/^GET \/m /);
    expect(h2.requests).toHaveLength(1);
  });

  it('fails h2 as a connect failure when the certificate does not verify', async () => {
    const h2 = await startHttp2Backend('a', echoStream, { tls: pki.server });
    const { lb, port } = await startBalancer([h2.backend], {
      upstreamTls: { ca: pki.otherCa },
      retries: false,
    });
    const errors: LbError[] = [];
    lb.on('proxyError', (err) => errors.push(err));
    expect((await send(port)).status).toBe(502);
    expect(errors[0]?.code).toBe('LB_ERR_UPSTREAM_CONNECT');
    expect(h2.requests).toHaveLength(0);
  });

  it.each([
    [
      'refuses h2 (an HTTPS server offering http/1.1 only)',
      () => createHttpsServer(pki.server, (_req, res) => res.end('h1')),
    ],
    [
      'picks no protocol (a TLS server without ALPN)',
      // It never reads, so it would never see the balancer's FIN: it closes its side and goes.
      () => createTlsServer(pki.server, (socket) => socket.destroySoon()),
    ],
  ])('fails h2 as a connect failure, saying so, when the backend %s', async (_name, make) => {
    const server = make();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port: h1Port } = server.address() as { port: number };
    const backend = { id: 'a', host: '127.0.0.1', port: h1Port, protocol: 'h2' as const };
    const { lb, port } = await startBalancer([backend], {
      upstreamTls: { ca: pki.ca },
      retries: false,
    });
    const errors: LbError[] = [];
    lb.on('proxyError', (err) => errors.push(err));
    expect((await send(port)).status).toBe(502);
    expect(errors[0]?.code).toBe('LB_ERR_UPSTREAM_CONNECT');
    expect(errors[0]?.message).toMatch(/did not negotiate HTTP\/2/);
  });

  it('relays HEAD (a length, no body), a chunked body without trailers, and 103 Early Hints', async () => {
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      let length = 0;
      stream.on('data', (c: Buffer) => {
        length += c.length;
      });
      stream.on('end', () => {
        if (headers[':method'] === 'HEAD') {
          stream.respond({ ':status': 200, 'content-length': '42' }, { endStream: true });
          return;
        }
        stream.additionalHeaders({ ':status': 103, link: '</a.css>; rel=preload' });
        stream.respond({ ':status': 200 });
        stream.end(`got ${length}`);
      });
    });
    const { port } = await startBalancer([h2.backend]);
    const head = await send(port, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('42');
    expect(head.body).toBe('');
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\n\r\n',
        ),
      );
      let out = '';
      socket.on('data', (c) => {
        out += c;
      });
      socket.on('close', () => resolve(out));
    });
    expect(text).toMatch(
      /^HTTP\/1\.1 103 [\s\S]*\r\nlink: <\/a\.css>; rel=preload\r\n[\s\S]*HTTP\/1\.1 200 /i,
    );
    expect(text).toMatch(/got 4/);
  });

  it('keeps HTTP/1.1 backends on HTTP/1.1 next to h2c ones in one group', async () => {
    const h2 = await startHttp2Backend('a');
    const h1 = await startBackend('b');
    const { lb, port, strategy } = await startBalancer([h2.backend, h1.backend]);
    const bodies = [await send(port), await send(port)].map((r) => r.body);
    expect(strategy.picks).toEqual(['a', 'b']);
    expect(bodies[0]).toMatch(/^GET \//);
    expect(
      lb
        .stats()
        .pools.map((p) => p.id)
        .sort(),
    ).toEqual(['a', 'b']);
  });
});

describe('HTTP/2 sessions over time', () => {
  it('counts sessions in the connection metrics, reuses one, and closes it after upstreamIdleTimeout', async () => {
    const h2 = await startHttp2Backend('a');
    const { lb, port } = await startBalancer([h2.backend], { upstreamIdleTimeout: 200 });
    const total = () => scrape(lb.metrics()).get('lb_backend_connections_total{backend="a"}');
    const active = () => scrape(lb.metrics()).get('lb_backend_active_connections{backend="a"}');
    for (let i = 0; i < 3; i++) expect((await send(port)).status).toBe(200);
    expect(h2.sessions).toHaveLength(1);
    expect(total()).toBe(1);
    expect(active()).toBe(1);
    expect(lb.stats().pools).toEqual([{ id: 'a', opened: 1, active: 0, idle: 1, queued: 0 }]);
    const closed = once(h2.sessions[0]!, 'close');
    await closed;
    await until(() => active() === 0);
    expect(total()).toBe(1);
    expect(lb.stats().pools[0]!.idle).toBe(0);
  });

  it("closes a removed backend's session once its streams end, the request in flight completing", async () => {
    let release = (): void => {};
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.resume();
      release = () => {
        stream.respond({ ':status': 200 });
        stream.end('late');
      };
    });
    const { lb, port } = await startBalancer([h2.backend]);
    const pending = send(port);
    await until(() => h2.requests.length === 1);
    lb.removeBackend('a');
    const closed = once(h2.sessions[0]!, 'close');
    release();
    expect((await pending).body).toBe('late');
    await closed;
    expect(lb.stats().pools).toEqual([]);
  });

  it('health-checks an h2c backend with GET over HTTP/2 and takes it down on a 503', async () => {
    let healthy = true;
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      stream.resume();
      if (headers[':path'] === '/health') {
        stream.respond({ ':status': healthy ? 200 : 503 });
        stream.end();
      } else echoStream(stream, headers);
    });
    const { lb } = await startBalancer([h2.backend], {
      healthCheck: { path: '/health', interval: 20, rise: 1, fall: 1, jitter: 0 },
    });
    await until(() => h2.requests.length > 0);
    const down = once(lb, 'backendDown');
    healthy = false;
    const [, reason] = await down;
    expect(reason).toBe('health check: status 503');
    expect(h2.requests.every((r) => r[':method'] === 'GET' && r[':path'] === '/health')).toBe(true);
  });
});
