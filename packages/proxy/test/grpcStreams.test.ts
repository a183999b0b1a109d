import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoReply, type EchoRequest, echoClient, grpc, startEchoServer, unary } from './grpcHelpers.js';
import { cleanup, onCleanup, startBalancer } from './helpers.js';
import { makeTestPki } from './tlsFixtures.js';

afterEach(cleanup);

const MiB = 1024 ** 2;
const soon = (ms = 30_000) => ({ deadline: Date.now() + ms });
/** grpc-js refuses messages over 4 MiB unless told otherwise, on both ends. */
const unlimited = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };

/** Text that differs everywhere, so a byte lost, doubled or reordered on the way shows. */
function text(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

describe('gRPC streams through the balancer', () => {
  it('over the TLS listener (ALPN h2, a CA the test made) to h2c backends', async () => {
    const server = await startEchoServer('tls-1');
    const { server: cert, ca } = makeTestPki();
    const { port } = await startBalancer([server.backend], { http2: true, tls: cert });
    const client = echoClient(port, 0, {
      target: `localhost:${port}`,
      credentials: grpc.credentials.createSsl(Buffer.from(ca)),
    });
    expect((await unary(client, { text: 'sealed' }, soon())).reply).toEqual({
      text: 'sealed',
      backend: 'tls-1',
    });
    const stream = client.ServerStream({ text: 's', count: 100 }, soon());
    const texts: string[] = [];
    stream.on('data', (r: EchoReply) => texts.push(r.text));
    const [status] = (await once(stream, 'status')) as [grpc.StatusObject];
    expect(status.code).toBe(grpc.status.OK);
    expect(texts).toEqual(Array.from({ length: 100 }, (_, i) => `s-${i + 1}`));

    // A client that does not trust the CA never gets a call through.
    const stranger = echoClient(port, 1, {
      target: `localhost:${port}`,
      credentials: grpc.credentials.createSsl(Buffer.from(makeTestPki().otherCa)),
    });
    const refused = await unary(stranger, { text: 'x' }, soon(5_000));
    expect(refused.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(server.calls).toBe(2);
  }, 30_000);

  it('relays 8 MiB messages both ways, unary and bidi, byte for byte', async () => {
    const server = await startEchoServer('big', { serverOptions: unlimited });
    const { port } = await startBalancer([server.backend], { http2: true });
    const client = echoClient(port, 0, { channelOptions: unlimited });
    const big = text(8 * MiB);
    const { reply, error } = await unary(client, { text: big }, soon());
    expect(error).toBeUndefined();
    expect(reply?.text.length).toBe(big.length);
    expect(reply?.text === big).toBe(true);

    const bidi = client.Bidi(soon());
    const sent = [text(8 * MiB), text(8 * MiB), text(1)];
    const received: string[] = [];
    bidi.on('data', (r: EchoReply) => received.push(r.text));
    for (const t of sent) bidi.write({ text: t });
    bidi.end();
    const [status] = (await once(bidi, 'status')) as [grpc.StatusObject];
    expect(status.code).toBe(grpc.status.OK);
    expect(received.length).toBe(3);
    expect(received.every((t, i) => t === sent[i])).toBe(true);
  }, 60_000);

  it('a client stream of 20 000 messages arrives whole and in order', async () => {
    const server = await startEchoServer('sink');
    const { port } = await startBalancer([server.backend], { http2: true });
    const client = echoClient(port);
    const total = 20_000;
    const reply = await new Promise<EchoReply | undefined>((resolve, reject) => {
      const call = client.ClientStream(soon(), (err, r) => (err ? reject(err) : resolve(r)));
      let i = 0;
      // Written as fast as the call's flow control takes them.
      const more = (): void => {
        while (i < total) {
          if (!call.write({ text: String(i++) } satisfies EchoRequest)) {
            call.once('drain', more);
            return;
          }
        }
        call.end();
      };
      more();
    });
    expect(reply?.text).toBe(Array.from({ length: total }, (_, i) => String(i)).join(','));
  }, 60_000);

  it('a bidi stream of 5 000 messages written ahead of the replies, and 8 concurrent ones, echo in order', async () => {
    const server = await startEchoServer('echo');
    const { port } = await startBalancer([server.backend], { http2: true });
    const client = echoClient(port);
    const run = async (name: string, count: number): Promise<string[]> => {
      const bidi = client.Bidi(soon());
      const got: string[] = [];
      bidi.on('data', (r: EchoReply) => got.push(r.text));
      for (let i = 0; i < count; i++) bidi.write({ text: `${name}-${i}` });
      bidi.end();
      const [status] = (await once(bidi, 'status')) as [grpc.StatusObject];
      expect(status.code).toBe(grpc.status.OK);
      return got;
    };
    expect(await run('solo', 5_000)).toEqual(Array.from({ length: 5_000 }, (_, i) => `solo-${i}`));
    const all = await Promise.all(Array.from({ length: 8 }, (_, s) => run(`s${s}`, 500)));
    for (const [s, got] of all.entries()) {
      expect(got).toEqual(Array.from({ length: 500 }, (_, i) => `s${s}-${i}`));
    }
  }, 60_000);
});

/** Sends `message` to the child balancer and resolves with the value of `key` in its answer. */
function ask<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, T>) => {
      if (key in reply) {
        child.off('message', onMessage);
        resolve(reply[key]!);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * A balancer in a child process (so its RSS is its own) in front of the backend on `port`, a client of it, and
 * the child's RSS once a first call has warmed the session: what the memory checks measure from.
 */
async function childBalancer(port: number) {
  const child = fork(
    fileURLToPath(new URL('./fixtures/balancerChild.ts', import.meta.url)),
    [String(port), 'h2c'],
    { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  onCleanup(() => child.kill('SIGKILL'));
  const [hello] = (await once(child, 'message')) as [{ port: number }];
  const client = echoClient(hello.port);
  expect((await unary(client, { text: 'warm' }, soon())).error).toBeUndefined();
  const baseline = await ask<number>(child, 'reset', 'reset');
  return { child, client, baseline };
}

describe('gRPC backpressure', () => {
  it('a server stream of 128 MiB to a client that does not read: the balancer’s memory stays bounded', async () => {
    const server = await startEchoServer('firehose');
    const { child, client, baseline } = await childBalancer(server.backend.port);

    const messageBytes = 64 * 1024;
    const count = 2048;
    const blocked = new Promise<number>((resolve) => server.onBlocked.push(resolve));
    const call = client.ServerStream({ text: 'x'.repeat(messageBytes), count }, soon(60_000));
    call.pause();
    const sentWhenBlocked = await blocked;
    const heldPeak = await ask<number>(child, 'peak', 'peak');
    // What the backend got out before flow control stopped it: windows and buffers on the way, not the stream.
    expect(sentWhenBlocked * messageBytes).toBeLessThan(16 * MiB);
    expect(heldPeak - baseline).toBeLessThan(32 * MiB);

    let received = 0;
    call.on('data', () => received++);
    call.resume();
    const [status] = (await once(call, 'status')) as [grpc.StatusObject];
    expect(status.code).toBe(grpc.status.OK);
    expect(received).toBe(count);
    const peak = await ask<number>(child, 'peak', 'peak');
    expect(peak - baseline).toBeLessThan(32 * MiB);
    console.log(
      `slow reader: backend blocked after ${sentWhenBlocked} × 64 KiB; balancer RSS peak +${((heldPeak - baseline) / MiB).toFixed(1)} MiB while held, +${((peak - baseline) / MiB).toFixed(1)} MiB over 128 MiB relayed`,
    );
    child.send('stop');
    await once(child, 'exit');
  }, 90_000);
  it('a client stream of 128 MiB to a backend that stops reading: the client waits, the balancer’s memory stays bounded', async () => {
    const server = await startEchoServer('sink');
    const { child, client, baseline } = await childBalancer(server.backend.port);

    const messageBytes = 64 * 1024;
    const count = 2048;
    const payload = 'y'.repeat(messageBytes);
    const held = new Promise<() => void>((resolve) => server.onHeld.push(resolve));
    let written = 0;
    // Stalled: the backend holds the stream and the client has waited 500 ms for a window that does not open.
    let isHeld = false;
    let waitingDrain = false;
    let timer: NodeJS.Timeout | undefined;
    let markStalled: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      markStalled = resolve;
    });
    const armStall = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (isHeld && waitingDrain) markStalled();
      }, 500);
    };
    onCleanup(() => clearTimeout(timer));
    const replied = new Promise<EchoReply | undefined>((resolve, reject) => {
      const call = client.ClientStream(soon(60_000), (err, r) => (err ? reject(err) : resolve(r)));
      call.write({ text: 'hold' });
      const more = (): void => {
        while (written < count) {
          written++;
          if (!call.write({ text: payload })) {
            waitingDrain = true;
            armStall();
            call.once('drain', () => {
              waitingDrain = false;
              clearTimeout(timer);
              more();
            });
            return;
          }
        }
        call.end();
      };
      more();
    });
    const resume = await held;
    isHeld = true;
    if (waitingDrain) armStall();
    await stalled;
    const heldPeak = await ask<number>(child, 'peak', 'peak');
    // Flow control stopped the client long before the 128 MiB, and nothing on the way took the rest in.
    expect(written).toBeLessThan(count / 4);
    expect(heldPeak - baseline).toBeLessThan(32 * MiB);
    const writtenWhenStalled = written;
    resume();
    const reply = await replied;
    expect(reply?.text).toBe(`held, then read ${count * messageBytes} bytes`);
    const peak = await ask<number>(child, 'peak', 'peak');
    expect(peak - baseline).toBeLessThan(32 * MiB);
    console.log(
      `slow backend: client stalled after ${writtenWhenStalled} × 64 KiB; balancer RSS peak +${((heldPeak - baseline) / MiB).toFixed(1)} MiB while held, +${((peak - baseline) / MiB).toFixed(1)} MiB over 128 MiB relayed`,
    );
    child.send('stop');
    await once(child, 'exit');
  }, 90_000);
});
