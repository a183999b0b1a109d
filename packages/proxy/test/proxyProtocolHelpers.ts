import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { startBackend } from './helpers.js';

/** A backend answering every request with the `X-Forwarded-For` it received. */
export function echoBackend() {
  return startBackend('a', (req, res) => {
    req.resume();
    req.on('end', () => res.end(`xff=${String(req.headers['x-forwarded-for'])}`));
  });
}

/** Writes each chunk in its own write, then collects what comes back until the balancer closes (bounded). */
export async function exchange(
  port: number,
  chunks: (string | Buffer)[],
  localAddress?: string,
): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  const timer = setTimeout(() => socket.destroy(), 5000);
  await once(socket, 'connect');
  for (const chunk of chunks) {
    await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
  }
  await once(socket, 'close');
  clearTimeout(timer);
  return Buffer.concat(received).toString('latin1');
}

/** One HTTP/1.1 request head, keeping the connection or not. */
export const request = (connection: 'keep-alive' | 'close' = 'close'): string =>
  `GET / HTTP/1.1\r\nHost: lb\r\nConnection: ${connection}\r\n\r\n`;

/** A port free a moment ago, for HAProxy to bind. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts connections on `port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
