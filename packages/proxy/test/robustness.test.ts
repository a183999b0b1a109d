import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@lb/strategies';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, raw, send, startBackend, startBalancer, statuses, until } from './helpers.js';

afterEach(cleanup);

function connectionCount(server: {
  getConnections(cb: (err: Error | null, n: number) => void): void;
}): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

describe('slow and hostile clients', () => {
  it('closes a slowloris client that never finishes its headers, and keeps serving others', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], { headersTimeout: 1000, requestTimeout: 2000 });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ');
    const trickle = setInterval(() => socket.write('a'), 50);
    const received: Buffer[] = [];
    socket.on('data', (c) => received.push(c));
    await once(socket, 'close');
    clearInterval(trickle);
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408/);
    expect(backend.requests).toHaveLength(0);
    expect((await send(port)).status).toBe(200);
  });

  it('answers 431 to oversized headers', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], { maxHeaderSize: 4096 });
    const reply = await raw(port, `GET / HTTP/1.1\r\nHost: a\r\nCookie: ${'a'.repeat(8000)}\r\n\r\n`);
    expect(statuses(reply)).toEqual([431]);
  });

  it('survives a fuzz run of random bytes and still serves, with no connection left open', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend], {
      headersTimeout: 1000,
      requestTimeout: 2000,
    });
    const random = mulberry32(20261124);
    const seeds = [
      'GET / HTTP/1.1\r\nHost: a\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
      '',
    ];
    const runs = Array.from({ length: 150 }, (_, i) => {
      const length = Math.floor(random() * 600);
      const bytes = Buffer.alloc(length);
      for (let j = 0; j < length; j++) bytes[j] = Math.floor(random() * 256);
      return raw(port, Buffer.concat([Buffer.from(seeds[i % seeds.length]!), bytes]), 1500);
    });
    await Promise.all(runs);
    expect((await send(port)).status).toBe(200);
    // `send` uses its own connection, which the balancer may keep until keep-alive expires.
    await until(() => lb.stats().activeRequests === 0);
    const server = (lb as unknown as { server: Parameters<typeof connectionCount>[0] }).server;
    await until(async () => (await connectionCount(server)) <= 1);
  });

  it('survives mutated valid traffic (bytes flipped, inserted, dropped) and still serves, leaking nothing', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend], {
      headersTimeout: 1000,
      requestTimeout: 2000,
      keepAliveTimeout: 500,
    });
    const valid = Buffer.from(
      'GET /a HTTP/1.1\r\nHost: a\r\n\r\n' +
        'POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
        'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' +
        'GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const random = mulberry32(4242);
    const interesting = [0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x30, 0x09, 0x00, 0x7f, 0xff];
    const runs = Array.from({ length: 200 }, () => {
      const bytes = [...valid];
      for (let m = 1 + Math.floor(random() * 4); m > 0; m--) {
        const at = Math.floor(random() * bytes.length);
        const byte =
          random() < 0.7
            ? interesting[Math.floor(random() * interesting.length)]!
            : Math.floor(random() * 256);
        const kind = random();
        if (kind < 0.4) bytes[at] = byte;
        else if (kind < 0.7) bytes.splice(at, 0, byte);
        else bytes.splice(at, 1);
      }
      return raw(port, Buffer.from(bytes), 2500);
    });
    const replies = await Promise.all(runs);
    // Mutations that keep the stream valid are served; every reply is well-formed HTTP or nothing at all.
    for (const reply of replies) if (reply !== '') expect(reply).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect((await send(port)).status).toBe(200);
    await until(() => lb.stats().activeRequests === 0);
    const server = (lb as unknown as { server: Parameters<typeof connectionCount>[0] }).server;
    await until(async () => (await connectionCount(server)) === 0);
  });
});

describe('code that throws where it should not', () => {
  it('answers 503 when a custom strategy throws in pick, reports it, and keeps serving', async () => {
    const backend = await startBackend('a');
    const { lb, port, strategy } = await startBalancer([backend.backend]);
    const pick = strategy.pick.bind(strategy);
    strategy.pick = (context) => {
      if (context?.headers?.['x-boom'] !== undefined) throw new Error('strategy bug');
      return pick(context);
    };
    const errors: string[] = [];
    lb.on('error', (err) => errors.push(err.message));
    expect((await send(port, { headers: { 'x-boom': '1' } })).status).toBe(503);
    expect(errors).toEqual(['strategy bug']);
    expect((await send(port)).status).toBe(200);
    expect(lb.stats().activeRequests).toBe(0);
  });

  it('closes only the connection whose handling threw, reports it, and keeps serving', async () => {
    const backend = await startBackend('a');
    const { lb, port, strategy } = await startBalancer([backend.backend]);
    let armed = true;
    strategy.onRequestStart = () => {
      if (armed) {
        armed = false;
        throw new Error('onRequestStart bug');
      }
    };
    const errors: string[] = [];
    lb.on('error', (err) => errors.push(err.message));
    const reply = await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(reply).toBe('');
    expect(errors).toEqual(['onRequestStart bug']);
    expect((await send(port)).status).toBe(200);
  });
});

describe('no leaked sockets', () => {
  it('after client aborts mid-upload and backend aborts mid-download', async () => {
    const backend = await startBackend('a', (req, res) => {
      if (req.url === '/upload') {
        req.resume();
        req.on('end', () => res.end('ok'));
        return;
      }
      res.writeHead(200, { 'Content-Length': '1000000' });
      res.write(Buffer.alloc(1000));
      setImmediate(() => res.destroy());
    });
    const { lb, port } = await startBalancer([backend.backend], { retries: false });
    for (let i = 0; i < 10; i++) {
      const upload = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/upload',
        agent: false,
        headers: { 'Content-Length': '100000' },
      });
      upload.on('error', () => {});
      upload.write(Buffer.alloc(1000));
      await until(() => backend.requests.length === i * 2 + 1);
      upload.destroy();
      const download = await new Promise<string>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/download', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('cut'));
          res.on('aborted', () => resolve('cut'));
        });
        req.on('error', () => resolve('cut'));
        req.end();
      });
      expect(download).toBe('cut');
    }
    await until(() => lb.stats().activeRequests === 0);
    await until(async () => (await connectionCount(backend.server)) === 0);
    const pool = lb.stats().pools[0]!;
    expect(pool.active).toBe(0);
    expect(pool.idle).toBe(0);
    const server = (lb as unknown as { server: Parameters<typeof connectionCount>[0] }).server;
    await until(async () => (await connectionCount(server)) === 0);
    expect(lb.backends[0]!.inFlight).toBe(0);
  });
});

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'lb-tls-'));
  execFileSync(
    'openssl',
    [
      ...'req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost'.split(' '),
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

describe('TLS termination', () => {
  it('keeps every response body intact over one keep-alive HTTPS connection, small bodies and large', async () => {
    // Small bodies leave copied into one write with their head, so the upstream read buffer is reused while the
    // TLS write is still queued; larger ones are written as they are and must keep it.
    const { key, cert } = selfSigned();
    const sizes = [13, 700, 16 * 1024, 16 * 1024 + 1, 40_000, 4 * 1024 * 1024];
    const bodyOf = (n: number) => {
      const body = Buffer.alloc(sizes[n % sizes.length]!);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + n) & 0xff;
      return body;
    };
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      const body = bodyOf(Number(req.url!.slice(1)));
      res.writeHead(200, { 'Content-Length': body.length });
      res.end(body);
    });
    const { port } = await startBalancer([backend.backend], { tls: { key, cert } });
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: cert });
    const sockets = new Set<unknown>();
    const get = (n: number) =>
      new Promise<Buffer>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port, path: `/${n}`, servername: 'localhost', agent },
          (res) => {
            const chunks: Buffer[] = [];
            // The largest body stalls for a moment, so its chunks queue in the balancer's TLS socket.
            if (n % sizes.length === sizes.length - 1) {
              res.pause();
              setTimeout(() => res.resume(), 200);
            }
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          },
        );
        req.on('socket', (socket) => sockets.add(socket));
        req.on('error', reject);
        req.end();
      });
    try {
      const bodies = await Promise.all(Array.from({ length: 18 }, (_, n) => get(n)));
      for (const [n, body] of bodies.entries()) expect(body.equals(bodyOf(n)), `response ${n}`).toBe(true);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('serves HTTPS with the given key and certificate and sets X-Forwarded-Proto: https', async () => {
    const { key, cert } = selfSigned();
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.end(String(req.headers['x-forwarded-proto']));
    });
    const { port } = await startBalancer([backend.backend], { tls: { key, cert } });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, ca: cert, servername: 'localhost', agent: false },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('https');
  });
});
