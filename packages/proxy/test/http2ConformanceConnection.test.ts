import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, raw, statuses } from './helpers.js';
import {
  answerTo as answerToPort,
  conformanceBalancer,
  connectionError,
  streamOrConnectionError,
} from './http2Conformance.js';
import {
  block,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  PREFACE,
  ping,
  RawH2,
  Setting,
  settings,
} from './http2Frames.js';

/**
 * The connection-level part of an h2spec-style conformance suite (RFC 9113 §3.4, §4, §5.4, §5.5, §6.5, §6.7,
 * §6.8) against the balancer's HTTP/2 ingress. Each case asserts what the RFC requires on the wire: the error code
 * and level it names, both levels only where it names both (see `http2Conformance.ts`).
 */

let port = 0;
beforeAll(async () => {
  port = (await conformanceBalancer()).port;
});
afterAll(cleanup);

const answerTo = (bytes: Buffer, stream?: number) => answerToPort(port, bytes, stream);

describe('RFC 9113 §3.4 connection preface', () => {
  it('sends SETTINGS as the first frame of the server', async () => {
    const client = await RawH2.open(port);
    await client.waitFor(() => true);
    const first = client.frames[0];
    expect(first?.type).toBe(FrameType.SETTINGS);
    expect(first?.flags).toBe(0);
    expect(first?.stream).toBe(0);
  });

  it('serves a request once the preface and SETTINGS are exchanged', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields())));
    expect(await client.response(1)).toMatchObject({ status: 200 });
  });

  it('serves a connection whose preface, SETTINGS and request arrive one byte at a time', async () => {
    const client = await RawH2.connect(port);
    const fields = block(getFields('/bytes'));
    const bytes = Buffer.concat([
      PREFACE,
      settings(),
      frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 7)),
      frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, fields.subarray(7)),
    ]);
    for (const byte of bytes)
      await new Promise((resolve) => client.socket.write(Buffer.from([byte]), resolve));
    expect(await client.response(1)).toMatchObject({ status: 200, body: 'served GET /bytes' });
  });

  // A cleartext port tells HTTP/2 from HTTP/1.1 by the preface; anything else is an HTTP/1.1 request, and
  // `PRI * HTTP/2.0` with the wrong tail is not a valid one: answered 400 and closed, never served as HTTP/2.
  it('closes a connection whose preface is wrong, with an HTTP/1.1 error and no HTTP/2 frame', async () => {
    const answer = await raw(port, 'PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');
    // Today the HTTP/1.1 parser answers 505 (version 2.0); 400 would do as well.
    expect([[400], [505]]).toContainEqual(statuses(answer));
  });

  it('treats a preface followed by a frame other than SETTINGS as a connection error PROTOCOL_ERROR', async () => {
    const client = await RawH2.connect(port);
    client.write(Buffer.concat([PREFACE, ping(Buffer.alloc(8))]));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await client.outcome());
  });
});

describe('RFC 9113 §4 frames', () => {
  it('§4.1 ignores a frame of an unknown type', async () => {
    const client = await RawH2.handshake(port);
    client.write(frame(0xfe, 0, 0, Buffer.from('unknown')));
    expect(await client.alive()).toBe('PING ACK');
  });

  it('§4.1 ignores flags a frame type does not define', async () => {
    const client = await RawH2.handshake(port);
    client.write(frame(FrameType.PING, 0xfe, 0, Buffer.from('flags-ok')));
    const pong = await client.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0);
    expect(pong?.payload.toString()).toBe('flags-ok');
  });

  it('§4.1 ignores the reserved bit of the stream identifier', async () => {
    const client = await RawH2.handshake(port);
    const request = headers(1, block(getFields()));
    request[5]! |= 0x80;
    client.write(request);
    expect(await client.response(1)).toMatchObject({ status: 200 });
  });

  it('§4.2 treats DATA larger than SETTINGS_MAX_FRAME_SIZE as a FRAME_SIZE_ERROR (stream or connection)', async () => {
    const fields = getFields('/upload');
    fields[0] = [':method', 'POST'];
    const outcome = await answerTo(
      Buffer.concat([
        headers(1, block(fields), false),
        frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.alloc(16_385)),
      ]),
      1,
    );
    expect(streamOrConnectionError('FRAME_SIZE_ERROR', 1)).toContain(outcome);
  });

  it('§4.2 treats HEADERS larger than SETTINGS_MAX_FRAME_SIZE as a connection error FRAME_SIZE_ERROR', async () => {
    const fields = block([...getFields(), ['x-big', 'x'.repeat(16_400)]]);
    const outcome = await answerTo(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, fields));
    expect(connectionError('FRAME_SIZE_ERROR')).toContain(outcome);
  });

  it('§4.3 treats a field block it cannot decode as a connection error COMPRESSION_ERROR', async () => {
    // A literal with incremental indexing whose name claims 5 bytes where 1 follows.
    const outcome = await answerTo(headers(1, Buffer.from([0x40, 0x05, 0x61])));
    expect(connectionError('COMPRESSION_ERROR')).toContain(outcome);
  });
});

describe('RFC 9113 §5.4 error handling, §5.5 extensions', () => {
  it('§5.4.1 ends a connection error with GOAWAY naming the last stream it processed, then closes', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields())));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(frame(FrameType.PING, 0, 0, Buffer.alloc(6)));
    expect(connectionError('FRAME_SIZE_ERROR')).toContain(await client.outcome());
    const goaway = client.frames.find((f) => f.type === FrameType.GOAWAY);
    expect(goaway!.payload.readUInt32BE(0) & 0x7fffffff).toBe(1);
    expect(client.closed).toBe(true);
  });

  it('§5.5 ignores an unknown extension frame between frames', async () => {
    const client = await RawH2.handshake(port);
    client.write(frame(0x42, 0xff, 1, Buffer.from('extension')));
    client.write(headers(1, block(getFields())));
    expect(await client.response(1)).toMatchObject({ status: 200 });
  });

  it('§5.5 treats an unknown extension frame inside a field block as a connection error PROTOCOL_ERROR', async () => {
    const fields = block(getFields());
    const outcome = await answerTo(
      Buffer.concat([
        frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 10)),
        frame(0x42, 0, 0, Buffer.from('extension')),
        frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, fields.subarray(10)),
      ]),
    );
    expect(connectionError('PROTOCOL_ERROR')).toContain(outcome);
  });
});

describe('RFC 9113 §6.5 SETTINGS', () => {
  it('acknowledges SETTINGS with an empty SETTINGS ACK', async () => {
    const client = await RawH2.handshake(port);
    client.write(settings([[Setting.MAX_CONCURRENT_STREAMS, 50]]));
    const acks = () =>
      client.frames.filter((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
    await client.waitFor(() => acks().length === 2);
    expect(acks()[1]?.payload.length).toBe(0);
  });

  it('ignores a setting it does not know', async () => {
    const client = await RawH2.handshake(port);
    client.write(settings([[0xff, 1]]));
    const acks = () =>
      client.frames.filter((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
    await client.waitFor(() => acks().length === 2);
    expect(await client.alive()).toBe('PING ACK');
  });

  const errors: [string, string, Buffer][] = [
    ['an ACK with a payload', 'FRAME_SIZE_ERROR', frame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(6))],
    ['a stream other than 0', 'PROTOCOL_ERROR', frame(FrameType.SETTINGS, 0, 1, Buffer.alloc(6))],
    [
      'a length that is not a multiple of 6',
      'FRAME_SIZE_ERROR',
      frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(3)),
    ],
    ['ENABLE_PUSH other than 0 or 1', 'PROTOCOL_ERROR', settings([[Setting.ENABLE_PUSH, 2]])],
    [
      'INITIAL_WINDOW_SIZE over 2^31-1',
      'FLOW_CONTROL_ERROR',
      settings([[Setting.INITIAL_WINDOW_SIZE, 2 ** 31]]),
    ],
    ['MAX_FRAME_SIZE under 2^14', 'PROTOCOL_ERROR', settings([[Setting.MAX_FRAME_SIZE, 16_383]])],
    ['MAX_FRAME_SIZE over 2^24-1', 'PROTOCOL_ERROR', settings([[Setting.MAX_FRAME_SIZE, 2 ** 24]])],
  ];
  it.each(errors)('treats SETTINGS with %s as a connection error %s', async (_name, code, bytes) => {
    expect(connectionError(code)).toContain(await answerTo(bytes));
  });
});

describe('RFC 9113 §6.7 PING, §6.8 GOAWAY', () => {
  it('answers PING with a PING ACK carrying the same 8 bytes', async () => {
    const client = await RawH2.handshake(port);
    client.write(ping(Buffer.from('h2-check')));
    const pong = await client.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0);
    expect(pong?.payload.toString()).toBe('h2-check');
    expect(pong?.stream).toBe(0);
  });

  // RFC 9113 §6.7 forbids answering it and names no error: the connection goes on.
  it('does not answer a PING ACK, and goes on', async () => {
    const client = await RawH2.handshake(port);
    client.write(ping(Buffer.from('unasked!'), true));
    expect(await client.alive()).toBe('PING ACK');
    expect(client.frames.some((f) => f.type === FrameType.PING && f.payload.toString() === 'unasked!')).toBe(
      false,
    );
  });

  it('treats PING on a stream other than 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(
      await answerTo(frame(FrameType.PING, 0, 1, Buffer.alloc(8))),
    );
  });

  it('treats PING with a length other than 8 as a connection error FRAME_SIZE_ERROR', async () => {
    expect(connectionError('FRAME_SIZE_ERROR')).toContain(
      await answerTo(frame(FrameType.PING, 0, 0, Buffer.alloc(9))),
    );
  });

  it('treats GOAWAY on a stream other than 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(
      await answerTo(frame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8))),
    );
  });
});
