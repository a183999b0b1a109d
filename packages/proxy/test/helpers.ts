import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Backend, BackendHealth, BackendId, PickContext, Strategy } from '@lb/core';
import { LoadBalancer, type LoadBalancerConfig } from '../src/index.js';

/** A round robin that honours health and `exclude`, so these tests do not depend on `@lb/strategies`. */
export function testStrategy(): Strategy & { picks: BackendId[]; contexts: PickContext[] } {
  let backends: Backend[] = [];
  const health = new Map<BackendId, BackendHealth>();
  let next = 0;
  const picks: BackendId[] = [];
  const contexts: PickContext[] = [];
  return {
    name: 'testRoundRobin',
    picks,
    contexts,
    setBackends(list) {
      backends = [...list];
      for (const b of list) if (!health.has(b.id)) health.set(b.id, 'up');
    },
    pick(context) {
      if (context) contexts.push(context);
      const up = backends.filter((b) => health.get(b.id) === 'up' && (b.weight ?? 1) > 0);
      const allowed = up.filter((b) => !context?.exclude?.has(b.id));
      const pool = allowed.length > 0 ? allowed : up;
      if (pool.length === 0) return undefined;
      const chosen = pool[next++ % pool.length]!;
      picks.push(chosen.id);
      return chosen;
    },
    onRequestStart() {},
    onRequestEnd() {},
    setHealth(id, h) {
      health.set(id, h);
    },
    setWeight() {},
  };
}

export interface TestBackend {
  readonly server: Server;
  readonly port: number;
  readonly backend: Backend;
  /** Connections accepted so far. */
  connections: number;
  /** Requests seen so far. */
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const cleanups: (() => Promise<unknown> | unknown)[] = [];

/** Registers a cleanup to run in `afterEach` through {@link cleanup}. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

/** Runs every registered cleanup, newest first. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

const defaultHandler: Handler = (req, res) => {
  req.resume();
  req.on('end', () => res.end(`hello from ${req.socket.localPort}`));
};

export async function startBackend(id: BackendId, handler: Handler = defaultHandler): Promise<TestBackend> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.keepAliveTimeout = 30_000;
  const result: TestBackend = {
    server,
    port: 0,
    backend: { id, host: '127.0.0.1', port: 0 },
    connections: 0,
    requests,
    close: async () => {
      server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', () => result.connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  Object.assign(result, { port, backend: { id, host: '127.0.0.1', port } });
  onCleanup(() => result.close());
  return result;
}

export async function startBalancer(
  backends: readonly Backend[],
  options: LoadBalancerConfig = {},
): Promise<{ lb: LoadBalancer; port: number; strategy: ReturnType<typeof testStrategy> }> {
  const strategy = testStrategy();
  const lb = new LoadBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy, ...options },
    backends,
  );
  await lb.start();
  onCleanup(() => lb.stop({ timeout: 100 }));
  return { lb, port: lb.address!.port, strategy };
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
  trailers: IncomingMessage['trailers'];
}

/** One request on a fresh connection; resolves with the whole response. */
export function send(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString(),
            trailers: res.trailers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes and collects everything the peer sends until it closes (or `timeoutMs` passes). */
export function raw(port: number, bytes: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** Status codes of every response in a raw byte stream, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}

/** Waits until `check` returns true, polling on a short interval, failing after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A backend that answers every request it receives with `reply` bytes (then closes when `close` is set). */
export async function rawBackend(
  id: BackendId,
  reply: string,
  options: { close?: boolean } = {},
): Promise<{ backend: Backend; connections: () => number }> {
  const { createServer: createNetServer } = await import('node:net');
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      if (options.close) socket.end(reply);
      else socket.write(reply);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const port = (server.address() as { port: number }).port;
  return { backend: { id, host: '127.0.0.1', port }, connections: () => count };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
