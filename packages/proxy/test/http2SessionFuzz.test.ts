import { connect } from 'node:net';
import { mulberry32 } from '@lb/strategies';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_PREFACE, FrameType } from '../src/protocol/http2/frames/frameKinds.js';
import { settingsFrame } from '../src/protocol/http2/frames/frameWriter.js';
import { encodeFieldBlock } from '../src/protocol/http2/hpack/hpackEncoder.js';
import { cleanup, frame, ourServer, rawServer, request, until } from './http2SessionKit.js';

// Hostile bytes: seeded random frames (every type, random flags, stream ids, lengths and payloads, some with valid
// field blocks) fed to both roles. Whatever arrives, a session may only end its connection: nothing may throw.

afterEach(cleanup);

/** Twenty frames chosen by `seed`. */
function hostileFrames(seed: number): Buffer {
  const next = mulberry32(seed);
  const pick = (n: number): number => Math.floor(next() * n);
  const frames: Buffer[] = [];
  for (let i = 0; i < 20; i++) {
    const type = pick(12);
    const flags = pick(4) === 0 ? pick(256) : [0, 1, 4, 5, 8, 0x20, 0x25][pick(7)]!;
    const streamId = pick(5) === 0 ? pick(0x7fffffff) : pick(8);
    let payload: Buffer;
    if ((type === FrameType.HEADERS || type === FrameType.CONTINUATION) && pick(2) === 0) {
      payload = encodeFieldBlock(request(`/${seed}`, ['x-i', String(i)]));
      if (pick(3) === 0) payload = payload.subarray(0, pick(payload.length));
    } else {
      const length = [0, 4, 5, 6, 8, pick(64), pick(3000)][pick(7)]!;
      payload = Buffer.alloc(length);
      for (let j = 0; j < length; j++) payload[j] = pick(256);
    }
    frames.push(frame(type, flags, streamId, payload));
  }
  return Buffer.concat(frames);
}

describe('Http2Session fed hostile frames', () => {
  it('a server session only ends its connection, whatever the frames and however they are cut', async () => {
    const { port, sessions } = await ourServer();
    let ended = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await until(() => sessions.length === seed, `connection ${seed}`);
      const { session, log } = sessions[seed - 1]!;
      const bytes = Buffer.concat([CLIENT_PREFACE, settingsFrame([], false), hostileFrames(seed)]);
      const cut = Math.floor(mulberry32(seed * 7)() * bytes.length);
      for (const piece of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        try {
          session.receive(piece);
        } catch (err) {
          expect.fail(`seed ${seed} threw: ${String(err)}`);
        }
      }
      // Streams that arrived are answered and reset like an owner would, which must not throw either.
      for (const { stream } of log.arrivals) {
        stream.resume();
        stream.sendHeaders([':status', '200'], false);
        stream.sendData(Buffer.from('x'), false);
        stream.reset();
      }
      if (session.destroyed) ended++;
      socket.destroy();
    }
    // Most random sequences break the protocol somewhere; some are harmless.
    expect(ended).toBeGreaterThan(100);
  });

  it('a client session only ends its connection, whatever the server sends', async () => {
    let ended = 0;
    for (let seed = 1_001; seed <= 1_100; seed++) {
      const { peer, client } = await rawServer();
      client.session.request(request('/'), false, {
        onHeaders: () => {},
        onData: () => {},
        onDrain: () => {},
        onClose: () => {},
      });
      try {
        client.session.receive(Buffer.concat([settingsFrame([], false), hostileFrames(seed)]));
      } catch (err) {
        expect.fail(`seed ${seed} threw: ${String(err)}`);
      }
      if (client.session.destroyed) ended++;
      peer.socket.destroy();
    }
    expect(ended).toBeGreaterThan(50);
  });
});
