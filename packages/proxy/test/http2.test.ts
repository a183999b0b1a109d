import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { constants } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, startBackend, startBalancer, until } from './helpers.js';
import { h2Request, h2Session } from './http2Helpers.js';
import { makeTestPki } from './tlsFixtures.js';

afterEach(cleanup);

/** A backend that echoes what it received: method, url, headers, body and trailers, as JSON. */
async function echoBackend() {
  return startBackend('echo', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          httpVersion: req.httpVersion,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          trailers: req.trailers,
        }),
      );
    });
  });
}

describe('HTTP/2 ingress', () => {
  it('serves h2c with prior knowledge and HTTP/1.1 on the same port, through the same request path', async () => {
    const backend = await echoBackend();
    const { lb, port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const reply = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': '/echo?x=1',
        cookie: ['a=1', 'b=2'],
        te: 'trailers',
        'x-test': 'yes',
      },
      'hello',
    );
    expect(reply.status).toBe(200);
    const seen = JSON.parse(reply.body);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/echo?x=1');
    expect(seen.httpVersion).toBe('1.1');
    expect(seen.body).toBe('hello');
    const raw: string[] = seen.rawHeaders;
    const fields = new Map<string, string[]>();
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      fields.set(name, [...(fields.get(name) ?? []), raw[i + 1]!]);
    }
    expect(fields.get('host')).toEqual([`127.0.0.1:${port}`]);
    expect(fields.get('cookie')).toEqual(['a=1; b=2']);
    expect(fields.get('via')).toEqual(['2 lb']);
    expect(fields.has('te')).toBe(false);
    expect(fields.get('transfer-encoding')).toEqual(['chunked']);
    expect(fields.get('x-test')).toEqual(['yes']);
    // The same port still speaks HTTP/1.1.
    const h1 = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', path: '/one' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(h1).toBe(200);
    expect(lb.metrics()).toMatch(/lb_http2_requests_total 1\n/);
    expect(lb.metrics()).toMatch(/lb_http2_sessions_total 1\n/);
  });

  it('frames a request body with its content-length when the client gives one', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const reply = await h2Request(
      session,
      { ':method': 'PUT', ':path': '/', 'content-length': '5' },
      'abcde',
    );
    const raw: string[] = JSON.parse(reply.body).rawHeaders;
    expect(raw).toContain('Content-Length');
    expect(raw).not.toContain('Transfer-Encoding');
    expect(JSON.parse(reply.body).body).toBe('abcde');
  });

  it('recognises the preface however it is split', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { http2: true });
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    // An empty SETTINGS frame after the preface: the server answers with its own SETTINGS (type 4).
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    for (const cut of [1, 3, 14, 23]) {
      const socket = netConnect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(preface.subarray(0, cut));
      await new Promise((resolve) => setImmediate(resolve));
      socket.write(Buffer.concat([preface.subarray(cut), settings]));
      const [frame] = (await once(socket, 'data')) as [Buffer];
      expect(frame[3]).toBe(4);
      socket.destroy();
    }
  });

  it('relays trailers both ways and 1xx informational responses', async () => {
    const backend = await startBackend('trailers', (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
        res.write('part one ');
        const smuggled = req.trailers['x-forwarded-for'] ?? 'dropped';
        res.addTrailers({ 'x-checksum': `got ${req.trailers['x-request-sum'] ?? 'none'}, xff ${smuggled}` });
        res.end('part two');
      });
    });
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const reply = await h2Request(session, { ':method': 'POST', ':path': '/' }, 'body', {
      'x-request-sum': '42',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('part one part two');
    expect(reply.trailers?.['x-checksum']).toBe('got 42, xff dropped');
    expect(reply.headers.trailer).toBe('x-checksum');
  });

  it('relays 100 Continue to a client that waits for it before sending its body', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'PUT', ':path': '/wait', expect: '100-continue' });
    await once(stream, 'continue');
    stream.end('sent after 100');
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await once(stream, 'end');
    expect(JSON.parse(Buffer.concat(chunks).toString()).body).toBe('sent after 100');
  });

  it('serves many concurrent streams on one session', async () => {
    const backend = await echoBackend();
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => h2Request(session, { ':method': 'GET', ':path': `/n/${i}` })),
    );
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body).url).toBe(`/n/${i}`);
    });
  });

  it('serves h2 over TLS through ALPN, and HTTP/1.1 over TLS to clients that do not offer h2', async () => {
    const backend = await echoBackend();
    const { server, ca } = makeTestPki();
    const { port } = await startBalancer([backend.backend], { http2: true, tls: server });
    const session = await h2Session(`https://localhost:${port}`, { ca });
    const reply = await h2Request(session, { ':method': 'GET', ':path': '/tls' });
    expect(reply.status).toBe(200);
    const raw: string[] = JSON.parse(reply.body).rawHeaders;
    expect(raw[raw.indexOf('X-Forwarded-Proto') + 1]).toBe('https');
    // A client that offers no ALPN (Node's https) gets HTTP/1.1 on the same port.
    const h1 = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: 'localhost', port, path: '/h1', ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(`${res.httpVersion} ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(h1).toBe('1.1 200');
  });

  it('aborts the upstream request when the client resets its stream mid-body', async () => {
    let aborted = false;
    const backend = await startBackend('slow', (req, res) => {
      req.on('data', () => {});
      res.on('close', () => {
        aborted = !res.writableEnded;
      });
    });
    const { port } = await startBalancer([backend.backend], { http2: true });
    const session = await h2Session(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': '/' });
    stream.on('error', () => {});
    stream.write('some of the body');
    await until(() => backend.requests.length === 1);
    stream.close(constants.NGHTTP2_CANCEL);
    await until(() => aborted);
    // The session goes on.
    const other = await startBackend('ok');
    expect(other.port).toBeGreaterThan(0);
  });
});
