import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, raw, startBackend, startBalancer, statuses, until } from './helpers.js';

afterEach(cleanup);

const G = 'GET / HTTP/1.1\r\nHost: a\r\n';

/** A raw client connection that collects what it receives. */
function client(port: number): { socket: Socket; text: () => string; closed: Promise<unknown> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  return { socket, text: () => Buffer.concat(chunks).toString('latin1'), closed: once(socket, 'close') };
}

describe('the client-side HTTP/1.1 listener', () => {
  it('serves keep-alive requests on one connection and closes it after keepAliveTimeout', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], { keepAliveTimeout: 200 });
    const c = client(port);
    c.socket.write(`${G}\r\n`);
    await until(() => statuses(c.text()).length === 1);
    c.socket.write(`${G}\r\n`);
    await until(() => statuses(c.text()).length === 2);
    await c.closed;
    expect(statuses(c.text())).toEqual([200, 200]);
    expect(c.text()).not.toContain('Connection: close');
  });

  it('keeps an HTTP/1.0 connection open only when it asked for keep-alive', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend]);
    const kept = await raw(
      port,
      'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\nGET /never HTTP/1.0\r\n\r\n',
    );
    expect(statuses(kept)).toEqual([200, 200]);
    expect(kept).toMatch(/^HTTP\/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*Connection: keep-alive\r\n/);
    expect(kept).toMatch(/\r\nConnection: close\r\n/);
    expect(backend.requests.map((r) => r.url)).toEqual(['/', '/']);
  });

  it('sends an HTTP/1.0 client an unframed body delimited by close, with no chunking and no trailers', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.writeHead(200, { Trailer: 'X-Sum' });
      res.write('part one, ');
      res.addTrailers({ 'X-Sum': '42' });
      res.end('part two');
    });
    const { port } = await startBalancer([backend.backend]);
    const reply = await raw(port, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(statuses(reply)).toEqual([200]);
    expect(reply).not.toMatch(/Transfer-Encoding/i);
    expect(reply).toContain('\r\nConnection: close\r\n');
    expect(reply.endsWith('\r\n\r\npart one, part two')).toBe(true);
  });

  it('answers 50 pipelined requests in order', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.end(`${req.url};`);
    });
    const { port } = await startBalancer([backend.backend]);
    const requests = Array.from({ length: 50 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`).join('');
    const reply = await raw(port, `${requests}GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const bodies = [...reply.matchAll(/\r\n\r\n(\/\w+);/g)].map((m) => m[1]);
    expect(bodies).toEqual([...Array.from({ length: 50 }, (_, i) => `/${i}`), '/last']);
  });

  it('parses requests that arrive a few bytes at a time, bodies, chunk lines and trailers included', async () => {
    const backend = await startBackend('a', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res.end(`${req.url}:${Buffer.concat(chunks).toString()}:${req.trailers['x-t'] ?? ''};`),
      );
    });
    const { port } = await startBalancer([backend.backend]);
    const stream = Buffer.from(
      `GET /a HTTP/1.1\r\nHost: a\r\n\r\n` +
        `POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world` +
        `POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 7\r\n\r\n` +
        `GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    );
    const c = client(port);
    await once(c.socket, 'connect');
    let seed = 7;
    for (let offset = 0; offset < stream.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = 1 + (seed % 7);
      c.socket.write(stream.subarray(offset, offset + size));
      offset += size;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await c.closed;
    const bodies = [...c.text().matchAll(/\r\n\r\n(?:[0-9a-f]+\r\n)?(\/\w:[^;]*:[^;]*);/g)].map((m) => m[1]);
    expect(bodies).toEqual(['/a::', '/b:hello world:', '/c:abcde:7', '/d::']);
  });

  it('forwards an unencoded UTF-8 path byte for byte', async () => {
    // Node's own server refuses such a path, so the backend is a raw one that records the request line.
    const lines: Buffer[] = [];
    const { createServer } = await import('node:net');
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (data: Buffer) => {
        lines.push(data.subarray(0, data.indexOf('\r\n')));
        socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const backendPort = (server.address() as { port: number }).port;
    const { port } = await startBalancer([{ id: 'raw', host: '127.0.0.1', port: backendPort }]);
    const reply = await raw(port, Buffer.from('GET /café HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
    expect(statuses(reply)).toEqual([204]);
    expect(lines[0]).toEqual(Buffer.from('GET /café HTTP/1.1'));
  });

  it('ignores empty lines before a request line (RFC 9112 §2.2)', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend]);
    expect(statuses(await raw(port, `\r\n\r\n${G}Connection: close\r\n\r\n`))).toEqual([200]);
  });

  it.each([
    ['an unknown HTTP version', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['a bare-LF request line', 'GET / HTTP/1.1\nHost: a\n\n', 400],
    ['CONNECT', 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 405],
    ['an unknown expectation', `${G}Expect: 100-continuex\r\nContent-Length: 1\r\n\r\nx`, 417],
    [
      'an oversized chunk extension',
      `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;${'a'.repeat(17000)}\r\nAA\r\n0\r\n\r\n`,
      400,
    ],
    [
      'a chunk longer than its size',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n',
      400,
    ],
  ])('refuses %s, closes, and never reaches a backend with it', async (_name, bytes, status) => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
      req.on('error', () => {});
    });
    const { lb, port } = await startBalancer([backend.backend], { retries: false });
    const reply = await raw(port, bytes);
    expect(statuses(reply).at(-1)).toBe(status);
    expect(reply).toContain('Connection: close');
    await until(() => lb.stats().activeRequests === 0);
    expect(backend.requests.filter((r) => r.complete)).toHaveLength(0);
  });

  it('answers a response that came before the request body with Connection: close, then closes', async () => {
    const backend = await startBackend('a', (_req, res) => {
      res.writeHead(413, { 'Content-Length': '8' }).end('too big\n');
    });
    const { port } = await startBalancer([backend.backend], { retries: false });
    const c = client(port);
    c.socket.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\nsome of it');
    await c.closed;
    expect(statuses(c.text())).toEqual([413]);
    expect(c.text()).toMatch(/\r\nConnection: close\r\n[\s\S]*too big/);
  });

  it('adds a Date to a response without one and keeps the one a backend sent', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.sendDate = req.url === '/dated';
      res.end('x');
    });
    const { port } = await startBalancer([backend.backend]);
    const undated = await raw(port, `GET /undated HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const dated = await raw(port, `GET /dated HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    for (const reply of [undated, dated]) expect(reply.match(/\r\nDate: [^\r]+ GMT\r\n/g)).toHaveLength(1);
  });

  it('sends a streamed response head before the body exists', async () => {
    let finish: () => void = () => {};
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.flushHeaders();
      finish = () => res.end('data: done\n\n');
    });
    const { port } = await startBalancer([backend.backend]);
    const c = client(port);
    c.socket.write(`${G}Connection: close\r\n\r\n`);
    await until(() => c.text().includes('\r\n\r\n'));
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Transfer-Encoding: chunked\r\n/);
    finish();
    await c.closed;
    expect(c.text()).toContain('data: done');
  });

  it('aborts the upstream request when the client half-closes before its response', async () => {
    const backend = await startBackend('hang', (req) => req.resume());
    const { lb, port } = await startBalancer([backend.backend]);
    const c = client(port);
    c.socket.end(`${G}\r\n`);
    await until(() => backend.requests.length === 1);
    await until(() => backend.requests[0]!.socket.destroyed);
    await c.closed;
    await until(() => lb.stats().activeRequests === 0);
  });

  it('relays a large body byte for byte to a client that stops reading for a while', async () => {
    // Upstream reads reuse one buffer; bytes queued for a slow client must not be overwritten by the next read.
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    const expected = createHash('sha256').update(body).digest('hex');
    const backend = await startBackend('big', (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': String(body.length) });
      // Many small writes: many upstream reads while the client side is backed up.
      for (let i = 0; i < body.length; i += 16 * 1024) res.write(body.subarray(i, i + 16 * 1024));
      res.end();
    });
    const chunked = await startBackend('chunked', (req, res) => {
      req.resume();
      for (let i = 0; i < body.length; i += 16 * 1024) res.write(body.subarray(i, i + 16 * 1024));
      res.end();
    });
    for (const b of [backend, chunked]) {
      const { port } = await startBalancer([b.backend]);
      const digest = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
          const hash = createHash('sha256');
          res.pause();
          // Stay paused until the balancer has had to queue bytes for this client.
          setTimeout(() => {
            res.on('data', (c: Buffer) => hash.update(c));
            res.resume();
          }, 300);
          res.on('end', () => resolve(hash.digest('hex')));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      expect(digest).toBe(expected);
    }
  });
});
