import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from './helpers.js';
import {
  answerTo,
  conformanceBalancer,
  connectionError,
  streamError,
  streamOrConnectionError,
} from './http2Conformance.js';
import {
  block,
  data,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  indexed,
  indexedLiteral,
  priority,
  RawH2,
  rstStream,
  windowUpdate,
} from './http2Frames.js';

/**
 * Streams and the frames that carry them (RFC 9113 §5.1, §5.1.1, §5.1.2, §5.3, §6.1–§6.4, §6.10): each case
 * asserts the error code and level the RFC names, both levels only where it names both (see `http2Conformance.ts`).
 */

let port = 0;
beforeAll(async () => {
  port = (await conformanceBalancer()).port;
});
afterAll(cleanup);

/** A POST whose body is still to come, so its stream stays open. */
function openUpload(stream: number, path = '/upload'): Buffer {
  const fields = getFields(path);
  fields[0] = [':method', 'POST'];
  return headers(stream, block(fields), false);
}

/** `fields` as a HEADERS payload with `padLength` bytes of padding announced (and `actual` bytes present). */
function padded(fields: Buffer, padLength: number, actual = padLength): Buffer {
  return Buffer.concat([Buffer.from([padLength]), fields, Buffer.alloc(actual)]);
}

describe('RFC 9113 §5.1 stream states', () => {
  it('treats DATA on an idle stream as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, data(1, 'idle')));
  });

  it('treats DATA on a half-closed (remote) stream as a stream error STREAM_CLOSED', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/hold/data'))));
    client.write(data(1, 'late'));
    expect(streamError('STREAM_CLOSED', 1)).toContain(await client.outcome(1));
  });

  it('treats HEADERS on a half-closed (remote) stream as a stream error STREAM_CLOSED', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/hold/headers'))));
    client.write(headers(1, block(getFields('/hold/again'))));
    expect(streamError('STREAM_CLOSED', 1)).toContain(await client.outcome(1));
  });

  it('treats HEADERS from the client on an even stream as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, headers(2, block(getFields()))));
  });

  it('serves streams that skip identifiers', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields())));
    client.write(headers(41, block(getFields('/skip'))));
    expect(await client.response(41)).toMatchObject({ status: 200, body: 'served GET /skip' });
  });

  it('§5.1.2 refuses a stream past SETTINGS_MAX_CONCURRENT_STREAMS: stream error REFUSED_STREAM or PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    const serverSettings = client.frames.find((f) => f.type === FrameType.SETTINGS && f.flags === 0)!;
    let limit = 0;
    for (let i = 0; i + 6 <= serverSettings.payload.length; i += 6)
      if (serverSettings.payload.readUInt16BE(i) === 3) limit = serverSettings.payload.readUInt32BE(i + 2);
    expect(limit).toBeGreaterThan(0);
    const burst = Array.from({ length: limit + 1 }, (_, i) =>
      headers(1 + 2 * i, block(getFields(`/hold/${i}`))),
    );
    client.write(Buffer.concat(burst));
    const last = 1 + 2 * limit;
    const allowed = [...streamError('REFUSED_STREAM', last), ...streamError('PROTOCOL_ERROR', last)];
    expect(allowed).toContain(await client.outcome(last));
    expect(client.frames.some((f) => f.type === FrameType.HEADERS && f.stream === last)).toBe(false);
  });
});

/** The RST_STREAM frames the server sent on `stream` so far. */
function resets(client: RawH2, stream: number): number {
  return client.frames.filter((f) => f.type === FrameType.RST_STREAM && f.stream === stream).length;
}

describe('RFC 9113 §5.1 closed streams, §5.1.1 stream identifiers', () => {
  // §6.1 asks a stream error STREAM_CLOSED for DATA on a stream that is not open; §5.1 lets a closed stream's
  // frames be a connection error STREAM_CLOSED instead. Either way the DATA is not ignored.
  it('treats DATA after the client reset the stream as a STREAM_CLOSED error (stream or connection)', async () => {
    const client = await RawH2.handshake(port);
    client.write(Buffer.concat([openUpload(1, '/hold/reset-by-client'), rstStream(1, 8), data(1, 'late')]));
    expect(streamOrConnectionError('STREAM_CLOSED', 1)).toContain(await client.outcome(1));
  });

  // §5.1: once it answered with RST_STREAM, what the client sent on the stream before hearing so is discarded.
  it('answers DATA on a stream the client reset once, then discards what follows', async () => {
    const client = await RawH2.handshake(port);
    const late = [data(1, 'late', false), data(1, 'later', false), data(1, 'last')];
    client.write(Buffer.concat([openUpload(1, '/hold/reset-then-data'), rstStream(1, 8), ...late]));
    expect(streamError('STREAM_CLOSED', 1)).toContain(await client.outcome(1));
    expect(await client.alive()).toBe('PING ACK');
    expect(resets(client, 1)).toBe(1);
  });

  it('treats DATA on a stream that ended normally as a STREAM_CLOSED error (stream or connection)', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/ended'))));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(data(1, 'late'));
    expect(streamOrConnectionError('STREAM_CLOSED', 1)).toContain(await client.outcome(1));
  });

  it('treats HEADERS on a stream that ended normally as a connection error STREAM_CLOSED', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/ended'))));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(headers(1, block(getFields('/again'))));
    expect(connectionError('STREAM_CLOSED')).toContain(await client.outcome());
  });

  it('treats HEADERS after the client reset the stream as a connection error STREAM_CLOSED', async () => {
    const client = await RawH2.handshake(port);
    client.write(Buffer.concat([openUpload(1, '/hold/reset-then-headers'), rstStream(1, 8)]));
    client.write(headers(1, block([['x-trailer', 'v']])));
    expect(connectionError('STREAM_CLOSED')).toContain(await client.outcome());
  });

  // §5.1: the client may have sent frames before our RST_STREAM reached it; they are discarded, not errors.
  it('discards DATA still in flight on a stream it reset, and goes on', async () => {
    const client = await RawH2.handshake(port);
    client.write(
      Buffer.concat([openUpload(1, '/hold/reset-by-server'), priority(1, 1), data(1, 'in flight')]),
    );
    expect(streamError('PROTOCOL_ERROR', 1)).toContain(await client.outcome(1));
    expect(await client.alive()).toBe('PING ACK');
    expect(resets(client, 1)).toBe(1);
  });

  // §5.1: discarded, but decoded first, since the field block changed the connection's HPACK table.
  it('decodes and discards trailers still in flight on a stream it reset', async () => {
    const client = await RawH2.handshake(port);
    const late = headers(1, Buffer.concat([indexedLiteral('x-kept', 'v'), block([['x-trailer', 'v']])]));
    client.write(Buffer.concat([openUpload(1, '/hold/reset-trailers'), priority(1, 1), late]));
    expect(streamError('PROTOCOL_ERROR', 1)).toContain(await client.outcome(1));
    client.write(headers(3, Buffer.concat([block(getFields('/after-reset')), indexed(62)])));
    expect(await client.response(3)).toMatchObject({ status: 200, body: 'served GET /after-reset' });
    expect(resets(client, 1)).toBe(1);
  });

  it('§5.1.1 treats a new stream with an id below one already used as a connection error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(5, block(getFields())));
    expect(await client.response(5)).toMatchObject({ status: 200 });
    client.write(headers(3, block(getFields('/lower'))));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await client.outcome());
    expect(client.frames.some((f) => f.type === FrameType.HEADERS && f.stream === 3)).toBe(false);
  });
});

describe('RFC 9113 §5.3 priority', () => {
  it('accepts PRIORITY on an idle stream, then serves that stream', async () => {
    const client = await RawH2.handshake(port);
    client.write(priority(9, 0));
    client.write(priority(1, 9, 200));
    client.write(headers(9, block(getFields('/after-priority'))));
    expect(await client.response(9)).toMatchObject({ status: 200 });
  });

  it('accepts PRIORITY on an open and on a closed stream', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields())));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(openUpload(3));
    client.write(Buffer.concat([priority(3, 0, 100, true), priority(1, 3)]));
    client.write(data(3, 'body'));
    expect(await client.response(3)).toMatchObject({ status: 200, body: 'served POST /upload' });
  });

  it('treats a PRIORITY frame making a stream depend on itself as a stream error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(openUpload(1, '/hold/self'));
    client.write(priority(1, 1));
    expect(streamError('PROTOCOL_ERROR', 1)).toContain(await client.outcome(1));
  });

  it('treats HEADERS making their stream depend on itself as a stream error PROTOCOL_ERROR', async () => {
    const dependency = Buffer.from([0, 0, 0, 3, 16]);
    const request = frame(
      FrameType.HEADERS,
      Flag.END_HEADERS | Flag.END_STREAM | Flag.PRIORITY,
      3,
      Buffer.concat([dependency, block(getFields())]),
    );
    expect(streamError('PROTOCOL_ERROR', 3)).toContain(await answerTo(port, request, 3));
  });
});

describe('RFC 9113 §6.1 DATA, §6.2 HEADERS', () => {
  it('treats DATA on stream 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, data(0, 'zero')));
  });

  it('treats DATA whose padding is as long as the payload as a connection error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(openUpload(1));
    client.write(frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, Buffer.from([6, 1, 2, 3, 4, 5])));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await client.outcome());
  });

  it('serves a padded request body', async () => {
    const client = await RawH2.handshake(port);
    client.write(openUpload(1));
    client.write(frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, padded(Buffer.from('abc'), 4)));
    expect(await client.response(1)).toMatchObject({ status: 200 });
  });

  it('serves HEADERS with padding and a priority', async () => {
    const payload = padded(Buffer.concat([Buffer.from([0, 0, 0, 0, 16]), block(getFields('/padded'))]), 7);
    const client = await RawH2.handshake(port);
    client.write(
      frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PADDED | Flag.PRIORITY, 1, payload),
    );
    expect(await client.response(1)).toMatchObject({ status: 200, body: 'served GET /padded' });
  });

  it('treats HEADERS on stream 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, headers(0, block(getFields()))));
  });

  it('treats HEADERS whose padding exceeds the payload as a connection error PROTOCOL_ERROR', async () => {
    const payload = padded(block(getFields()), 255, 4);
    const request = frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PADDED, 1, payload);
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, request));
  });

  it('treats another frame between HEADERS and its CONTINUATION as a connection error PROTOCOL_ERROR', async () => {
    const fields = block(getFields());
    const bytes = Buffer.concat([
      frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 8)),
      windowUpdate(0, 1000),
      frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, fields.subarray(8)),
    ]);
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, bytes));
  });
});

describe('RFC 9113 §6.3 PRIORITY, §6.4 RST_STREAM', () => {
  it('treats PRIORITY on stream 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, priority(0, 1)));
  });

  it('treats PRIORITY with a length other than 5 as a stream error FRAME_SIZE_ERROR', async () => {
    const outcome = await answerTo(port, frame(FrameType.PRIORITY, 0, 1, Buffer.alloc(4)), 1);
    expect(streamError('FRAME_SIZE_ERROR', 1)).toContain(outcome);
  });

  it('treats RST_STREAM on stream 0 as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, rstStream(0, 8)));
  });

  it('treats RST_STREAM on an idle stream as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, rstStream(1, 8)));
  });

  it('treats RST_STREAM with a length other than 4 as a connection error FRAME_SIZE_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(openUpload(1, '/hold/rst'));
    client.write(frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3)));
    expect(connectionError('FRAME_SIZE_ERROR')).toContain(await client.outcome());
  });
});

describe('RFC 9113 §6.10 CONTINUATION', () => {
  it('serves a field block split over HEADERS and several CONTINUATION frames', async () => {
    const fields = block(getFields('/split'));
    const client = await RawH2.handshake(port);
    client.write(
      Buffer.concat([
        frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 5)),
        frame(FrameType.CONTINUATION, 0, 1, fields.subarray(5, 20)),
        frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(0)),
        frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, fields.subarray(20)),
      ]),
    );
    expect(await client.response(1)).toMatchObject({ status: 200, body: 'served GET /split' });
  });

  it('treats CONTINUATION without a preceding HEADERS as a connection error PROTOCOL_ERROR', async () => {
    const bytes = frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block(getFields()));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, bytes));
  });

  it('treats CONTINUATION after END_HEADERS as a connection error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(openUpload(1, '/hold/continuation'));
    client.write(frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block([['x-late', 'v']])));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await client.outcome());
  });

  it('treats CONTINUATION on a closed stream as a connection error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields())));
    expect(await client.response(1)).toMatchObject({ status: 200 });
    client.write(frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block([['x-late', 'v']])));
    expect(connectionError('PROTOCOL_ERROR')).toContain(await client.outcome());
  });

  it('treats CONTINUATION on another stream as a connection error PROTOCOL_ERROR', async () => {
    const fields = block(getFields());
    const bytes = Buffer.concat([
      frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 8)),
      frame(FrameType.CONTINUATION, Flag.END_HEADERS, 3, fields.subarray(8)),
    ]);
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, bytes));
  });

  it('treats CONTINUATION on stream 0 as a connection error PROTOCOL_ERROR', async () => {
    const fields = block(getFields());
    const bytes = Buffer.concat([
      frame(FrameType.HEADERS, Flag.END_STREAM, 1, fields.subarray(0, 8)),
      frame(FrameType.CONTINUATION, Flag.END_HEADERS, 0, fields.subarray(8)),
    ]);
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, bytes));
  });
});
