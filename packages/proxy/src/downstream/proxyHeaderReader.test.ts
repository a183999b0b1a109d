import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyHeader } from '../protocol/proxy/proxyHeader.js';
import { ProxyHeaderReader } from './proxyHeaderReader.js';

const header = Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 40000 8080\r\n', 'latin1');
const servers: Server[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A reader on a loopback server; `events` records what the owner heard, per accepted socket. */
async function setup(timeoutMs: number) {
  const events: string[] = [];
  const accepted: Socket[] = [];
  let handed: ((value: { socket: Socket; header: ProxyHeader }) => void) | undefined;
  const handedOver = new Promise<{ socket: Socket; header: ProxyHeader }>((resolve) => {
    handed = resolve;
  });
  let refusedNow: (() => void) | undefined;
  const refused = new Promise<void>((resolve) => {
    refusedNow = resolve;
  });
  const reader = new ProxyHeaderReader(timeoutMs, {
    onHeader: (socket, parsed) => {
      events.push('header');
      handed!({ socket, header: parsed });
    },
    onRefused: () => {
      events.push('refused');
      refusedNow!();
    },
  });
  const server = createServer((socket) => {
    accepted.push(socket);
    reader.read(socket);
  }).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  clients.push(client);
  client.on('error', () => {});
  await once(client, 'connect');
  return { reader, events, accepted, client, handedOver, refused };
}

/** Reads `length` bytes from a paused socket handed over by the reader. */
async function readBytes(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
  });
  socket.resume();
  while (total < length) await once(socket, 'data', { signal: AbortSignal.timeout(5000) });
  return Buffer.concat(chunks);
}

describe('ProxyHeaderReader', () => {
  it('hands the socket over once, with the bytes after the header, whatever the split', async () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n', 'latin1');
    const stream = Buffer.concat([header, payload]);
    for (const at of [1, 6, header.length - 1, header.length, header.length + 3]) {
      const { events, client, handedOver } = await setup(60_000);
      client.write(stream.subarray(0, at));
      // The second write waits until the first has surely been read on its own, as a separate chunk.
      await new Promise((resolve) => setImmediate(resolve));
      client.write(stream.subarray(at));
      const { socket, header: parsed } = await handedOver;
      expect(parsed.source?.address).toBe('203.0.113.7');
      expect(socket.listenerCount('data')).toBe(0);
      expect(socket.listenerCount('close')).toBe(0);
      expect((await readBytes(socket, payload.length)).toString('latin1')).toBe(payload.toString('latin1'));
      expect(events).toEqual(['header']);
    }
  });

  it('refuses once a connection whose header is garbage, and a peer that closes mid-header', async () => {
    const garbage = await setup(60_000);
    garbage.client.write('GET / HTTP/1.1\r\n\r\n');
    await garbage.refused;
    expect(garbage.accepted[0]!.destroyed).toBe(true);
    expect(garbage.events).toEqual(['refused']);

    const early = await setup(60_000);
    early.client.end(header.subarray(0, 10));
    await early.refused;
    expect(early.accepted[0]!.destroyed).toBe(true);
    expect(early.events).toEqual(['refused']);
  });

  it('closes only overdue connections when checked, and closes all waiting ones on demand', async () => {
    const patient = await setup(60_000);
    patient.reader.check();
    patient.client.write(header);
    await patient.handedOver;
    expect(patient.events).toEqual(['header']);

    const overdue = await setup(0);
    overdue.reader.check();
    await overdue.refused;
    overdue.client.write(header);
    await once(overdue.client, 'close', { signal: AbortSignal.timeout(5000) });
    expect(overdue.events).toEqual(['refused']);

    const waiting = await setup(60_000);
    waiting.reader.closeAll();
    await waiting.refused;
    expect(waiting.events).toEqual(['refused']);
  });
});
