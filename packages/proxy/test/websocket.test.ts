import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  cleanup,
  onCleanup,
  raw,
  rawBackend,
  startBackend,
  startBalancer,
  statuses,
  until,
} from './helpers.js';
import { scrape } from './scrape.js';

const handshake =
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/**
 * A raw backend that answers a request head with `answer` (or what `answer` makes of the head) in one write,
 * then echoes what it reads, upper-cased.
 */
async function switchingBackend(id: string, answer: string | ((head: string) => string)) {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    const onHead = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onHead);
      socket.write(typeof answer === 'string' ? answer : answer(head), 'latin1');
      socket.on('data', (data: Buffer) => socket.write(data.toString('latin1').toUpperCase(), 'latin1'));
    };
    socket.on('data', onHead);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as { port: number }).port;
  return { backend: { id, host: '127.0.0.1', port }, sockets };
}

/** Opens a raw client connection, sends `bytes`, and reads until `expected` has arrived. */
async function rawClient(port: number, bytes: string) {
  const socket = connect(port, '127.0.0.1');
  onCleanup(() => socket.destroy());
  socket.on('error', () => {});
  let received = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  socket.write(bytes, 'latin1');
  const read = async (expected: string): Promise<string> => {
    while (!received.includes(expected)) await new Promise<void>((resolve) => waiters.push(resolve));
    return received;
  };
  return { socket, read };
}

afterEach(cleanup);

async function wsBackend(id: string) {
  const server = createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server });
  let connections = 0;
  wss.on('connection', (socket, req) => {
    connections++;
    socket.on('error', () => {});
    socket.send(`hello ${req.headers['x-forwarded-for']}`);
    socket.on('message', (data) => {
      if (String(data) === 'die') socket.terminate();
      else socket.send(`echo ${String(data)}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as { port: number }).port;
  return { backend: { id, host: '127.0.0.1', port }, wss, connections: () => connections };
}

function openClient(
  port: number,
): Promise<{ ws: WebSocket; messages: string[]; next: () => Promise<string> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
  const messages: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else messages.push(text);
  });
  ws.on('error', () => {});
  onCleanup(() => ws.terminate());
  const next = () =>
    messages.length > 0
      ? Promise.resolve(messages.shift()!)
      : new Promise<string>((resolve) => waiting.push(resolve));
  return once(ws, 'open').then(() => ({ ws, messages, next }));
}

describe('WebSocket and Upgrade tunnels', () => {
  it('tunnels a WebSocket both ways with forwarding headers', async () => {
    const backend = await wsBackend('ws');
    const { lb, port } = await startBalancer([backend.backend]);
    const client = await openClient(port);
    expect(await client.next()).toBe('hello 127.0.0.1');
    client.ws.send('ping');
    expect(await client.next()).toBe('echo ping');
    expect(lb.backends[0]!.inFlight).toBe(1);
    client.ws.close();
    await once(client.ws, 'close');
    await until(() => lb.backends[0]!.inFlight === 0 && lb.stats().activeRequests === 0);
  });

  it('closes the client when the backend side dies, without leaking', async () => {
    const backend = await wsBackend('ws');
    const { lb, port } = await startBalancer([backend.backend]);
    const client = await openClient(port);
    await client.next();
    client.ws.send('die');
    await once(client.ws, 'close');
    await until(() => lb.backends[0]!.inFlight === 0);
    await until(() => backend.wss.clients.size === 0);
  });

  it('closes the backend side when the client vanishes', async () => {
    const backend = await wsBackend('ws');
    const { lb, port } = await startBalancer([backend.backend]);
    const client = await openClient(port);
    await client.next();
    client.ws.terminate();
    await until(() => backend.wss.clients.size === 0);
    await until(() => lb.stats().activeRequests === 0);
  });

  it('closes both ends of a tunnel idle for tunnelIdleTimeout, and keeps a busy one open', async () => {
    const backend = await wsBackend('ws');
    const { lb, port } = await startBalancer([backend.backend], { tunnelIdleTimeout: 300 });
    const busy = await openClient(port);
    const idle = await openClient(port);
    await busy.next();
    await idle.next();
    const idleClosed = once(idle.ws, 'close');
    // Traffic every 100 ms keeps one tunnel alive past the other's timeout.
    for (let i = 0; i < 6; i++) {
      busy.ws.send(`tick ${i}`);
      expect(await busy.next()).toBe(`tick ${i}`.replace('tick', 'echo tick'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await idleClosed;
    expect(busy.ws.readyState).toBe(WebSocket.OPEN);
    await until(() => backend.wss.clients.size === 1);
    await until(() => lb.backends[0]!.inFlight === 1);
  });

  it('relays a refused upgrade and answers 502 when the backend is gone', async () => {
    const plain = await startBackend('plain', (req, res) => {
      req.resume();
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('no upgrade here');
    });
    const { port } = await startBalancer([plain.backend]);
    const refused = await raw(port, handshake);
    expect(statuses(refused)).toEqual([426]);
    expect(refused).toContain('no upgrade here');
    await plain.close();
    expect(statuses(await raw(port, handshake))).toEqual([502]);
  });

  it('relays a backend declining the upgrade with 403 and a body, then closes the client connection', async () => {
    const declining = await rawBackend(
      'declining',
      'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '9\r\nnot you, \r\n7\r\ngo away\r\n0\r\n\r\n',
    );
    const { lb, port } = await startBalancer([declining.backend]);
    // `raw` resolves when the balancer closes the connection.
    const answer = await raw(port, handshake);
    expect(statuses(answer)).toEqual([403]);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).not.toMatch(/Transfer-Encoding/i);
    expect(answer.endsWith('\r\n\r\nnot you, go away')).toBe(true);
    await until(() => lb.stats().activeRequests === 0);
    expect(lb.stats().metrics.backends[0]!.responses['4xx']).toBe(1);
  });

  it('answers 502 to a malformed answer to an upgrade', async () => {
    const noUpgradeField = await rawBackend(
      'bad101',
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n',
    );
    const garbage = await rawBackend('garbage', 'NOT HTTP AT ALL\r\n\r\n');
    const errors: string[] = [];
    const first = await startBalancer([noUpgradeField.backend]);
    first.lb.on('proxyError', (err) => errors.push(err.code));
    expect(statuses(await raw(first.port, handshake))).toEqual([502]);
    const second = await startBalancer([garbage.backend]);
    second.lb.on('proxyError', (err) => errors.push(err.code));
    expect(statuses(await raw(second.port, handshake))).toEqual([502]);
    expect(errors).toEqual(['LB_ERR_UPSTREAM_PROTOCOL', 'LB_ERR_UPSTREAM_PROTOCOL']);
  });

  it('delivers frame bytes the backend sent in the same packet as its 101, and counts the tunnel connection', async () => {
    const backend = await switchingBackend(
      'early',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nEARLY-FRAME',
    );
    const { lb, port } = await startBalancer([backend.backend]);
    const client = await rawClient(port, handshake);
    const text = await client.read('EARLY-FRAME');
    expect(statuses(text)).toEqual([101]);
    expect(text).toMatch(/\r\nUpgrade: websocket\r\n/i);
    expect(text.endsWith('\r\n\r\nEARLY-FRAME')).toBe(true);
    client.socket.write('ping');
    await client.read('PING');
    const active = () => scrape(lb.metrics()).get('lb_backend_active_connections{backend="early"}');
    expect(active()).toBe(1);
    expect(scrape(lb.metrics()).get('lb_backend_connections_total{backend="early"}')).toBe(1);
    client.socket.destroy();
    await until(() => active() === 0 && lb.stats().activeRequests === 0);
  });

  it('answers 504 when the backend does not answer an upgrade within responseTimeout', async () => {
    const silent = await switchingBackend('silent', '');
    const { port } = await startBalancer([silent.backend], { responseTimeout: 150 });
    expect(statuses(await raw(port, handshake))).toEqual([504]);
  });

  it('answers 502 to an upgrade that follows a served request on the same client connection', async () => {
    const backend = await switchingBackend('mixed', (head) =>
      /upgrade: websocket/i.test(head)
        ? 'NOT HTTP AT ALL\r\n\r\n'
        : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    const { port } = await startBalancer([backend.backend]);
    const client = await rawClient(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await client.read('\r\n\r\nok');
    client.socket.write(handshake);
    const closed = once(client.socket, 'close');
    expect(statuses(await client.read('Bad Gateway\n'))).toEqual([200, 502]);
    await closed;
  });
});
