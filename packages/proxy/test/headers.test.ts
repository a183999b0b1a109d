import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, raw, send, startBackend, startBalancer } from './helpers.js';

afterEach(cleanup);

function echoHeaders() {
  return startBackend('echo', (req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({ rawHeaders: req.rawHeaders, headers: req.headers, httpVersion: req.httpVersion }),
      );
    });
  });
}

describe('request headers on the way to the backend', () => {
  it('drops hop-by-hop fields and every field named in Connection, keeps Host and end-to-end fields', async () => {
    const backend = await echoHeaders();
    const { port } = await startBalancer([backend.backend]);
    const reply = await send(port, {
      headers: {
        Host: 'example.test:8443',
        Connection: 'keep-alive, X-Secret, x-other',
        'X-Secret': 'must not pass',
        'X-Other': 'must not pass',
        'Keep-Alive': 'timeout=5',
        'Proxy-Connection': 'keep-alive',
        TE: 'trailers',
        Upgrade: 'h2c',
        'X-Custom': 'kept',
      },
    });
    const seen = JSON.parse(reply.body).headers as Record<string, string>;
    expect(seen.host).toBe('example.test:8443');
    expect(seen['x-custom']).toBe('kept');
    for (const name of ['x-secret', 'x-other', 'keep-alive', 'proxy-connection', 'te', 'upgrade']) {
      expect(seen[name], name).toBeUndefined();
    }
    expect(seen.connection).toBeUndefined();
  });

  it('adds X-Forwarded-For/Proto/Host/Port and Via, ignoring what an untrusted client claims', async () => {
    const backend = await echoHeaders();
    const { port } = await startBalancer([backend.backend]);
    const reply = await send(port, {
      headers: {
        Host: 'app.test',
        'X-Forwarded-For': '6.6.6.6',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'evil.test',
        'X-Forwarded-Port': '1',
        Forwarded: 'for=6.6.6.6',
      },
    });
    const seen = JSON.parse(reply.body).headers as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('app.test');
    expect(seen['x-forwarded-port']).toBe(String(port));
    expect(seen.forwarded).toBeUndefined();
    expect(seen.via).toBe('1.1 lb');
  });

  it('extends a chain from a trusted proxy, and sends RFC 7239 Forwarded when asked', async () => {
    const backend = await echoHeaders();
    const { port, strategy } = await startBalancer([backend.backend], {
      trustProxy: ['127.0.0.1'],
      forwarded: true,
      via: 'edge',
    });
    const reply = await send(port, {
      headers: {
        Host: 'app.test',
        'X-Forwarded-For': '203.0.113.7',
        'X-Forwarded-Proto': 'https',
        Forwarded: 'for=203.0.113.7;proto=https',
        Via: '1.1 cdn',
      },
    });
    const seen = JSON.parse(reply.body).headers as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen.forwarded).toBe('for=203.0.113.7;proto=https, for=127.0.0.1;proto=http;host=app.test');
    expect(seen.via).toBe('1.1 cdn, 1.1 edge');
    expect(strategy.contexts.at(-1)?.clientAddress).toBe('203.0.113.7');
  });

  it('re-emits Content-Length in canonical form and forwards chunked bodies with trailers', async () => {
    const backend = await startBackend('body', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res.end(
          JSON.stringify({
            body: Buffer.concat(chunks).toString(),
            cl: req.headers['content-length'],
            te: req.headers['transfer-encoding'],
            trailers: req.trailers,
          }),
        ),
      );
    });
    const { port } = await startBalancer([backend.backend]);
    const fixed = await raw(
      port,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\nConnection: close\r\n\r\nhello',
    );
    expect(fixed).toContain('"body":"hello","cl":"5"');
    const chunked = await raw(
      port,
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n',
    );
    expect(chunked).toContain('"body":"hello"');
    expect(chunked).toContain('"te":"chunked"');
    expect(chunked).toContain('"trailers":{"x-sum":"42"}');
  });
});

describe('response headers on the way to the client', () => {
  it('drops hop-by-hop response fields and those named in Connection, and forwards trailers', async () => {
    const backend = await startBackend('resp', (req, res) => {
      req.resume();
      res.writeHead(200, {
        Connection: 'X-Internal',
        'X-Internal': 'secret',
        'Keep-Alive': 'timeout=99',
        'X-Public': 'yes',
        Trailer: 'X-Checksum',
      });
      res.write('part');
      res.addTrailers({ 'X-Checksum': 'abc' });
      res.end();
    });
    const { port } = await startBalancer([backend.backend]);
    const reply = await send(port);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('part');
    expect(reply.headers['x-public']).toBe('yes');
    expect(reply.headers['x-internal']).toBeUndefined();
    expect(reply.headers['keep-alive']).not.toBe('timeout=99');
    expect(reply.trailers['x-checksum']).toBe('abc');
  });
});
