import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBackend } from '../src/backends/health/healthProbe.js';
import { cleanup, onCleanup, rawBackend } from './helpers.js';

afterEach(cleanup);

describe('HTTP health probes', () => {
  it('name an IPv6 backend in brackets in Host, and pass on its 2xx', async () => {
    const hosts: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      hosts.push(req.headers.host);
      res.end('ok');
    });
    server.listen(0, '::1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const result = await new Promise((resolve) =>
      probeBackend(
        { id: 'v6', host: '::1', port },
        { type: 'http', path: '/health', timeout: 2000 },
        resolve,
      ),
    );
    expect(result).toEqual({ ok: true });
    expect(hosts).toEqual([`[::1]:${port}`]);
  });

  it('fail on an answer the strict parser refuses', async () => {
    const bad = await rawBackend(
      'bad',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
      {
        close: true,
      },
    );
    const result = await new Promise<{ ok: boolean; reason?: string }>((resolve) =>
      probeBackend(bad.backend, { type: 'http', path: '/', timeout: 2000 }, resolve),
    );
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^invalid response: repeated Content-Length/);
  });
});
