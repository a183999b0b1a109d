import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLIENT_PREFACE,
  ErrorCode,
  Flag,
  FrameType,
  SettingId,
} from '../src/protocol/http2/frames/frameKinds.js';
import { rstStreamFrame, settingsFrame } from '../src/protocol/http2/frames/frameWriter.js';
import { encodeFieldBlock } from '../src/protocol/http2/hpack/hpackEncoder.js';
import {
  cleanup,
  frame,
  ourPair,
  ourServer,
  rawClient,
  request,
  StreamLog,
  until,
} from './http2SessionKit.js';

// The server side's first bytes and its limits on streams, fed through `receive` (the bytes a listener read
// before it handed the socket over) where a test needs them in one read, whatever TCP does.

afterEach(cleanup);

const opening = Buffer.concat([
  CLIENT_PREFACE,
  settingsFrame([SettingId.ENABLE_PUSH, 0], false),
  frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, encodeFieldBlock(request('/split'))),
]);

describe('the connection preface and first frames', () => {
  it('are read whatever byte they are split at', async () => {
    const { port, sessions } = await ourServer();
    for (let cut = 0; cut <= opening.length; cut++) {
      const socket = connect(port, '127.0.0.1');
      await until(() => sessions.length === cut + 1, `connection ${cut}`);
      const server = sessions[cut]!;
      server.session.receive(opening.subarray(0, cut));
      server.session.receive(opening.subarray(cut));
      if (!server.log.ready || server.log.arrivals.length !== 1) expect.fail(`split at ${cut}: not read`);
      expect(server.log.arrivals[0]!.fields, `split at ${cut}`).toEqual(request('/split'));
      expect(server.log.arrivals[0]!.endStream).toBe(true);
      socket.destroy();
    }
  });

  it('end the connection with PROTOCOL_ERROR on a wrong preface, at its first wrong byte', async () => {
    const { port, sessions } = await ourServer();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await until(() => sessions.length === 1, 'the connection');
    const server = sessions[0]!;
    server.session.receive(CLIENT_PREFACE.subarray(0, 10));
    expect(server.session.destroyed).toBe(false);
    server.session.receive(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(server.session.destroyed).toBe(true);
    await until(() => server.log.closed !== undefined, 'the close');
    expect(server.log.closed?.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(server.log.closed?.reason).toBe('invalid connection preface');
  });

  it('end the connection when the first frame is not SETTINGS', async () => {
    const { peer, server } = await rawClient();
    peer.send(frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    await until(() => server.log.closed !== undefined && peer.ended, 'the close');
    expect(server.log.ready).toBe(false);
    expect(peer.seen(FrameType.GOAWAY)[0]?.payload.readUInt32BE(4)).toBe(ErrorCode.PROTOCOL_ERROR);
  });
});

describe('stream limits at the server', () => {
  it('gives the owner a stream opened and reset in one read already closed (rapid reset)', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    await peer.barrier();
    const burst: Buffer[] = [];
    for (let id = 1; id <= 9; id += 2) {
      burst.push(frame(FrameType.HEADERS, Flag.END_HEADERS, id, encodeFieldBlock(request(`/${id}`))));
      burst.push(rstStreamFrame(id, ErrorCode.CANCEL));
    }
    server.session.receive(Buffer.concat(burst));
    expect(server.log.arrivals).toHaveLength(5);
    expect(server.log.arrivals.every((a) => a.stream.closed && a.stream.resetByPeer)).toBe(true);
    expect(server.log.arrivals.map((a) => a.stream.closeCode)).toEqual(Array(5).fill(ErrorCode.CANCEL));
    expect(server.session.streams.size).toBe(0);
    // Nothing the owner does with such a stream reaches the wire.
    for (const { stream } of server.log.arrivals) stream.sendHeaders([':status', '200'], true);
    await peer.barrier();
    expect(peer.blocks).toEqual([]);
  });

  it('refuses streams past MAX_CONCURRENT_STREAMS, and the client sees its capacity', async () => {
    const { client, server } = await ourPair({ maxConcurrentStreams: 2 });
    expect(client.session.capacity).toBe(2);
    const logs = [new StreamLog(), new StreamLog(), new StreamLog()];
    client.session.request(request('/0'), false, logs[0]!);
    client.session.request(request('/1'), false, logs[1]!);
    expect(client.session.capacity).toBe(0);
    // An owner that ignores capacity: the server resets the extra stream, which the client had acknowledged.
    const extra = client.session.request(request('/2'), false, logs[2]!)!;
    await until(() => logs[2]!.closeCode !== undefined, 'the refusal');
    expect(extra.resetByPeer).toBe(true);
    expect(logs[2]!.closeCode).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(server.log.arrivals.map((a) => a.stream.id)).toEqual([1, 3]);
    // The two within the limit go on.
    for (const { stream } of server.log.arrivals) stream.sendHeaders([':status', '200'], true);
    await until(() => logs[0]!.ended && logs[1]!.ended, 'both responses');
    expect(client.session.destroyed).toBe(false);
  });

  it('refuses with REFUSED_STREAM a client that has not acknowledged the limit yet', async () => {
    const { peer, server } = await rawClient({ maxConcurrentStreams: 1 });
    // No SETTINGS acknowledgement (this peer never sends one): the client may not know the limit.
    peer.settings();
    peer.headers(1, request('/1'), false);
    peer.headers(3, request('/3'), false);
    await peer.barrier();
    const resets = peer.seen(FrameType.RST_STREAM, 3);
    expect(resets).toHaveLength(1);
    expect(resets[0]!.payload.readUInt32BE(0)).toBe(ErrorCode.REFUSED_STREAM);
    expect(server.log.arrivals.map((a) => a.stream.id)).toEqual([1]);
    expect(server.log.abuses).toEqual([]);
  });

  it('ends the session once too many streams broke the protocol', async () => {
    const { peer, server } = await rawClient();
    peer.settings();
    await peer.barrier();
    // Streams that depend on themselves (§5.3.1): each a stream error.
    const bad: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      const id = 1 + 2 * i;
      const priority = Buffer.alloc(5);
      priority.writeUInt32BE(id, 0);
      const payload = Buffer.concat([priority, encodeFieldBlock(request('/'))]);
      bad.push(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PRIORITY, id, payload));
    }
    peer.send(...bad);
    await until(() => server.log.closed !== undefined && peer.ended, 'the session to end');
    expect(server.log.abuses).toEqual([{ kind: 'malformed', reason: 'too many streams broke the protocol' }]);
    expect(peer.seen(FrameType.GOAWAY).at(-1)?.payload.readUInt32BE(4)).toBe(ErrorCode.ENHANCE_YOUR_CALM);
    expect(server.log.arrivals).toEqual([]);
  });
});
