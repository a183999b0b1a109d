import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  Flag,
  FrameType,
  MAX_WINDOW,
  SettingId,
} from '../src/protocol/http2/frames/frameKinds.js';
import {
  goawayFrame,
  pingFrame,
  rstStreamFrame,
  windowUpdateFrame,
} from '../src/protocol/http2/frames/frameWriter.js';
import { HpackDecoder } from '../src/protocol/http2/hpack/hpackDecoder.js';
import {
  cleanup,
  frame,
  pattern,
  ping,
  rawClient,
  rawServer,
  request,
  StreamLog,
  until,
} from './http2SessionKit.js';

// Our session against a peer written by hand: GOAWAY and RST_STREAM as the peer sends them, the frames we put on
// the wire (RST_STREAM, CONTINUATION), and peers that stop reading or flood us.

afterEach(cleanup);

async function serverPeer(entries: number[] = []) {
  const { peer, client } = await rawServer();
  peer.settings(entries);
  await until(() => client.log.ready, 'our client to be ready');
  return { peer, client };
}

describe('GOAWAY from the server', () => {
  it('closes streams above its last stream id as unprocessed and lets those below finish', async () => {
    const { peer, client } = await serverPeer();
    const logs = [new StreamLog(), new StreamLog(), new StreamLog()];
    const streams = logs.map((log, i) => client.session.request(request(`/${i}`), true, log)!);
    await until(() => peer.blocks.length === 3, 'three requests at the peer');
    expect(peer.blocks.map((b) => b.streamId)).toEqual([1, 3, 5]);
    expect(client.session.capacity).toBeGreaterThan(0);

    peer.send(goawayFrame(3, ErrorCode.NO_ERROR, 'going'));
    await until(() => client.log.goaways.length === 1, 'the GOAWAY');
    expect(client.log.goaways[0]).toEqual({ lastStreamId: 3, code: ErrorCode.NO_ERROR });
    expect(streams[2]!.unprocessed).toBe(true);
    expect(logs[2]!.closeCode).toBe(ErrorCode.REFUSED_STREAM);
    expect(streams[0]!.closed || streams[1]!.closed).toBe(false);
    expect(streams[0]!.unprocessed || streams[1]!.unprocessed).toBe(false);
    expect(client.session.capacity).toBe(0);
    expect(client.session.request(request('/late'), true, new StreamLog())).toBeUndefined();

    peer.headers(1, [':status', '200'], true);
    peer.headers(3, [':status', '204'], true);
    await until(() => client.log.closed !== undefined, 'the session to end once both finished');
    expect(logs[0]!.heads).toEqual([[':status', '200']]);
    expect(logs[1]!.heads).toEqual([[':status', '204']]);
    expect(logs.map((log) => log.closeCode)).toEqual([
      ErrorCode.NO_ERROR,
      ErrorCode.NO_ERROR,
      ErrorCode.REFUSED_STREAM,
    ]);
    expect(client.log.closed?.code).toBe(ErrorCode.NO_ERROR);
    // No request left after the GOAWAY.
    expect(peer.blocks).toHaveLength(3);
  });

  it('ends every stream above 0 on a GOAWAY that processed none, and keeps the error code', async () => {
    const { peer, client } = await serverPeer();
    const log = new StreamLog();
    const stream = client.session.request(request('/'), false, log)!;
    await until(() => peer.blocks.length === 1, 'the request at the peer');
    peer.send(goawayFrame(0, ErrorCode.INTERNAL_ERROR));
    await until(() => client.log.closed !== undefined, 'the session to end');
    expect(stream.unprocessed).toBe(true);
    expect(log.closeCode).toBe(ErrorCode.REFUSED_STREAM);
    expect(client.log.closed?.code).toBe(ErrorCode.INTERNAL_ERROR);
  });
});

describe('GOAWAY from our server', () => {
  it.each([
    ['bodies and trailers', true],
    ['bodies', false],
  ])(
    'discards the frames of streams opened after it (%s), and finishes the ones before',
    async (_, trailers) => {
      const { peer, server } = await rawClient();
      peer.settings();
      peer.headers(1, request('/kept'), false);
      await peer.barrier();
      const kept = server.log.arrivals[0]!;
      server.session.close();
      // Requests the client sent before it read the GOAWAY: ignored, not errors (§6.8).
      for (let id = 3; id < 3 + 2 * 150; id += 2) {
        peer.headers(id, request('/late'), false);
        peer.data(id, Buffer.from('late body'), !trailers);
        if (trailers) peer.headers(id, ['x-trailer', 'late'], true);
      }
      peer.data(1, Buffer.from('kept body'), true);
      await peer.barrier();
      expect(server.log.abuses).toEqual([]);
      expect(server.log.arrivals).toHaveLength(1);
      expect(peer.seen(FrameType.GOAWAY)).toHaveLength(1);
      expect(peer.seen(FrameType.GOAWAY)[0]!.payload.readUInt32BE(0)).toBe(1);

      kept.stream.resume();
      expect(kept.log.body.toString()).toBe('kept body');
      kept.stream.sendHeaders([':status', '200'], false);
      kept.stream.sendData(Buffer.from('answer'), true);
      await until(() => peer.ended && server.log.closed !== undefined, 'the connection to end');
      expect(kept.log.closeCode).toBe(ErrorCode.NO_ERROR);
      expect(server.log.closed?.code).toBe(ErrorCode.NO_ERROR);
      expect(peer.blocks.map((b) => b.streamId)).toEqual([1]);
      expect(peer.seen(FrameType.DATA, 1).at(-1)?.payload.toString()).toBe('answer');
      expect(peer.seen(FrameType.RST_STREAM)).toEqual([]);
    },
  );
});

describe('RST_STREAM', () => {
  it('closes the stream with resetByPeer and the code the peer sent, unknown codes included', async () => {
    const { peer, client } = await serverPeer();
    const log = new StreamLog();
    const stream = client.session.request(request('/'), false, log)!;
    await until(() => peer.blocks.length === 1, 'the request at the peer');
    peer.send(rstStreamFrame(1, 0x1234));
    await until(() => log.closeCode !== undefined, 'the reset');
    expect(log.closeCode).toBe(0x1234);
    expect(stream.resetByPeer).toBe(true);
    expect(client.session.streams.size).toBe(0);
    // DATA after its own RST_STREAM is the peer's error on that stream only (§5.1): RST_STREAM STREAM_CLOSED.
    peer.data(1, Buffer.from('late'), true);
    await peer.barrier();
    expect(peer.seen(FrameType.RST_STREAM, 1).map((f) => f.payload.readUInt32BE(0))).toEqual([
      ErrorCode.STREAM_CLOSED,
    ]);
    expect(peer.seen(FrameType.GOAWAY)).toEqual([]);
    expect(client.session.destroyed).toBe(false);
  });

  it('reset() sends RST_STREAM with its code and drops what was queued', async () => {
    const { peer, client } = await serverPeer();
    const log = new StreamLog();
    const stream = client.session.request(request('/'), false, log)!;
    // Queued behind the 64 KiB window, then reset: the rest never leaves.
    stream.sendData(pattern(200_000), true);
    stream.reset(ErrorCode.CANCEL);
    expect(log.closeCode).toBe(ErrorCode.CANCEL);
    expect(stream.resetByPeer).toBe(false);
    await peer.barrier();
    const resets = peer.seen(FrameType.RST_STREAM, 1);
    expect(resets).toHaveLength(1);
    expect(resets[0]!.payload.readUInt32BE(0)).toBe(ErrorCode.CANCEL);
    expect(peer.dataBytes(1)).toBeLessThanOrEqual(65_535);
    peer.send(windowUpdateFrame(0, 1 << 20), windowUpdateFrame(1, 1 << 20));
    await peer.barrier();
    expect(peer.dataBytes(1)).toBeLessThanOrEqual(65_535);
  });
});

describe('header blocks on the wire', () => {
  it('writes a header list over 16 KiB as HEADERS then CONTINUATION frames', async () => {
    const { peer, client } = await serverPeer();
    const fields = request('/big', ['x-large', 'g'.repeat(40_000)]);
    client.session.request(fields, true, new StreamLog());
    await until(() => peer.blocks.length === 1, 'the request at the peer');
    const frames = peer.frames.filter(
      (f) => f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION,
    );
    expect(frames.map((f) => f.type)).toEqual([
      FrameType.HEADERS,
      FrameType.CONTINUATION,
      FrameType.CONTINUATION,
    ]);
    expect(frames[0]!.flags).toBe(Flag.END_STREAM);
    expect(frames[1]!.flags).toBe(0);
    expect(frames[2]!.flags).toBe(Flag.END_HEADERS);
    expect(frames.every((f) => f.payload.length <= 16_384 && f.streamId === 1)).toBe(true);
    expect(peer.blocks[0]).toEqual({ streamId: 1, fields, endStream: true });
  });

  it('reads a header block split into many CONTINUATION frames, as response and trailers', async () => {
    const { peer, client } = await serverPeer();
    const log = new StreamLog();
    client.session.request(request('/'), true, log);
    await until(() => peer.blocks.length === 1, 'the request at the peer');
    const head = [':status', '200', 'x-one', 'h'.repeat(5_000)];
    const tail = ['x-two', 'i'.repeat(3_000)];
    peer.headers(1, head, false, 100);
    peer.data(1, Buffer.from('body'), false);
    peer.headers(1, tail, true, 1);
    await until(() => log.closeCode !== undefined, 'the response');
    expect(log.heads).toEqual([head, tail]);
    expect(log.body.toString()).toBe('body');
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it("keeps its HPACK table within the peer's SETTINGS_HEADER_TABLE_SIZE, down to none", async () => {
    const { peer, server } = await rawClient();
    peer.settings([SettingId.HEADER_TABLE_SIZE, 0]);
    const head = [':status', '200', 'content-type', 'application/grpc', 'x-repeated', 'same'];
    const blocks: Buffer[] = [];
    for (const id of [1, 3]) {
      peer.headers(id, request('/'), true);
      await peer.barrier();
      server.log.arrivals.at(-1)!.stream.sendHeaders(head, true);
      await until(() => peer.blocks.length === blocks.length + 1, 'the response');
      blocks.push(peer.seen(FrameType.HEADERS, id)[0]!.payload);
    }
    // A decoder with no table reads both: a size update to 0 first, then nothing indexed or referred to.
    expect(blocks[0]![0]).toBe(0x20);
    const noTable = new HpackDecoder(0);
    expect(blocks.map((block) => noTable.decode(block, 1 << 20))).toEqual([head, head]);
  });

  it('ends the session when another frame interrupts a header block', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    peer.send(frame(FrameType.HEADERS, 0, 1, Buffer.from([0x82])), pingFrame(Buffer.alloc(8), false));
    await until(() => server.log.closed !== undefined && peer.ended, 'the session to end');
    expect(server.log.closed?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(peer.seen(FrameType.GOAWAY).at(-1)?.payload.readUInt32BE(4)).toBe(ErrorCode.PROTOCOL_ERROR);
  });
});

describe('PING', () => {
  it('gives done(false) when the connection dies before the answer', async () => {
    const { peer, client } = await serverPeer();
    const answer = ping(client.session);
    // The peer reads the PING, does not answer it, and goes away.
    await until(() => peer.seen(FrameType.PING).length === 1, 'the PING at the peer');
    peer.socket.destroy();
    expect(await answer).toBe(false);
    expect(client.log.closed).toBeDefined();
  });

  it('ignores an acknowledgement it did not ask for', async () => {
    const { peer, client } = await serverPeer();
    peer.send(pingFrame(Buffer.from('stranger'), true));
    await peer.barrier();
    expect(client.session.destroyed).toBe(false);
    expect(peer.seen(FrameType.GOAWAY)).toEqual([]);
  });
});

describe('a peer that does not read', () => {
  it('ends the session with ENHANCE_YOUR_CALM on a flood of PINGs (ANSWERS_PER_READ)', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    await peer.barrier();
    peer.socket.pause();
    const pings: Buffer[] = [];
    for (let i = 0; i < 5_000; i++) pings.push(pingFrame(Buffer.alloc(8, i & 0xff), false));
    peer.send(...pings);
    await until(() => server.log.abuses.length > 0, 'the flood to be seen');
    expect(server.log.abuses).toEqual([{ kind: 'flood', reason: 'a flood of frames to acknowledge' }]);
    await until(() => server.log.closed !== undefined, 'the session to end');
    expect(server.log.closed?.code).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    // What it queued before the flood was seen, then the GOAWAY, then the end: nothing after.
    peer.socket.resume();
    await until(() => peer.ended, 'the end of the connection');
    // The barrier's PING is the peer's own ("peer" in its last bytes); the rest answer the flood.
    const acks = peer
      .seen(FrameType.PING)
      .filter((f) => f.flags === Flag.ACK && f.payload.toString('latin1', 4) !== 'peer');
    expect(acks.length).toBeLessThanOrEqual(1_000);
    const last = peer.frames.at(-1)!;
    expect(last.type).toBe(FrameType.GOAWAY);
    expect(last.payload.readUInt32BE(4)).toBe(ErrorCode.ENHANCE_YOUR_CALM);
  });

  it('is congested while we write to it, and bounds the answers it queues (UNREAD_ANSWERS)', async () => {
    const { peer, server } = await rawClient();
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, MAX_WINDOW]);
    peer.send(windowUpdateFrame(0, MAX_WINDOW - 65_535));
    peer.headers(1, request('/download'), true);
    await until(() => server.log.arrivals.length === 1, 'the request');
    await peer.barrier();
    peer.socket.pause();
    const { stream, log } = server.log.arrivals[0]!;
    stream.sendHeaders([':status', '200'], false);
    expect(stream.sendData(pattern(32 * 1024 * 1024), false)).toBe(false);
    expect(server.session.congested).toBe(true);
    // 700 PINGs in one read are within the per-read limit; a new stream after them marks that they were read.
    const pings = (n: number): Buffer[] =>
      Array.from({ length: n }, (_, i) => pingFrame(Buffer.alloc(8, i), false));
    peer.send(...pings(700));
    peer.headers(3, request('/marker'), true);
    await until(() => server.log.arrivals.length === 2, 'the marker stream');
    expect(server.log.abuses).toEqual([]);
    expect(server.session.congested).toBe(true);
    // 700 more in later reads, still unread by the peer: past 1,000 queued answers, a flood.
    peer.send(...pings(700));
    await until(() => server.log.abuses.length > 0, 'the flood to be seen');
    expect(server.log.abuses).toEqual([{ kind: 'flood', reason: 'a flood of frames to acknowledge' }]);
    await until(() => log.closeCode !== undefined, 'the stream to end');
    expect(log.closeCode).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(log.drains).toBe(0);
  }, 20_000);

  it('ends the session on a flood of frames that carry nothing', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    const chaff: Buffer[] = [];
    const priority = Buffer.from([0, 0, 0, 0, 16]);
    for (let i = 0; i < 12_000; i++) chaff.push(frame(FrameType.PRIORITY, 0, 1 + 2 * (i % 100), priority));
    peer.send(...chaff);
    await until(() => server.log.closed !== undefined && peer.ended, 'the session to end');
    expect(server.log.abuses).toEqual([{ kind: 'flood', reason: 'a flood of frames that carry nothing' }]);
    expect(peer.seen(FrameType.GOAWAY).at(-1)?.payload.readUInt32BE(4)).toBe(ErrorCode.ENHANCE_YOUR_CALM);
  });
});

describe('a peer that reads while we write a lot', () => {
  it('answers PINGs from a peer that reads a large body behind a large window (as gRPC clients probe)', async () => {
    const { peer, server } = await rawClient();
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, MAX_WINDOW]);
    peer.send(windowUpdateFrame(0, MAX_WINDOW - 65_535));
    peer.headers(1, request('/download'), true);
    await until(() => server.log.arrivals.length === 1, 'the request');
    const { stream, log } = server.log.arrivals[0]!;
    const body = pattern(32 * 1024 * 1024, 16);
    stream.sendHeaders([':status', '200'], false);
    stream.sendData(body, true);
    // One PING at a time, each sent once the previous one is answered, while the body arrives.
    let sent = 0;
    let answered = 0;
    const probe = (): void => {
      const acks = peer.seen(FrameType.PING).filter((f) => f.flags === Flag.ACK).length;
      if (acks > answered) answered = acks;
      if (sent === answered && sent < 20 && peer.dataBytes(1) > 0) {
        sent++;
        peer.send(pingFrame(Buffer.alloc(8, sent), false));
      }
    };
    peer.socket.on('data', probe);
    await until(
      () => log.closeCode !== undefined || server.log.closed !== undefined,
      'the body to be sent',
      20_000,
    );
    await until(() => peer.dataBytes(1) === body.length || peer.ended, 'the body at the peer', 20_000);
    expect(server.log.abuses).toEqual([]);
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(peer.dataBytes(1)).toBe(body.length);
    expect(sent).toBeGreaterThan(0);
  }, 30_000);
});
