import { once } from 'node:events';
import { constants } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, startBackend, startBalancer, until } from './helpers.js';
import { h2Request, h2Session } from './http2Helpers.js';
import { makeTestPki } from './tlsFixtures.js';

afterEach(cleanup);

const MiB = 1024 * 1024;

describe('HTTP/2 streams on the request path', () => {
  it('writes an access-log line with the protocol HTTP/2, and runs the onRequest and onResponse hooks', async () => {
    const backend = await startBackend('a');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const { port } = await startBalancer([backend.backend], {
      http2: true,
      accessLog: { format: 'json', stream },
      onRequest: (req) => {
        if (req.path === '/hooked') req.respond(418, {}, 'answered by the hook');
      },
      onResponse: (_req, res) => {
        res.setHeader('x-seen-by', 'hook');
      },
    });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const proxied = await h2Request(session, {
      ':method': 'GET',
      ':path': '/logged',
      'user-agent': 'h2-test',
    });
    expect(proxied.status).toBe(200);
    expect(proxied.headers['x-seen-by']).toBe('hook');
    const hooked = await h2Request(session, { ':method': 'GET', ':path': '/hooked' });
    expect(hooked.status).toBe(418);
    expect(hooked.body).toBe('answered by the hook');
    await until(() => lines.length === 2);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ protocol: 'HTTP/2', method: 'GET', target: '/logged', status: 200 });
    expect(entry.userAgent ?? entry.user_agent).toBe('h2-test');
  });

  it('retries an idempotent stream on another backend when the first one refuses the connection', async () => {
    const good = await startBackend('good');
    const dead = await startBackend('dead');
    await dead.close();
    const { port, strategy } = await startBalancer([dead.backend, good.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => h2Request(session, { ':method': 'GET', ':path': '/' })),
    );
    for (const reply of replies) expect(reply.status).toBe(200);
    expect(strategy.picks).toContain('dead');
  });

  it('answers 503 on a stream when no backend is available, and the session goes on', async () => {
    const { port } = await startBalancer([], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const first = await h2Request(session, { ':method': 'GET', ':path': '/' });
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect((await h2Request(session, { ':method': 'GET', ':path': '/' })).status).toBe(503);
  });

  it('streams a large upload and download with flow control, and a slow reader stalls the backend', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    let blocked = false;
    let lastProgress = Date.now();
    const total = 256 * MiB;
    const backend = await startBackend('big', (req, res) => {
      if (req.url === '/upload') {
        let received = 0;
        req.on('data', (c: Buffer) => {
          received += c.length;
        });
        req.on('end', () => res.end(String(received)));
        return;
      }
      res.writeHead(200, { 'content-length': String(total) });
      const pump = (): void => {
        blocked = false;
        while (written < total) {
          written += chunk.length;
          lastProgress = Date.now();
          if (!res.write(chunk)) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const upload = await h2Request(
      session,
      { ':method': 'POST', ':path': '/upload' },
      Buffer.alloc(32 * MiB, 0x62),
    );
    expect(upload.body).toBe(String(32 * MiB));

    const download = session.request({ ':method': 'GET', ':path': '/download' });
    download.pause();
    await once(download, 'response');
    // The client reads nothing: its window fills, the balancer stops reading the backend, the backend stalls.
    await until(() => blocked && Date.now() - lastProgress > 300, 20_000);
    expect(written).toBeLessThan(32 * MiB);
    let received = 0;
    download.on('data', (c: Buffer) => {
      received += c.length;
    });
    download.resume();
    await once(download, 'end');
    expect(received).toBe(total);
  }, 60_000);

  it('closes an idle session after keepAliveTimeout with GOAWAY NO_ERROR', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], { http2: true, keepAliveTimeout: 200 });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    expect((await h2Request(session, { ':method': 'GET', ':path': '/' })).status).toBe(200);
    const [code] = (await once(session, 'goaway')) as [number];
    expect(code).toBe(constants.NGHTTP2_NO_ERROR);
  });

  it('answers 408 to a stream whose body outlasts requestTimeout, aborts its backend request, and keeps the session', async () => {
    let aborted = false;
    const backend = await startBackend('slow-body', (req, res) => {
      req.resume();
      if (req.url === '/') req.on('end', () => res.end('ok'));
      res.on('close', () => {
        if (req.url !== '/') aborted = !res.writableEnded;
      });
    });
    const { port } = await startBalancer([backend.backend], {
      http2: true,
      requestTimeout: 300,
      headersTimeout: 200,
    });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': '/never-ends' });
    stream.on('error', () => {});
    stream.write('the start of a body that never ends');
    const [headers] = (await once(stream, 'response')) as [Record<string, string>];
    expect(Number(headers[':status'])).toBe(408);
    await until(() => aborted);
    expect((await h2Request(session, { ':method': 'GET', ':path': '/' })).status).toBe(200);
  });

  it('on stop() sends GOAWAY and lets the streams in flight finish', async () => {
    const waiting: ((body: string) => void)[] = [];
    const backend = await startBackend('slow', (req, res) => {
      req.resume();
      waiting.push((body) => res.end(body));
    });
    const { lb, port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const inFlight = h2Request(session, { ':method': 'GET', ':path': '/slow' });
    await until(() => waiting.length === 1);
    const goaway = once(session, 'goaway');
    const stopped = lb.stop({ timeout: 10_000 });
    await goaway;
    waiting[0]!('finished after GOAWAY');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('finished after GOAWAY');
    await stopped;
  });

  it('reads a PROXY header before the preface (h2c)', async () => {
    const backend = await startBackend('echo', (req, res) => {
      req.resume();
      res.end(String(req.headers['x-forwarded-for']));
    });
    const proxyProtocol = { trusted: ['127.0.0.1'] };
    const clear = await startBalancer([backend.backend], { http2: true, proxyProtocol });
    const header = `PROXY TCP4 203.0.113.7 127.0.0.1 4000 ${clear.port}\r\n`;
    const raw = netConnect(clear.port, '127.0.0.1');
    onCleanup(() => raw.destroy());
    await once(raw, 'connect');
    raw.write(header);
    const session = await h2Session(`http://127.0.0.1:${clear.port}`, { createConnection: () => raw });
    expect((await h2Request(session, { ':method': 'GET', ':path': '/' })).body).toBe('203.0.113.7');
  });

  it('reads a PROXY header before the TLS handshake and then serves h2 by ALPN', async () => {
    const backend = await startBackend('echo', (req, res) => {
      req.resume();
      res.end(String(req.headers['x-forwarded-for']));
    });
    const proxyProtocol = { trusted: ['127.0.0.1'] };

    const { server, ca } = makeTestPki();
    const secure = await startBalancer([backend.backend], { http2: true, proxyProtocol, tls: server });
    const plain = netConnect(secure.port, '127.0.0.1');
    onCleanup(() => plain.destroy());
    await once(plain, 'connect');
    plain.write(`PROXY TCP4 198.51.100.9 127.0.0.1 4000 ${secure.port}\r\n`);
    const tlsSession = await h2Session(`https://localhost:${secure.port}`, {
      createConnection: () =>
        tlsConnect({ socket: plain, ca, servername: 'localhost', ALPNProtocols: ['h2'] }),
    });
    expect((await h2Request(tlsSession, { ':method': 'GET', ':path': '/' })).body).toBe('198.51.100.9');
  });
});
