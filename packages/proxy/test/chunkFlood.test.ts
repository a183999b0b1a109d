import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, raw, startBalancer, statuses } from './helpers.js';

afterEach(cleanup);

/** Decodes a chunked body from raw bytes, counting the chunks it was sent in; `undefined` until complete. */
function dechunk(bytes: Buffer, from: number): { body: Buffer; chunks: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(bytes.toString('latin1', at, lineEnd), 16);
    if (size === 0)
      return bytes.indexOf('\r\n\r\n', lineEnd) === -1
        ? undefined
        : { body: Buffer.concat(parts), chunks: parts.length };
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** A raw backend that reads one chunked request body and reports how many chunks it arrived in. */
async function countingBackend(): Promise<{
  port: number;
  received: Promise<{ body: Buffer; chunks: number }>;
}> {
  let report: (value: { body: Buffer; chunks: number }) => void = () => {};
  const received = new Promise<{ body: Buffer; chunks: number }>((resolve) => {
    report = resolve;
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let bytes = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      bytes = Buffer.concat([bytes, d]);
      const headEnd = bytes.indexOf('\r\n\r\n');
      const done = headEnd === -1 ? undefined : dechunk(bytes, headEnd + 4);
      if (done === undefined) return;
      report(done);
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port, received };
}

/** A raw backend that answers with `body` sent as one-byte chunks. */
async function tinyChunkBackend(body: Buffer): Promise<number> {
  let framed = '';
  for (const byte of body) framed += `1\r\n${String.fromCharCode(byte)}\r\n`;
  const reply = Buffer.from(
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${framed}0\r\n\r\n`,
    'latin1',
  );
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(reply));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

function randomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7919 + (i >> 8)) & 0xff;
  return bytes;
}

describe('a body of tiny chunks', () => {
  it('reaches the backend intact in far fewer chunks than the client sent', async () => {
    const backend = await countingBackend();
    const { port } = await startBalancer([{ id: 'raw', host: '127.0.0.1', port: backend.port }]);
    const body = randomBytes(100_000);
    let framed = '';
    for (const byte of body) framed += `1\r\n${String.fromCharCode(byte)}\r\n`;
    const reply = raw(
      port,
      Buffer.from(
        `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${framed}0\r\n\r\n`,
        'latin1',
      ),
      10_000,
    );
    const { body: seen, chunks } = await backend.received;
    expect(seen.equals(body)).toBe(true);
    expect(chunks).toBeLessThan(1000);
    expect(statuses(await reply)).toEqual([200]);
  });

  it('reaches the client intact in far fewer chunks than the backend sent', async () => {
    const body = randomBytes(100_000);
    const backendPort = await tinyChunkBackend(body);
    const { port } = await startBalancer([{ id: 'raw', host: '127.0.0.1', port: backendPort }]);
    const reply = Buffer.from(
      await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 10_000),
      'latin1',
    );
    const decoded = dechunk(reply, reply.indexOf('\r\n\r\n') + 4);
    expect(decoded?.body.equals(body)).toBe(true);
    expect(decoded?.chunks).toBeLessThan(1000);
  });
});
