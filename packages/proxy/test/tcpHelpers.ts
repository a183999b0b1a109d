import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import type { Backend } from '@lb/core';

/** A loopback TCP backend that records its sockets, so tests can count what the balancer left open. */
export interface TestBackend {
  backend: Backend;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  /** Connections accepted so far. */
  accepted: number;
}

const servers = new Set<Server>();

/** Starts a backend; `handle` serves each connection (default: echo, half-close passed on). */
export async function startBackend(
  id: string,
  handle: (socket: Socket) => void = (socket) => socket.pipe(socket),
): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true });
  const result: TestBackend = { backend: { id, host: '127.0.0.1', port: 0 }, server, sockets, accepted: 0 };
  server.on('connection', (socket) => {
    result.accepted++;
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
    handle(socket);
  });
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  result.backend = { id, host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  return result;
}

/** A backend address nothing listens on. */
export async function refusedBackend(id: string): Promise<Backend> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { id, host: '127.0.0.1', port };
}

/** Closes every backend started by {@link startBackend}, destroying their sockets. */
export async function closeBackends(): Promise<void> {
  await Promise.all(
    [...servers].map(
      (server) =>
        new Promise<void>((resolve) => {
          servers.delete(server);
          server.close(() => resolve());
        }),
    ),
  );
}

/** Connects to `port`, sends `payload` (then half-closes when `end`), and collects everything until the end. */
export async function exchange(port: number, payload: string, end = true): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.setEncoding('utf8');
  let received = '';
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  await once(socket, 'connect');
  if (end) socket.end(payload);
  else socket.write(payload);
  await once(socket, 'end', { signal: AbortSignal.timeout(5000) });
  socket.destroy();
  return received;
}

/** Opens a client connection and waits until it is established. */
export async function openClient(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves with the next chunk `socket` reads, as UTF-8. */
export async function nextData(socket: Socket): Promise<string> {
  const [chunk] = (await once(socket, 'data', { signal: AbortSignal.timeout(5000) })) as [Buffer];
  return chunk.toString('utf8');
}

/** A bounded wait for tests: an abort signal that fires after 5 s. */
export function bounded(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(5000) };
}
