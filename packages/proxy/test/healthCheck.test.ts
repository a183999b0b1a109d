import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { type Backend, resolveHealthCheckOptions } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthChecker } from '../src/backends/health/healthChecker.js';

const servers: (Server | TcpServer)[] = [];
const checkers: HealthChecker[] = [];
const openSockets = new Set<Socket>();

afterEach(async () => {
  for (const checker of checkers.splice(0)) checker.stop();
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          if ('closeAllConnections' in s) s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

function port(server: Server | TcpServer): number {
  return (server.address() as AddressInfo).port;
}

async function listen<S extends Server | TcpServer>(server: S): Promise<S> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** An HTTP backend whose status can change; it records every request it gets. */
async function httpBackend(initialStatus = 200) {
  const state = { status: initialStatus, requests: [] as IncomingMessage[] };
  const server = await listen(
    createServer((req, res) => {
      state.requests.push(req);
      res.statusCode = state.status;
      res.end('ok');
    }),
  );
  return { state, backend: { id: 'http', host: '127.0.0.1', port: port(server) } satisfies Backend };
}

/** A TCP server that accepts connections and never answers. */
async function hangingBackend() {
  const sockets: Socket[] = [];
  const server = await listen(createTcpServer((socket) => sockets.push(socket)));
  server.on('connection', (socket) => {
    openSockets.add(socket);
    // Reading (and discarding) is what lets the server see the peer close.
    socket.resume();
    socket.on('error', () => {});
  });
  return {
    server,
    sockets,
    backend: { id: 'hang', host: '127.0.0.1', port: port(server) } satisfies Backend,
  };
}

/** A port nothing listens on. */
async function refusedBackend(): Promise<Backend> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const free = port(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { id: 'refused', host: '127.0.0.1', port: free };
}

function checker(options: Parameters<typeof resolveHealthCheckOptions>[0], backends: Backend[]) {
  const c = new HealthChecker(resolveHealthCheckOptions({ interval: 20, jitter: 0, ...options }), backends);
  checkers.push(c);
  return c;
}

const bounded = () => ({ signal: AbortSignal.timeout(5000) });

describe('HealthChecker', () => {
  it('takes an HTTP backend down after `fall` failed probes and brings it up after `rise` passes', async () => {
    const { state, backend } = await httpBackend(500);
    const c = checker({ rise: 2, fall: 3, path: '/health' }, [backend]);
    const results: boolean[] = [];
    c.on('check', (_b, ok) => results.push(ok));
    c.start();
    const [down, reason] = await once(c, 'down', bounded());
    expect(down).toBe(backend);
    expect(reason).toBe('status 500');
    expect(results).toEqual([false, false, false]);
    expect(c.isHealthy('http')).toBe(false);

    state.status = 204;
    await once(c, 'up', bounded());
    expect(results.slice(3)).toEqual([true, true]);
    expect(c.isHealthy('http')).toBe(true);
    expect(state.requests[0]?.method).toBe('GET');
    expect(state.requests[0]?.url).toBe('/health');
    expect(state.requests[0]?.headers.connection).toBe('close');
  });

  it('fails a probe that hangs past the timeout', async () => {
    const { backend } = await hangingBackend();
    const c = checker({ fall: 1, timeout: 50 }, [backend]);
    c.start();
    const [, reason] = await once(c, 'down', bounded());
    expect(reason).toBe('timeout');
  });

  it('fails a probe whose connection is refused, over HTTP and TCP', async () => {
    const backend = await refusedBackend();
    const http = checker({ fall: 1 }, [backend]);
    const tcp = checker({ fall: 1, type: 'tcp' }, [backend]);
    http.start();
    tcp.start();
    const [[, httpReason], [, tcpReason]] = await Promise.all([
      once(http, 'down', bounded()),
      once(tcp, 'down', bounded()),
    ]);
    expect(httpReason).toBe('ECONNREFUSED');
    expect(tcpReason).toBe('ECONNREFUSED');
  });

  it('passes a TCP check on connect alone, even when the server never answers', async () => {
    const { backend } = await hangingBackend();
    const c = checker({ type: 'tcp', fall: 1 }, [backend]);
    c.start();
    const [, ok] = await once(c, 'check', bounded());
    expect(ok).toBe(true);
    expect(c.isHealthy('hang')).toBe(true);
  });

  it('stop() destroys a probe in flight and ends probing', async () => {
    const { server, backend } = await hangingBackend();
    const c = checker({ timeout: 60_000 }, [backend]);
    c.start();
    const [socket] = (await once(server, 'connection', bounded())) as [Socket];
    c.stop();
    expect(c.isRunning).toBe(false);
    await once(socket, 'close', bounded());
  });

  it('checks backends added at run time and cancels the probes of removed ones', async () => {
    const { state, backend } = await httpBackend(500);
    const hanging = await hangingBackend();
    const c = checker({ fall: 1, timeout: 60_000 }, []);
    const connected = once(hanging.server, 'connection', bounded());
    c.start();
    c.addBackend(backend);
    c.addBackend(hanging.backend);
    const [down] = await once(c, 'down', bounded());
    expect(down).toBe(backend);
    expect(state.requests.length).toBeGreaterThanOrEqual(1);
    const [socket] = (await connected) as [Socket];
    c.removeBackend('hang');
    await once(socket, 'close', bounded());
    expect(c.isHealthy('hang')).toBeUndefined();
  });
});
