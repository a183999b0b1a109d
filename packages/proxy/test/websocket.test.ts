import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { cleanup, onCleanup, raw, startBackend, startBalancer, statuses, until } from './helpers.js';

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
    const handshake =
      'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const refused = await raw(port, handshake);
    expect(statuses(refused)).toEqual([426]);
    expect(refused).toContain('no upgrade here');
    await plain.close();
    expect(statuses(await raw(port, handshake))).toEqual([502]);
  });
});
