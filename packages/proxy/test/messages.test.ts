import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, raw, startBackend, startBalancer, statuses } from './helpers.js';

afterEach(cleanup);

describe('message forms', () => {
  it('relays Expect: 100-continue: the client sends its body only after the backend asked for it', async () => {
    const backend = await startBackend('a', (req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => res.end(`got ${body} expect=${req.headers.expect}`));
    });
    const { port } = await startBalancer([backend.backend]);
    const result = await new Promise<{ sawContinue: boolean; body: string }>((resolve, reject) => {
      let sawContinue = false;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          agent: false,
          headers: { Expect: '100-continue', 'Content-Length': '5' },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ sawContinue, body }));
        },
      );
      req.on('continue', () => {
        sawContinue = true;
        req.end('hello');
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(result).toEqual({ sawContinue: true, body: 'got hello expect=100-continue' });
  });

  it('passes a final status sent instead of 100 Continue, without the body', async () => {
    const server = createServer();
    server.on('checkContinue', (_req, res) => res.writeHead(417).end('no'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => {
      server.closeAllConnections();
      server.close();
    });
    const port0 = (server.address() as { port: number }).port;
    const { port } = await startBalancer([{ id: 'strict', host: '127.0.0.1', port: port0 }]);
    const reply = await raw(
      port,
      'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(reply)).toEqual([417]);
  });

  it('forwards 103 Early Hints before the final response', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('done');
    });
    const { port } = await startBalancer([backend.backend]);
    const reply = await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statuses(reply)).toEqual([103, 200]);
    expect(reply).toContain('</style.css>; rel=preload');
  });

  it('streams a close-delimited backend body to the client re-framed', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.writeHead(200, { Connection: 'close' });
      res.end('until close');
    });
    const { port } = await startBalancer([backend.backend]);
    const reply = await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statuses(reply)).toEqual([200]);
    expect(reply).toContain('until close');
  });

  it('gives an HTTP/1.0 request without Host one naming the backend', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.end(`host=${req.headers.host}`);
    });
    const { port } = await startBalancer([backend.backend]);
    const reply = await raw(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(statuses(reply)).toEqual([200]);
    expect(reply).toContain(`host=127.0.0.1:${backend.port}`);
  });
});
