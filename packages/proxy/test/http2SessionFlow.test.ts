import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  Flag,
  FrameType,
  MAX_WINDOW,
  SettingId,
} from '../src/protocol/http2/frames/frameKinds.js';
import { windowUpdateFrame } from '../src/protocol/http2/frames/frameWriter.js';
import {
  cleanup,
  frame,
  pattern,
  rawClient,
  rawServer,
  request,
  StreamLog,
  until,
} from './http2SessionKit.js';

/** The window each stream a client opens starts with: the session's SETTINGS_INITIAL_WINDOW_SIZE. */
const SERVER_WINDOW = 131_072;

// Flow control of our session against a peer written by hand, which decides every window and SETTINGS change
// and sees every frame we send. A PING round trip (`barrier`) marks the point where our session has handled
// everything the peer sent before it, so "nothing more was sent" is checked without waiting for time to pass.

afterEach(cleanup);

/** A hand-written server that sent its SETTINGS (`entries`) and `connectionCredit` more connection window. */
async function serverPeer(entries: number[] = [], connectionCredit = 0) {
  const { peer, client } = await rawServer();
  peer.settings(entries);
  if (connectionCredit > 0) peer.send(windowUpdateFrame(0, connectionCredit));
  await until(() => client.log.ready, 'our client to be ready');
  return { peer, client };
}

describe('Http2Session flow control, sending', () => {
  it('applies INITIAL_WINDOW_SIZE changes (down, to 0, up) to open streams', async () => {
    const { peer, client } = await serverPeer([], 10 * 1024 * 1024);
    const body = pattern(300_000, 11);
    const log = new StreamLog();
    const stream = client.session.request(request('/up'), false, log)!;
    expect(stream.sendData(body, true)).toBe(false);
    await peer.barrier();
    expect(peer.dataBytes(1)).toBe(65_535);
    expect(stream.sendWindow).toBe(0);

    // To 0: the open stream's window goes negative by what it had been given (§6.9.2).
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, 0]);
    await peer.barrier();
    expect(stream.sendWindow).toBe(-65_535);
    const other = new StreamLog();
    const second = client.session.request(request('/second'), false, other)!;
    expect(second.sendData(Buffer.alloc(1_000, 1), true)).toBe(false);
    // A credit that only brings it back to 0 sends nothing.
    peer.send(windowUpdateFrame(1, 65_535));
    await peer.barrier();
    expect(stream.sendWindow).toBe(0);
    expect(peer.dataBytes(1)).toBe(65_535);
    expect(peer.dataBytes(3)).toBe(0);

    // Up: both open streams may send.
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, 100_000]);
    await peer.barrier();
    expect(peer.dataBytes(1)).toBe(165_535);
    expect(peer.dataBytes(3)).toBe(1_000);
    expect(peer.seen(FrameType.DATA, 3).at(-1)?.flags).toBe(Flag.END_STREAM);

    // Down again, below what was used: negative, then a credit that leaves 10,000.
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, 50_000]);
    await peer.barrier();
    expect(stream.sendWindow).toBe(-50_000);
    peer.send(windowUpdateFrame(1, 60_000));
    await peer.barrier();
    expect(peer.dataBytes(1)).toBe(175_535);
    expect(log.drains).toBe(0);

    // Up past what is left: the rest goes, with END_STREAM on its last frame, and onDrain comes once.
    peer.settings([SettingId.INITIAL_WINDOW_SIZE, 1 << 20]);
    await peer.barrier();
    expect(peer.dataBytes(1)).toBe(body.length);
    const frames = peer.seen(FrameType.DATA, 1);
    expect(frames.at(-1)?.flags).toBe(Flag.END_STREAM);
    expect(frames.slice(0, -1).every((f) => f.flags === 0 && f.payload.length <= 16_384)).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.payload)).equals(body)).toBe(true);
    await until(() => log.drains === 1, 'onDrain');
    expect(peer.seen(FrameType.SETTINGS).filter((f) => f.flags === Flag.ACK)).toHaveLength(5);
  });

  it('sends trailers after the body queued behind the window, by sendTrailers or sendHeaders', async () => {
    const { peer, client } = await serverPeer([], 1 << 20);
    const body = pattern(100_000, 18);
    const streams = [1, 2].map(() => client.session.request(request('/trailers'), false, new StreamLog())!);
    for (const stream of streams) expect(stream.sendData(body, false)).toBe(false);
    streams[0]!.sendTrailers(['x-by', 'sendTrailers']);
    // sendHeaders documents trailers with endStream as well.
    streams[1]!.sendHeaders(['x-by', 'sendHeaders'], true);
    await peer.barrier();
    for (const stream of streams) {
      expect(peer.blocks.filter((b) => b.streamId === stream.id)).toHaveLength(1);
      peer.send(windowUpdateFrame(stream.id, 1 << 20));
    }
    await peer.barrier();
    for (const stream of streams) {
      const onStream = peer.frames.filter(
        (f) => f.streamId === stream.id && (f.type === FrameType.DATA || f.type === FrameType.HEADERS),
      );
      expect(onStream.map((f) => f.type).slice(-2)).toEqual([FrameType.DATA, FrameType.HEADERS]);
      expect(onStream.at(-1)!.flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
      expect(peer.dataBytes(stream.id)).toBe(body.length);
    }
    expect(peer.blocks.map((b) => b.fields?.[1])).toEqual(['POST', 'POST', 'sendTrailers', 'sendHeaders']);
  });

  it('holds DATA behind the connection window as well as the stream one', async () => {
    // Large stream windows, the default 64 KiB for the connection.
    const { peer, client } = await serverPeer([SettingId.INITIAL_WINDOW_SIZE, 1 << 20]);
    const logs = [new StreamLog(), new StreamLog()];
    const streams = logs.map((log, i) => client.session.request(request(`/${i}`), false, log)!);
    // The first fits the connection window; the second gets what is left of it and waits.
    expect(streams.map((stream) => stream.sendData(pattern(50_000), true))).toEqual([true, false]);
    await peer.barrier();
    expect(peer.dataBytes(1) + peer.dataBytes(3)).toBe(65_535);
    peer.send(windowUpdateFrame(0, 34_465));
    await peer.barrier();
    expect(peer.dataBytes(1) + peer.dataBytes(3)).toBe(100_000);
    await until(() => logs[1]!.drains === 1, 'onDrain on the second');
    expect(logs[0]!.drains).toBe(0);
  });

  it('returns false from sendData while the socket is full, and gives onDrain once it drains', async () => {
    const { peer, client } = await serverPeer(
      [SettingId.INITIAL_WINDOW_SIZE, MAX_WINDOW],
      MAX_WINDOW - 65_535,
    );
    await peer.barrier();
    // The peer stops reading: what we write stays in our socket.
    peer.socket.pause();
    const log = new StreamLog();
    const stream = client.session.request(request('/'), false, log)!;
    const body = pattern(32 * 1024 * 1024, 12);
    expect(stream.sendData(body, false)).toBe(false);
    // The windows took it all: it waits for the socket, not for a window.
    expect(stream.outboundBytes).toBe(0);
    expect(client.session.congested).toBe(true);
    // More while congested is refused the same way, and still owes only one onDrain.
    expect(stream.sendData(Buffer.from('more'), false)).toBe(false);
    peer.socket.resume();
    await until(() => log.drains > 0, 'onDrain', 20_000);
    expect(log.drains).toBe(1);
    expect(client.session.congested).toBe(false);
    await until(() => peer.dataBytes(1) === body.length + 4, 'every byte at the peer', 20_000);
    const frames = peer.seen(FrameType.DATA, 1);
    expect(
      Buffer.concat(frames.map((f) => f.payload)).equals(Buffer.concat([body, Buffer.from('more')])),
    ).toBe(true);
    expect(stream.sendData(Buffer.from('after'), true)).toBe(true);
  }, 30_000);

  it('keeps no more than the peer window in the socket when the peer does not read', async () => {
    const { peer, client } = await serverPeer();
    await peer.barrier();
    peer.socket.pause();
    const log = new StreamLog();
    const stream = client.session.request(request('/'), false, log)!;
    expect(stream.sendData(pattern(8 * 1024 * 1024), true)).toBe(false);
    // The caller's buffer waits in the stream; the session wrote only what the 64 KiB window allows.
    expect(stream.outboundBytes).toBe(8 * 1024 * 1024 - 65_535);
  });
});

describe('Http2Session flow control, receiving', () => {
  it('holds DATA and trailers of a paused stream in order and delivers them on resume', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    const body = pattern(49_152, 13);
    peer.headers(1, request('/held'), false);
    for (let at = 0; at < body.length; at += 16_384) peer.data(1, body.subarray(at, at + 16_384), false);
    peer.headers(1, ['x-trailer', 'last'], true);
    await peer.barrier();
    const arrival = server.log.arrivals[0]!;
    expect(arrival.fields).toEqual(request('/held'));
    // A server stream starts paused: nothing delivered, everything held, in order.
    expect(arrival.log.order).toEqual([]);
    expect(arrival.stream.heldBytes).toBe(body.length);

    // Paused again from inside onData: the rest stays held, trailers included.
    arrival.log.onChunk = () => {
      if (arrival.log.chunks.length === 2) arrival.stream.pause();
    };
    arrival.stream.resume();
    expect(arrival.log.order).toEqual(['data', 'data']);
    expect(arrival.stream.heldBytes).toBe(16_384);
    arrival.stream.resume();
    expect(arrival.log.order).toEqual(['data', 'data', 'data', 'trailers']);
    expect(arrival.log.body.equals(body)).toBe(true);
    expect(arrival.log.heads).toEqual([['x-trailer', 'last']]);
    // The request is whole and was all delivered: it answers and the stream closes.
    arrival.stream.sendHeaders([':status', '200'], true);
    await until(() => arrival.log.closeCode !== undefined, 'the stream to close');
    expect(arrival.log.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it('does not close a stream whose end is still held while paused', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    peer.headers(1, request('/'), false);
    peer.data(1, Buffer.from('tail'), true);
    await peer.barrier();
    const arrival = server.log.arrivals[0]!;
    arrival.stream.sendHeaders([':status', '200'], true);
    await peer.barrier();
    // Both sides ended, but the owner has not read the end yet.
    expect(arrival.stream.closed).toBe(false);
    arrival.stream.resume();
    expect(arrival.log.order).toEqual(['data', 'end', 'close']);
    expect(arrival.log.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it('sends WINDOW_UPDATE as the owner consumes, not as DATA arrives', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    peer.headers(1, request('/window'), false);
    // The window a server stream starts with (our SETTINGS_INITIAL_WINDOW_SIZE).
    const first = pattern(SERVER_WINDOW, 14);
    for (let at = 0; at < first.length; at += 16_384) peer.data(1, first.subarray(at, at + 16_384), false);
    await peer.barrier();
    const arrival = server.log.arrivals[0]!;
    expect(arrival.stream.heldBytes).toBe(SERVER_WINDOW);
    expect(peer.seen(FrameType.WINDOW_UPDATE, 1)).toEqual([]);

    arrival.stream.resume();
    await peer.barrier();
    const credited = (): number =>
      peer.seen(FrameType.WINDOW_UPDATE, 1).reduce((sum, f) => sum + f.payload.readUInt32BE(0), 0);
    expect(credited()).toBeGreaterThanOrEqual(SERVER_WINDOW / 2);
    expect(credited()).toBeLessThanOrEqual(SERVER_WINDOW);

    // The peer may send exactly what it was credited; the stream takes it without a flow-control error.
    const more = pattern(credited(), 15);
    for (let at = 0; at < more.length; at += 16_384) peer.data(1, more.subarray(at, at + 16_384), false);
    await peer.barrier();
    expect(peer.seen(FrameType.RST_STREAM)).toEqual([]);
    expect(arrival.log.bytes).toBe(first.length + more.length);
    expect(arrival.log.body.equals(Buffer.concat([first, more]))).toBe(true);
    // What it consumed since was credited again, up to all of it.
    expect(credited()).toBeGreaterThan(more.length);
    expect(credited()).toBeLessThanOrEqual(first.length + more.length);
  });

  it('delivers padded DATA without its padding and counts the padding against the window', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    peer.headers(1, request('/padded'), false);
    await peer.barrier();
    const arrival = server.log.arrivals[0]!;
    arrival.stream.resume();
    // Frames of 16,384 bytes on the wire: 1 for the pad length, 16,128 of data, 255 of padding.
    const frames: Buffer[] = [];
    const data = pattern(16_128, 17);
    for (let i = 0; i < 5; i++) {
      const payload = Buffer.concat([Buffer.from([255]), data, Buffer.alloc(255)]);
      frames.push(frame(FrameType.DATA, Flag.PADDED, 1, payload));
    }
    peer.send(...frames);
    await peer.barrier();
    expect(arrival.log.body.equals(Buffer.concat([data, data, data, data, data]))).toBe(true);
    const credited = peer
      .seen(FrameType.WINDOW_UPDATE, 1)
      .reduce((sum, f) => sum + f.payload.readUInt32BE(0), 0);
    // Credited by what the frames took, padding included (four frames, 65,536 bytes, crossed half the window).
    expect(credited).toBe(SERVER_WINDOW / 2);
    peer.send(frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, Buffer.from([3, 0x61, 0, 0, 0])));
    await peer.barrier();
    expect(arrival.log.body.subarray(5 * 16_128).toString()).toBe('a');
    expect(arrival.log.ended).toBe(true);
  });

  it('resets a stream whose peer sends past its window (FLOW_CONTROL_ERROR)', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    peer.headers(1, request('/'), false);
    // The stream reaches its owner before the DATA that breaks it.
    await peer.barrier();
    const arrival = server.log.arrivals[0]!;
    // 9 × 16,384 bytes: past the stream's window.
    for (let i = 0; i < 9; i++) peer.data(1, Buffer.alloc(16_384), false);
    await peer.barrier();
    const resets = peer.seen(FrameType.RST_STREAM, 1);
    expect(resets).toHaveLength(1);
    expect(resets[0]!.payload.readUInt32BE(0)).toBe(ErrorCode.FLOW_CONTROL_ERROR);
    expect(arrival.log.closeCode).toBe(ErrorCode.FLOW_CONTROL_ERROR);
    expect(server.session.destroyed).toBe(false);
  });
});
