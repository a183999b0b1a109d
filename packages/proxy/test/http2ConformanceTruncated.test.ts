import { once } from 'node:events';
import type { ServerHttp2Stream } from 'node:http2';
import { connect, createServer, type Socket } from 'node:net';
import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, onCleanup, rawBackend, startBalancer } from './helpers.js';
import {
  block,
  data,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  indexed,
  literal,
  PREFACE,
  RawH2,
  rstStream,
  settings,
} from './http2Frames.js';
import { startHttp2Backend } from './http2Helpers.js';

/**
 * A backend that stops half-way through a response it announced as 10 bytes long must never reach the client as
 * a complete response (RFC 9113 §8.1.1: a malformed response is not forwarded; RFC 9112 §6.3: a message cut
 * short is incomplete). An HTTP/2 client gets the stream reset (never a clean END_STREAM), an HTTP/1.1 client a
 * connection closed before the body it was promised is whole.
 */

afterEach(cleanup);

/** A backend that answered 5 bytes and waits; `cut` resolves, once those bytes are out, with how to stop. */
interface HalfAnswer {
  readonly backend: Backend;
  readonly cut: Promise<() => void>;
}

/**
 * A `node:http2` backend answering 5 bytes (after `content-length: 10` when `announced`), then stopping with
 * `stop`. (`node:http2` cannot reset a stream it has written to without ending it first: `close(code)` sends
 * END_STREAM, then RST_STREAM NO_ERROR; the reset cases use {@link resettingBackend}.)
 */
async function nodeBackend(
  announced: boolean,
  stop: (stream: ServerHttp2Stream) => void,
): Promise<HalfAnswer> {
  let answered!: (cut: () => void) => void;
  const cut = new Promise<() => void>((resolve) => {
    answered = resolve;
  });
  const h2 = await startHttp2Backend('half', (stream) => {
    stream.respond(announced ? { ':status': 200, 'content-length': '10' } : { ':status': 200 });
    stream.write('12345', () => answered(() => stop(stream)));
  });
  return { backend: h2.backend, cut };
}

/**
 * An HTTP/2 backend written frame by frame: SETTINGS, then to the first request HEADERS `:status: 200` (with
 * `content-length: 10` when `announced`) and DATA `12345`; `cut` resets the stream (RST_STREAM INTERNAL_ERROR).
 */
async function resettingBackend(announced: boolean): Promise<HalfAnswer> {
  let answered!: (cut: () => void) => void;
  const cut = new Promise<() => void>((resolve) => {
    answered = resolve;
  });
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write(settings());
    let pending = Buffer.alloc(0);
    let prefaceLeft = PREFACE.length;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const skip = Math.min(prefaceLeft, pending.length);
      prefaceLeft -= skip;
      pending = pending.subarray(skip);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const type = pending[3]!;
        const flags = pending[4]!;
        const stream = pending.readUInt32BE(5) & 0x7fffffff;
        pending = pending.subarray(9 + pending.readUIntBE(0, 3));
        if (type === FrameType.SETTINGS && (flags & Flag.ACK) === 0) {
          socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
        } else if (type === FrameType.HEADERS) {
          const status = indexed(8); // :status 200
          const fields = announced ? Buffer.concat([status, literal('content-length', '10')]) : status;
          socket.write(Buffer.concat([headers(stream, fields, false), data(stream, '12345', false)]), () =>
            answered(() => socket.write(rstStream(stream, 2))),
          );
        }
      }
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { backend: { id: 'reset', host: '127.0.0.1', port, protocol: 'h2c' }, cut };
}

/** How an HTTP/2 backend cuts its response short after 5 bytes. */
const cuts: [string, () => Promise<HalfAnswer>][] = [
  ['closes its connection (content-length 10)', () => nodeBackend(true, (s) => s.session?.destroy())],
  ['closes its connection (no length)', () => nodeBackend(false, (s) => s.session?.destroy())],
  ['ends the stream at 5 of 10 bytes', () => nodeBackend(true, (s) => s.end())],
  ['resets the stream (content-length 10)', () => resettingBackend(true)],
  ['resets the stream (no length)', () => resettingBackend(false)],
];

/** Every byte the balancer sends an HTTP/1.1 client for `GET /cut`, and whether it closed within 5 s. */
async function http1Get(
  port: number,
  onBytes: (text: string) => void,
): Promise<{ text: string; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  onCleanup(() => socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    onBytes(text);
  });
  socket.write('GET /cut HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { text, closed };
}

/** Whether an HTTP/1.1 response (head and body as read) is whole by its own framing. */
function completeHttp1(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = text.slice(0, end).toLowerCase();
  const body = text.slice(end + 4);
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length !== null) return body.length >= Number(length[1]);
  if (/\r\ntransfer-encoding: *chunked/.test(head)) return /(^|\r\n)0\r\n(.*\r\n)*\r\n$/.test(body);
  // Delimited by the close alone: a client cannot tell a cut body from a whole one, so it counts as whole here.
  return true;
}

/** The DATA bytes on `stream` so far. */
function body(client: RawH2, stream: number): string {
  return client.frames
    .filter((f) => f.type === FrameType.DATA && f.stream === stream)
    .map((f) => f.payload.toString('latin1'))
    .join('');
}

/** The HTTP/2 client's view of a response cut short: reset with an error, never ended cleanly. */
async function expectResetNotEnded(client: RawH2, stream: number): Promise<void> {
  const outcome = await client.response(stream);
  expect(outcome).toMatch(/^RST_STREAM \S+ on stream 1$/);
  expect(outcome).not.toBe('RST_STREAM NO_ERROR on stream 1');
  const ended = client.frames.some(
    (f) => f.stream === stream && (f.flags & Flag.END_STREAM) !== 0 && f.type !== FrameType.RST_STREAM,
  );
  expect(ended).toBe(false);
}

describe('a response cut short by an HTTP/1.1 backend', () => {
  it('reaches an HTTP/2 client as RST_STREAM, never END_STREAM (content-length 10, 5 bytes, close)', async () => {
    const cut = await rawBackend('cut', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345', {
      close: true,
    });
    const balancer = await startBalancer([cut.backend], { http2: true, retries: false });
    const client = await RawH2.handshake(balancer.port);
    client.write(headers(1, block(getFields('/cut'))));
    await expectResetNotEnded(client, 1);
  });

  it('reaches an HTTP/2 client as RST_STREAM, never END_STREAM (chunked, closed mid-body)', async () => {
    const reply = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n12345\r\n';
    const cut = await rawBackend('cut', reply, { close: true });
    const balancer = await startBalancer([cut.backend], { http2: true, retries: false });
    const client = await RawH2.handshake(balancer.port);
    client.write(headers(1, block(getFields('/cut'))));
    await expectResetNotEnded(client, 1);
  });
});

describe('a response cut short by an HTTP/2 backend', () => {
  it.each(cuts)('reaches an HTTP/2 client as RST_STREAM when the backend %s', async (_name, start) => {
    const half = await start();
    const balancer = await startBalancer([half.backend], { http2: true, retries: false });
    const client = await RawH2.handshake(balancer.port);
    client.write(headers(1, block(getFields('/cut'))));
    await client.waitFor(() => body(client, 1) === '12345');
    (await half.cut)();
    await expectResetNotEnded(client, 1);
    expect(body(client, 1)).toBe('12345');
  });

  it.each(cuts)(
    'reaches an HTTP/1.1 client as a body cut short, then a close, when the backend %s',
    async (_name, start) => {
      const half = await start();
      const balancer = await startBalancer([half.backend], { retries: false });
      let seen!: () => void;
      const bytesSeen = new Promise<void>((resolve) => {
        seen = resolve;
      });
      const reply = http1Get(balancer.port, (text) => {
        if (text.endsWith('12345') || text.endsWith('5\r\n12345\r\n')) seen();
      });
      // Bounded by the reply's own wait: a balancer that never relays the bytes fails below, it does not hang.
      await Promise.race([bytesSeen, reply]);
      (await half.cut)();
      const { text, closed } = await reply;
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      expect(closed).toBe(true);
      expect(completeHttp1(text), text).toBe(false);
    },
  );
});
