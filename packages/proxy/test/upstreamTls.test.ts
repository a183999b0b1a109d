import { once } from 'node:events';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import type { Backend, LbError, UpstreamTlsOptions } from '@lb/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { type ProbeResult, probeBackend } from '../src/backends/health/healthProbe.js';
import { TcpLoadBalancer } from '../src/balancer/tcpLoadBalancer.js';
import { cleanup, onCleanup, send, startBackend, startBalancer } from './helpers.js';
import { exchange, refusedBackend } from './tcpHelpers.js';
import { makeTestPki, type TestPki } from './tlsFixtures.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterEach(cleanup);

/** What the HTTPS backend saw of each request's connection. */
interface Seen {
  servername: string | false | null;
  resumed: boolean;
  socket: TLSSocket;
}

/** An HTTPS backend on 127.0.0.1 that answers `ok` and records the TLS side of each request. */
async function httpsBackend(
  id: string,
  options: { requireClientCert?: boolean; closeEach?: boolean } = {},
): Promise<{ backend: Backend; seen: Seen[]; server: HttpsServer }> {
  const seen: Seen[] = [];
  const server = createHttpsServer(
    {
      ...pki.server,
      ...(options.requireClientCert && { ca: pki.ca, requestCert: true, rejectUnauthorized: true }),
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      seen.push({ servername: socket.servername, resumed: socket.isSessionReused(), socket });
      req.resume();
      if (options.closeEach) res.setHeader('connection', 'close');
      res.end(`ok ${req.headers.host}`);
    },
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { backend: { id, host: '127.0.0.1', port }, seen, server };
}

async function balancer(backends: Backend[], upstreamTls: UpstreamTlsOptions | boolean) {
  const { lb, port } = await startBalancer(backends, { upstreamTls, retries: false });
  const errors: LbError[] = [];
  lb.on('proxyError', (err) => errors.push(err));
  return { lb, port, errors };
}

describe('upstream TLS over HTTP', () => {
  it('proxies to an HTTPS backend verified with the test CA, Host unchanged', async () => {
    const { backend } = await httpsBackend('a');
    const { port } = await balancer([backend], { ca: pki.ca });
    const reply = await send(port, { headers: { host: 'app.example' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('ok app.example');
  });

  it('answers 502 with LB_ERR_UPSTREAM_CONNECT and the TLS error as cause when the CA is wrong', async () => {
    const { backend, seen } = await httpsBackend('a');
    const { port, errors } = await balancer([backend], { ca: pki.otherCa });
    const reply = await send(port);
    expect(reply.status).toBe(502);
    expect(seen).toHaveLength(0);
    expect(errors[0]?.code).toBe('LB_ERR_UPSTREAM_CONNECT');
    expect((errors[0]?.cause as NodeJS.ErrnoException | undefined)?.code).toMatch(/CERT|SIGNATURE|ISSUER/);
  });

  it('accepts an unverified certificate with rejectUnauthorized: false (unsafe)', async () => {
    const { backend } = await httpsBackend('a');
    const { port } = await balancer([backend], { rejectUnauthorized: false });
    expect((await send(port)).status).toBe(200);
  });

  it('sends servername as SNI, and none for an IP host', async () => {
    const { backend, seen } = await httpsBackend('a');
    const named = await balancer([backend], { ca: pki.ca, servername: 'localhost' });
    expect((await send(named.port)).status).toBe(200);
    const plainIp = await balancer([backend], { ca: pki.ca });
    expect((await send(plainIp.port)).status).toBe(200);
    expect(seen.map((s) => s.servername)).toEqual(['localhost', false]);
  });

  it('presents the client certificate to a backend that requires one, and fails without', async () => {
    const { backend, seen } = await httpsBackend('a', { requireClientCert: true });
    const withCert = await balancer([backend], { ca: pki.ca, ...pki.client });
    expect((await send(withCert.port)).status).toBe(200);
    expect(seen).toHaveLength(1);
    const without = await balancer([backend], { ca: pki.ca });
    expect((await send(without.port)).status).toBe(502);
    expect(seen).toHaveLength(1);
  });

  it('resumes the TLS session on the next new connection', async () => {
    const { backend, seen } = await httpsBackend('a', { closeEach: true });
    const { port } = await balancer([backend], { ca: pki.ca });
    expect((await send(port)).status).toBe(200);
    expect((await send(port)).status).toBe(200);
    expect(seen.map((s) => s.resumed)).toEqual([false, true]);
    expect(seen[0]?.socket).not.toBe(seen[1]?.socket);
  });

  it('keeps one TLS connection alive for sequential requests', async () => {
    const { backend, seen } = await httpsBackend('a');
    const { port } = await balancer([backend], { ca: pki.ca });
    for (let i = 0; i < 3; i++) expect((await send(port)).status).toBe(200);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it("lets a group's upstreamTls override the balancer's", async () => {
    const secure = await httpsBackend('s');
    const { port } = await startBalancer([], {
      upstreamTls: { ca: pki.otherCa },
      groups: { default: { upstreamTls: { ca: pki.ca }, backends: [secure.backend] } },
    });
    expect((await send(port)).status).toBe(200);
  });

  it("lets a backend's tls override upstreamTls, either way", async () => {
    const plain = await startBackend('plain');
    const secure = await httpsBackend('secure');
    // The test strategy takes turns, so each backend gets one of the two requests.
    const { port } = await startBalancer(
      [
        { ...plain.backend, tls: false },
        { ...secure.backend, tls: { ca: pki.ca } },
      ],
      { upstreamTls: { ca: pki.otherCa }, retries: false },
    );
    expect((await send(port)).status).toBe(200);
    expect((await send(port)).status).toBe(200);
    expect(plain.requests).toHaveLength(1);
    expect(secure.seen).toHaveLength(1);
  });

  it('opens an Upgrade tunnel (a WebSocket) over TLS', async () => {
    const { backend, server } = await httpsBackend('ws');
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${String(data)}`)));
    onCleanup(() => new Promise((resolve) => wss.close(resolve)));
    const { port } = await balancer([backend], { ca: pki.ca });
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    onCleanup(() => client.terminate());
    await once(client, 'open');
    client.send('hi');
    const [reply] = await once(client, 'message');
    expect(String(reply)).toBe('echo hi');
  });

  it('probes health over TLS, failing on a certificate it cannot verify', async () => {
    const { backend } = await httpsBackend('a');
    const probe = (ca: string) =>
      new Promise<ProbeResult>((resolve) =>
        probeBackend(backend, { type: 'http', path: '/', timeout: 5000, tls: { ca } }, resolve),
      );
    expect(await probe(pki.ca)).toEqual({ ok: true });
    const failed = await probe(pki.otherCa);
    expect(failed.ok).toBe(false);
  });
});

describe('upstream TLS in TCP mode', () => {
  it('pipes the client plaintext into a TLS connection to the backend', async () => {
    const server = createTlsServer(pki.server, (socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port: backendPort } = server.address() as { port: number };
    const lb = new TcpLoadBalancer(
      { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', upstreamTls: { ca: pki.ca } },
      [{ id: 'echo', host: '127.0.0.1', port: backendPort }],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 0 }));
    expect(await exchange(lb.address!.port, 'ping over tls')).toBe('ping over tls');
  });

  it('sends the PROXY header on the bare connection, before the TLS handshake', async () => {
    const headers: string[] = [];
    const server = createNetServer((raw) => {
      raw.on('error', () => {});
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n');
        if (end === -1) return;
        raw.off('data', onData);
        headers.push(buffered.subarray(0, end).toString('latin1'));
        // A TLS socket over a net socket reads its handle directly, past any unshifted bytes: feed it a stream.
        const rest = new Duplex({
          read: () => raw.resume(),
          write: (chunk, _encoding, done) => raw.write(chunk, done),
          final: (done) => raw.end(done),
        });
        raw.on('data', (data: Buffer) => {
          if (!rest.push(data)) raw.pause();
        });
        raw.on('end', () => rest.push(null));
        rest.push(buffered.subarray(end + 2));
        const secure = new TLSSocket(rest, { isServer: true, ...pki.server });
        secure.on('error', () => {});
        secure.pipe(secure);
      };
      raw.on('data', onData);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port: backendPort } = server.address() as { port: number };
    const lb = new TcpLoadBalancer(
      {
        loadBalancerPort: 0,
        loadBalancerHost: '127.0.0.1',
        upstreamTls: { ca: pki.ca },
        sendProxyProtocol: 1,
      },
      [{ id: 'echo', host: '127.0.0.1', port: backendPort }],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 0 }));
    expect(await exchange(lb.address!.port, 'after the header')).toBe('after the header');
    expect(headers[0]).toMatch(/^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+$/);
  });

  it('fails over from a refused TLS backend, PROXY header or not, without crashing', async () => {
    const server = createTlsServer(pki.server, (socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port: backendPort } = server.address() as { port: number };
    for (const sendProxyProtocol of [undefined, 2] as const) {
      const lb = new TcpLoadBalancer(
        {
          loadBalancerPort: 0,
          loadBalancerHost: '127.0.0.1',
          upstreamTls: { ca: pki.ca },
          ...(sendProxyProtocol && { sendProxyProtocol }),
          strategy: 'roundRobin',
          retries: { attempts: 1 },
        },
        [
          await refusedBackend('refused'),
          { id: 'wrong-ca', host: '127.0.0.1', port: backendPort, tls: { ca: pki.otherCa } },
        ],
      );
      const errors: string[] = [];
      lb.on('proxyError', (err) => errors.push(err.code));
      await lb.start();
      onCleanup(() => lb.stop({ timeout: 0 }));
      expect(await exchange(lb.address!.port, 'nobody')).toBe('');
      expect(errors).toEqual(['LB_ERR_UPSTREAM_CONNECT', 'LB_ERR_UPSTREAM_CONNECT']);
    }
  });
});
