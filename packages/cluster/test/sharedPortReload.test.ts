import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster, get } from './helpers.js';

afterEach(cleanUp);

describe('reload in shared-port mode', () => {
  it('closes kept-alive client connections gracefully: no request fails across reloads', async () => {
    const manager = cluster({ processes: 2, sharedPort: 0 });
    await manager.start();
    const port = manager.address?.port as number;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let reloading = true;
    let ok = 0;
    const errors: string[] = [];
    // Four clients, each sending its next request the moment the previous response ends, on pooled sockets.
    const client = async () => {
      while (reloading) {
        try {
          const { status } = await get(port, '/', agent, 10_000);
          if (status === 200) ok += 1;
          else errors.push(`status ${status}`);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    try {
      for (let i = 0; i < 3; i++) await manager.reload();
    } finally {
      reloading = false;
    }
    await Promise.all(clients);
    agent.destroy();
    expect(errors).toEqual([]);
    console.log(`shared-port reload under keep-alive load: ${ok} requests, ${errors.length} errors`);
    expect(ok).toBeGreaterThan(0);
  }, 60_000);

  it('closes an idle kept-alive connection from the worker side, so the reload does not wait for it', async () => {
    const manager = cluster({ processes: 1, sharedPort: 0, shutdownTimeout: 60_000 });
    await manager.start();
    const socket = net.connect(manager.address?.port as number, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const ended = once(socket, 'end');
    // The reload would wait the whole shutdownTimeout (60 s, beyond the test's) if the idle connection kept it.
    await manager.reload();
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  }, 30_000);
});
