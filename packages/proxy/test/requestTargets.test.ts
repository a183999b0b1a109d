import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, raw, startBackend, startBalancer, statuses } from './helpers.js';

afterEach(cleanup);

async function echo() {
  return startBackend('echo', (req, res) => {
    req.resume();
    req.on('end', () =>
      res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host })),
    );
  });
}

function bodyOf(reply: string): { method: string; url: string; host: string } {
  return JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4));
}

/** Streams a request line with a 1 MB target and returns the status line, without waiting for the whole write. */
function hugeTarget(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(reply));
    socket.write(`GET /${'a'.repeat(1024 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n`);
  });
}

describe('request target length', () => {
  it('answers a 1 MB target, and any request line over 8 KiB, with 414', async () => {
    const backend = await echo();
    const { port } = await startBalancer([backend.backend]);
    expect(statuses(await hugeTarget(port))).toEqual([414]);
    const long = await raw(port, `GET /${'a'.repeat(8200)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    expect(statuses(long)).toEqual([414]);
    const fits = await raw(port, `GET /${'a'.repeat(8000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    expect(statuses(fits)).toEqual([200]);
    // A long target with many fields still overflows the header budget as a whole: 431.
    const both = await raw(
      port,
      `GET /${'a'.repeat(8000)} HTTP/1.1\r\nHost: a\r\nX: ${'b'.repeat(9000)}\r\n\r\n`,
    );
    expect(statuses(both)).toEqual([431]);
  });

  it('allows half of a raised maxHeaderSize', async () => {
    const backend = await echo();
    const { port } = await startBalancer([backend.backend], { maxHeaderSize: 65_536 });
    const reply = await raw(
      port,
      `GET /${'a'.repeat(12_000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    );
    expect(statuses(reply)).toEqual([200]);
  });
});

describe('request target forms', () => {
  it('rewrites absolute-form to origin-form and takes Host from the target', async () => {
    const backend = await echo();
    const { port } = await startBalancer([backend.backend]);
    const cases: [string, string, string][] = [
      ['http://other.test/x?y=1', '/x?y=1', 'other.test'],
      ['HTTPS://Other.test:8443', '/', 'Other.test:8443'],
      ['http://[::1]:81?q', '/?q', '[::1]:81'],
    ];
    for (const [target, url, host] of cases) {
      const reply = await raw(port, `GET ${target} HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n`);
      expect(bodyOf(reply), target).toMatchObject({ url, host });
    }
    const old = await raw(port, 'GET http://other.test/old HTTP/1.0\r\n\r\n');
    expect(bodyOf(old)).toMatchObject({ url: '/old', host: 'other.test' });
  });

  it.each([
    'ftp://other.test/x',
    'http://user@other.test/x',
    'http:///x',
    'http://evil:99999/',
    'other.test:80',
    'x',
    '*',
  ])('answers GET %s with 400', async (target) => {
    const backend = await echo();
    const { port } = await startBalancer([backend.backend]);
    expect(statuses(await raw(port, `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`))).toEqual([400]);
    expect(backend.requests).toHaveLength(0);
  });

  it('forwards OPTIONS *', async () => {
    const backend = await echo();
    const { port } = await startBalancer([backend.backend]);
    const reply = await raw(port, 'OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(bodyOf(reply)).toMatchObject({ method: 'OPTIONS', url: '*' });
  });
});

describe('TRACE', () => {
  it('is refused with 405 by default and forwarded with allowTrace', async () => {
    const backend = await echo();
    const refusing = await startBalancer([backend.backend]);
    const request = 'TRACE / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    expect(statuses(await raw(refusing.port, request))).toEqual([405]);
    expect(backend.requests).toHaveLength(0);
    const allowing = await startBalancer([backend.backend], { allowTrace: true });
    expect(bodyOf(await raw(allowing.port, request))).toMatchObject({ method: 'TRACE', url: '/' });
  });
});
