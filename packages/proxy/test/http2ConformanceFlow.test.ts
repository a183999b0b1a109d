import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startBackend, startBalancer } from './helpers.js';
import { answerTo, conformanceBalancer, connectionError, streamError } from './http2Conformance.js';
import {
  block,
  data,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  RawH2,
  Setting,
  settings,
  windowUpdate,
} from './http2Frames.js';

/**
 * WINDOW_UPDATE and flow control (RFC 9113 §5.2, §6.9): errors asserted with the code and level the RFC names
 * (see `http2Conformance.ts`), and the server's DATA held to the window the client grants.
 */

let port = 0;
beforeAll(async () => {
  port = (await conformanceBalancer()).port;
});
afterAll(cleanup);

/** Bytes of DATA the server sent on `stream` so far. */
function received(client: RawH2, stream: number): number {
  return client.frames
    .filter((f) => f.type === FrameType.DATA && f.stream === stream)
    .reduce((sum, f) => sum + f.payload.length, 0);
}

const ended = (client: RawH2, stream: number) =>
  client.frames.some(
    (f) => f.stream === stream && f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0,
  );

describe('RFC 9113 §6.9 WINDOW_UPDATE', () => {
  it('treats an increment of 0 on the connection as a connection error PROTOCOL_ERROR', async () => {
    expect(connectionError('PROTOCOL_ERROR')).toContain(await answerTo(port, windowUpdate(0, 0)));
  });

  it('treats an increment of 0 on a stream as a stream error PROTOCOL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/hold/zero'))));
    client.write(windowUpdate(1, 0));
    expect(streamError('PROTOCOL_ERROR', 1)).toContain(await client.outcome(1));
  });

  it('treats a connection window past 2^31-1 as a connection error FLOW_CONTROL_ERROR', async () => {
    const outcome = await answerTo(
      port,
      Buffer.concat([windowUpdate(0, 2 ** 31 - 1), windowUpdate(0, 2 ** 31 - 1)]),
    );
    expect(connectionError('FLOW_CONTROL_ERROR')).toContain(outcome);
  });

  it('treats a stream window past 2^31-1 as a stream error FLOW_CONTROL_ERROR', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/hold/overflow'))));
    client.write(Buffer.concat([windowUpdate(1, 2 ** 31 - 1), windowUpdate(1, 2 ** 31 - 1)]));
    expect(streamError('FLOW_CONTROL_ERROR', 1)).toContain(await client.outcome(1));
  });

  it('treats WINDOW_UPDATE with a length other than 4 as a connection error FRAME_SIZE_ERROR', async () => {
    expect(connectionError('FRAME_SIZE_ERROR')).toContain(
      await answerTo(port, frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(3))),
    );
  });
});

describe('RFC 9113 §5.2 flow control', () => {
  it('sends a body one byte per WINDOW_UPDATE to a client whose window is 1 byte', async () => {
    const client = await RawH2.handshake(port, [[Setting.INITIAL_WINDOW_SIZE, 1]]);
    client.write(headers(1, block(getFields('/slow'))));
    const body = 'served GET /slow';
    for (let granted = 1; ; granted++) {
      await client.waitFor(() => received(client, 1) === granted || ended(client, 1));
      // Never more than the window: the bytes granted so far.
      expect(received(client, 1)).toBeLessThanOrEqual(granted);
      if (ended(client, 1)) break;
      client.write(windowUpdate(1, 1));
    }
    const chunks = client.frames.filter((f) => f.type === FrameType.DATA && f.stream === 1);
    for (const chunk of chunks) expect(chunk.payload.length).toBeLessThanOrEqual(1);
    expect(await client.response(1)).toEqual({ status: 200, body });
  });

  it('applies a new SETTINGS_INITIAL_WINDOW_SIZE to a stream already open', async () => {
    const client = await RawH2.handshake(port, [[Setting.INITIAL_WINDOW_SIZE, 0]]);
    client.write(headers(1, block(getFields('/window'))));
    await client.waitFor((f) => f.type === FrameType.HEADERS && f.stream === 1);
    expect(received(client, 1)).toBe(0);
    client.write(settings([[Setting.INITIAL_WINDOW_SIZE, 4]]));
    await client.waitFor(() => received(client, 1) === 4);
    client.write(settings([[Setting.INITIAL_WINDOW_SIZE, 65_535]]));
    expect(await client.response(1)).toEqual({ status: 200, body: 'served GET /window' });
  });
});

describe('RFC 9113 §6.9 DATA past the window the server announced', () => {
  // §6.9.1 lets the receiver answer a stream error or a connection error FLOW_CONTROL_ERROR; ours resets only the
  // stream, so the connection's other streams go on.
  it('treats DATA past the stream window as a stream error FLOW_CONTROL_ERROR, and goes on', async () => {
    // One connection to the backend, held by a request it never answers: the upload queues behind it, so its
    // body is held, unread, and the window it uses is not credited back.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const backend = await startBackend('held', (req) => {
      req.resume();
      holding();
    });
    const balancer = await startBalancer([backend.backend], { http2: true, maxConnectionsPerBackend: 1 });
    const client = await RawH2.handshake(balancer.port);
    client.write(headers(1, block(getFields('/hold/connection'))));
    await held;
    const upload = getFields('/queued');
    upload[0] = [':method', 'POST'];
    const chunk = Buffer.alloc(16_384);
    // 9 × 16,384 bytes: past the 131,072 the balancer's SETTINGS give each stream to start with.
    client.write(
      Buffer.concat([
        headers(3, block(upload), false),
        ...Array.from({ length: 9 }, () => data(3, chunk, false)),
      ]),
    );
    expect(streamError('FLOW_CONTROL_ERROR', 3)).toContain(await client.outcome(3));
    expect(await client.alive()).toBe('PING ACK');
  });
});
