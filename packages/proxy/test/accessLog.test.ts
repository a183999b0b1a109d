import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, LoadBalancer, TcpLoadBalancer } from '../src/index.js';
import { cleanup, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';
import { closeBackends, exchange, startBackend as startTcpBackend } from './tcpHelpers.js';

afterEach(async () => {
  await cleanup();
  await closeBackends();
});

/** A stream that keeps every line it is given. */
function collector(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { stream, lines };
}

const combinedLine =
  /^(\S+) - - \[([^\]]+)\] "([^"]*)" (\d+) (\d+) "([^"]*)" "([^"]*)" rt=(\S+) uct=(\S+) urt=(\S+) in=(\d+) route=(\S+) group=(\S+) backend=(\S+) retries=(\d+) trace=(\S+) rid=(\S+)$/;

describe('access log over HTTP', () => {
  it('writes one JSON line per request with what it read, wrote and where it went', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      req.on('end', () => res.end('0123456789'));
    });
    const { stream, lines } = collector();
    const { port } = await startBalancer([backend.backend], { accessLog: { format: 'json', stream } });
    const before = Date.now();
    const reply = await send(port, {
      method: 'POST',
      path: '/items?x=1',
      body: 'abc',
      headers: { 'user-agent': 'test-agent', referer: 'http://example.test/' },
    });
    expect(reply.status).toBe(200);
    await until(() => lines.length === 1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      client: '127.0.0.1',
      protocol: 'HTTP/1.1',
      method: 'POST',
      target: '/items?x=1',
      status: 200,
      bytesIn: 3,
      bytesOut: 10,
      backend: 'a',
      retries: 0,
      referer: 'http://example.test/',
      userAgent: 'test-agent',
    });
    expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(entry.totalMs).toBeGreaterThanOrEqual(0);
    expect(entry.connectMs).toBeGreaterThanOrEqual(0);
    expect(entry.responseMs).toBeGreaterThanOrEqual(0);
  });

  it('writes the combined format, naming the group', async () => {
    const backend = await startBackend('b');
    const { stream, lines } = collector();
    const lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { web: { backends: [backend.backend] } },
      accessLog: { format: 'combined', stream },
    });
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const reply = await send(lb.address!.port, { path: '/x', headers: { 'user-agent': 'ua' } });
    await until(() => lines.length === 1);
    const m = combinedLine.exec(lines[0]!);
    expect(m, lines[0]).not.toBeNull();
    const [, client, , request, status, bytesOut, referer, userAgent, , , , bytesIn, route, group, id] = m!;
    expect({ client, request, status, bytesOut, referer, userAgent, bytesIn, route, group, id }).toEqual({
      client: '127.0.0.1',
      request: 'GET /x HTTP/1.1',
      status: '200',
      bytesOut: String(Buffer.byteLength(reply.body)),
      referer: '-',
      userAgent: 'ua',
      bytesIn: '0',
      route: '-',
      group: 'web',
      id: 'b',
    });
  });

  it('names the route that took the request: its name, else its index, in both formats', async () => {
    const api = await startBackend('api');
    const web = await startBackend('web');
    const json = collector();
    const combined = collector();
    const config = {
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { api: { backends: [api.backend] }, web: { backends: [web.backend] } },
      routes: [
        { name: 'api-v1', match: { pathPrefix: '/v1' }, group: 'api' },
        { match: { host: 'api.example.com' }, group: 'api' },
        { groups: { web: 1 } },
      ],
    } as const;
    const lbs = [
      new LoadBalancer({ ...config, accessLog: { format: 'json', stream: json.stream } }),
      new LoadBalancer({ ...config, accessLog: { format: 'combined', stream: combined.stream } }),
    ];
    for (const lb of lbs) {
      await lb.start();
      onCleanup(() => lb.stop({ timeout: 100 }));
      await send(lb.address!.port, { path: '/v1/users' });
      await send(lb.address!.port, { path: '/x', headers: { host: 'api.example.com' } });
      await send(lb.address!.port, { path: '/' });
    }
    await until(() => json.lines.length === 3 && combined.lines.length === 3);
    expect(json.lines.map((line) => JSON.parse(line)).map((e) => [e.route, e.group])).toEqual([
      ['api-v1', 'api'],
      ['1', 'api'],
      ['2', 'web'],
    ]);
    expect(combined.lines.map((line) => combinedLine.exec(line)?.slice(12, 14))).toEqual([
      ['api-v1', 'api'],
      ['1', 'api'],
      ['2', 'web'],
    ]);
    // setRoutes brings the new names in with the new table.
    lbs[0]!.setRoutes([{ name: 'all', group: 'web' }]);
    await send(lbs[0]!.address!.port, { path: '/v1/users' });
    await until(() => json.lines.length === 4);
    expect(JSON.parse(json.lines[3]!)).toMatchObject({ route: 'all', group: 'web' });
  });

  it('logs the client address after the trust rules', async () => {
    const backend = await startBackend('a');
    const { stream, lines } = collector();
    const { port } = await startBalancer([backend.backend], {
      trustProxy: ['127.0.0.1'],
      accessLog: { format: 'json', stream },
    });
    await send(port, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    await until(() => lines.length === 1);
    expect(JSON.parse(lines[0]!).client).toBe('203.0.113.7');
  });

  it('logs 499 for a client that left before the response', async () => {
    const backend = await startBackend('slow', () => {});
    const { stream, lines } = collector();
    const { port } = await startBalancer([backend.backend], { accessLog: { format: 'json', stream } });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /wait HTTP/1.1\r\nHost: a\r\n\r\n');
    await until(() => backend.requests.length === 1);
    socket.destroy();
    await until(() => lines.length === 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: 499, target: '/wait', backend: 'slow' });
  });

  it('logs a WebSocket tunnel once it closes, and a request no route takes', async () => {
    const echo = await startTcpBackend('ws', (socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
        socket.pipe(socket);
      });
    });
    const { stream, lines } = collector();
    const lb = new LoadBalancer({
      loadBalancerPort: 0,
      loadBalancerHost: '127.0.0.1',
      groups: { chat: { backends: [echo.backend] } },
      routes: [{ match: { pathPrefix: '/chat' }, group: 'chat' }],
      accessLog: { format: 'json', stream },
    });
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const port = lb.address!.port;
    expect((await send(port, { path: '/nowhere' })).status).toBe(404);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    await until(() => received.includes('\r\n\r\n'));
    socket.write('ping');
    await until(() => received.endsWith('ping'));
    socket.end();
    await until(() => lines.length === 2);
    const [refused, tunnel] = lines.map((line) => JSON.parse(line));
    expect(refused).toMatchObject({ target: '/nowhere', status: 404, retries: 0 });
    expect(refused.backend).toBeUndefined();
    expect(refused.route).toBeUndefined();
    expect(tunnel).toMatchObject({
      target: '/chat',
      status: 101,
      route: '0',
      group: 'chat',
      backend: 'ws',
      bytesIn: 4,
    });
    expect(tunnel.bytesOut).toBe(received.length);
    expect(tunnel.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('drops and counts lines while the stream is stalled', async () => {
    const backend = await startBackend('a');
    // Never acknowledges a write, as a full pipe would not.
    const stalled = new Writable({ write() {} });
    const { lb, port } = await startBalancer([backend.backend], {
      accessLog: { format: 'json', stream: stalled, maxBuffered: 0 },
    });
    for (let i = 0; i < 3; i++) await send(port);
    await until(() => /lb_access_log_dropped_total 2\n/.test(lb.metrics()));
    expect(stalled.writableLength).toBeGreaterThan(0);
  });

  it('appends to a file given by path and flushes it on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lb-access-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'access.log');
    const backend = await startBackend('a');
    for (const target of ['/first', '/second']) {
      const lb = new LoadBalancer(
        { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', accessLog: { format: 'json', path: file } },
        [backend.backend],
      );
      await lb.start();
      await send(lb.address!.port, { path: target });
      await lb.stop();
    }
    const targets = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).target);
    expect(targets).toEqual(['/first', '/second']);
  });

  it('has no metric and builds nothing without the option', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend]);
    await send(port);
    expect(lb.metrics()).not.toContain('lb_access_log_dropped_total');
  });

  it('refuses an invalid accessLog, naming the field', () => {
    const make = (accessLog: unknown) => () =>
      new LoadBalancer({ accessLog } as unknown as ConstructorParameters<typeof LoadBalancer>[0]);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).field;
      }
      return undefined;
    };
    const stream = new Writable({ write: (_c, _e, done) => done() });
    expect(fieldOf(make({ format: 'xml', stream }))).toBe('accessLog.format');
    expect(fieldOf(make({ format: 'json' }))).toBe('accessLog.stream');
    expect(fieldOf(make({ format: 'json', stream, path: '/tmp/x' }))).toBe('accessLog.path');
    expect(fieldOf(make({ format: 'json', stream, maxBuffered: -1 }))).toBe('accessLog.maxBuffered');
    expect(fieldOf(make({ format: 'json', stream, colour: true }))).toBe('accessLog.colour');
  });
});

describe('access log over TCP', () => {
  it('writes one line per connection with the bytes both ways', async () => {
    const backend = await startTcpBackend('echo');
    const { stream, lines } = collector();
    const lb = new TcpLoadBalancer(
      { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', accessLog: { format: 'combined', stream } },
      [backend.backend],
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    expect(await exchange(lb.address!.port, 'hello')).toBe('hello');
    await until(() => lines.length === 1);
    const m = combinedLine.exec(lines[0]!);
    expect(m, lines[0]).not.toBeNull();
    const [, client, , request, status, bytesOut, , , , uct, urt, bytesIn, , , id, retries] = m!;
    expect({ client, request, status, bytesOut, urt, bytesIn, id, retries }).toEqual({
      client: '127.0.0.1',
      request: 'TCP',
      status: '0',
      bytesOut: '5',
      urt: '-',
      bytesIn: '5',
      id: 'echo',
      retries: '0',
    });
    expect(uct).toMatch(/^\d+\.\d{3}$/);
  });
});
