import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';
import type { LbError } from '@lb/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, send, startBackend, startBalancer } from './helpers.js';
import { echoStream, startHttp2Backend } from './http2Helpers.js';
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
    expect((await send(port)).body).toBe('GET / 127.0.0.1:' + port + ' 0');
  });

  it('speaks h2 over TLS with ALPN to a backend verified by a test CA', async () => {
    const h2 = await startHttp2Backend('a', echoStream, { tls: pki.server });
    const { port } = await startBalancer([h2.backend], { upstreamTls: { ca: pki.ca } });
    const reply = await send(port, { path: '/tls' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^GET \/tls /);
    expect(h2.requests[0]![':scheme']).toBe('https');
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
      () => createTlsServer(pki.server, (socket) => socket.end()),
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
