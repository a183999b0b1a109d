import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from './helpers.js';
import { conformanceBalancer } from './http2Conformance.js';
import {
  block,
  data,
  Flag,
  FrameType,
  frame,
  getFields,
  headers,
  priority,
  RawH2,
  windowUpdate,
} from './http2Frames.js';
import { h2Request, h2Session } from './http2Helpers.js';

/**
 * Floods of frames that are each valid, or cheap to send and costly to keep (CVE-2019-9513, -9517, -9518,
 * CVE-2024-27983): each may end the attacker's connection or be absorbed at a bounded cost, and a client on
 * another connection keeps being served throughout.
 */

let port = 0;
beforeAll(async () => {
  port = (await conformanceBalancer()).port;
});
afterAll(cleanup);

async function stillServed(): Promise<void> {
  const good = await h2Session(`http://127.0.0.1:${port}`);
  const replies = await Promise.all(
    Array.from({ length: 5 }, (_, i) => h2Request(good, { ':method': 'GET', ':path': `/good/${i}` })),
  );
  for (const reply of replies) expect(reply.status).toBe(200);
  good.close();
}

/** Waits for the socket to drain (`true`), or to close or stall for 5 s (`false`); an EPIPE is a close. */
function drained(client: RawH2): Promise<boolean> {
  const socket = client.socket;
  return new Promise((resolve) => {
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(result);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), 5000);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/**
 * Writes `unit` up to `times` times, honouring backpressure; stops early once the server closed the connection or
 * stopped reading for 5 s (TCP holds the rest: the server pays nothing for it). Resolves with the bytes written.
 */
async function flood(client: RawH2, unit: Buffer, times: number): Promise<number> {
  const batch = Buffer.concat(
    Array.from({ length: Math.max(1, Math.floor(65_536 / unit.length)) }, () => unit),
  );
  const perBatch = batch.length / unit.length;
  let written = 0;
  for (let sent = 0; sent < times && !client.closed && !client.socket.destroyed; sent += perBatch) {
    written += batch.length;
    if (client.socket.write(batch)) continue;
    if (!(await drained(client))) break;
  }
  return written;
}

/** The attacker's connection either ended with an error, or is still served. */
async function endedOrAlive(client: RawH2): Promise<void> {
  const state = client.closed ? 'closed' : await client.alive();
  expect(state === 'PING ACK' || state === 'closed' || state.startsWith('GOAWAY '), state).toBe(true);
}

describe('HTTP/2 floods end only the attacker', () => {
  it('closes an endless field block (CONTINUATION without END_HEADERS) before it grows unbounded', async () => {
    const client = await RawH2.handshake(port);
    client.write(frame(FrameType.HEADERS, Flag.END_STREAM, 1, block(getFields('/flood'))));
    let n = 0;
    const fields = () =>
      block(Array.from({ length: 16 }, () => [`x-flood-${n++}`, 'v'.repeat(1000)] as [string, string]));
    const cap = 64 * 1024 * 1024;
    let written = 0;
    while (written < cap && !client.closed && !client.socket.destroyed) {
      const before = written;
      written += await flood(client, frame(FrameType.CONTINUATION, 0, 1, fields()), 64);
      if (written - before < 64 * 16_000) break;
    }
    const outcome = await client.outcome();
    expect(outcome === 'closed' || outcome.startsWith('GOAWAY '), outcome).toBe(true);
    expect(written).toBeLessThan(cap);
    expect(client.frames.some((f) => f.type === FrameType.HEADERS && f.stream === 1)).toBe(false);
    await stillServed();
  });

  it('closes a field block that never ends, sent as a flood of empty CONTINUATION frames', async () => {
    const client = await RawH2.handshake(port);
    client.write(frame(FrameType.HEADERS, Flag.END_STREAM, 1, block(getFields('/empty-continuation'))));
    await flood(client, frame(FrameType.CONTINUATION, 0, 1), 200_000);
    const outcome = await client.outcome();
    expect(outcome === 'closed' || outcome.startsWith('GOAWAY '), outcome).toBe(true);
    await stillServed();
  });

  it('ends or absorbs a flood of empty DATA frames', async () => {
    const client = await RawH2.handshake(port);
    const fields = getFields('/hold/empty-data');
    fields[0] = [':method', 'POST'];
    client.write(headers(1, block(fields), false));
    await flood(client, data(1, '', false), 200_000);
    await endedOrAlive(client);
    await stillServed();
  });

  it('ends or absorbs a flood of WINDOW_UPDATE frames', async () => {
    const client = await RawH2.handshake(port);
    client.write(headers(1, block(getFields('/hold/window'))));
    await flood(client, Buffer.concat([windowUpdate(0, 1), windowUpdate(1, 1)]), 100_000);
    await endedOrAlive(client);
    await stillServed();
  });

  it('ends or absorbs a flood of PRIORITY frames on idle streams', async () => {
    const client = await RawH2.handshake(port);
    const unit = Buffer.concat(
      Array.from({ length: 64 }, (_, i) => priority(2 * i + 101, 2 * ((i + 1) % 64) + 101, i)),
    );
    await flood(client, unit, 4000);
    await endedOrAlive(client);
    await stillServed();
  });
});
