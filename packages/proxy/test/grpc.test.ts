import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { Writable } from 'node:stream';
import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer } from '../src/index.js';
import {
  type EchoClient,
  type EchoReply,
  type EchoServer,
  echoClient,
  grpc,
  startEchoServer,
  unary,
} from './grpcHelpers.js';
import { cleanup, onCleanup, startBalancer, until } from './helpers.js';

afterEach(cleanup);

async function fourServers(): Promise<EchoServer[]> {
  return Promise.all(['a', 'b', 'c', 'd'].map((id) => startEchoServer(id)));
}

function soon(ms = 10_000): { deadline: number } {
  return { deadline: Date.now() + ms };
}

/** Runs `total` unary calls, `concurrency` at a time, over `clients` in turn; returns the replies and errors. */
async function load(
  clients: EchoClient[],
  total: number,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<{ backends: Map<string, number>; errors: grpc.ServiceError[]; byChannel: Array<Set<string>> }> {
  const backends = new Map<string, number>();
  const byChannel = clients.map(() => new Set<string>());
  const errors: grpc.ServiceError[] = [];
  let started = 0;
  let done = 0;
  const worker = async (w: number): Promise<void> => {
    const channel = w % clients.length;
    while (started < total) {
      started++;
      const { reply, error } = await unary(clients[channel]!, { text: `call-${started}` }, soon());
      if (error) errors.push(error);
      else {
        backends.set(reply!.backend, (backends.get(reply!.backend) ?? 0) + 1);
        byChannel[channel]!.add(reply!.backend);
      }
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { backends, errors, byChannel };
}

describe('gRPC through the balancer (h2c both sides)', () => {
  it('relays unary and the three streaming kinds, with trailers and statuses end to end', async () => {
    const servers = await fourServers();
    const { port } = await startBalancer(
      servers.map((s) => s.backend),
      { http2: true },
    );
    const client = echoClient(port);

    const one = await unary(client, { text: 'hé ✓' }, soon());
    expect(one.reply?.text).toBe('hé ✓');

    const server = client.ServerStream({ text: 's', count: 50 }, soon());
    const streamed: EchoReply[] = [];
    server.on('data', (r: EchoReply) => streamed.push(r));
    const status = await new Promise<grpc.StatusObject>((resolve) => server.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(streamed.map((r) => r.text)).toEqual(Array.from({ length: 50 }, (_, i) => `s-${i + 1}`));

    const summed = await new Promise<EchoReply | undefined>((resolve, reject) => {
      const call = client.ClientStream(soon(), (err, reply) => (err ? reject(err) : resolve(reply)));
      for (const text of ['x', 'y', 'z']) call.write({ text });
      call.end();
    });
    expect(summed?.text).toBe('x,y,z');

    const bidi = client.Bidi(soon());
    const echoed: string[] = [];
    for (let i = 0; i < 20; i++) {
      bidi.write({ text: `m${i}` });
      const [reply] = (await once(bidi, 'data')) as [EchoReply];
      echoed.push(reply.text);
    }
    bidi.end();
    const bidiStatus = await new Promise<grpc.StatusObject>((resolve) => bidi.on('status', resolve));
    expect(bidiStatus.code).toBe(grpc.status.OK);
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it('relays a backend error status and its percent-encoded message in the trailers', async () => {
    const server = await startEchoServer('a');
    const { port } = await startBalancer([server.backend], { http2: true });
    const { error } = await unary(echoClient(port), { text: 'x' }, { deadline: Date.now() + 10_000 });
    expect(error).toBeUndefined();
    const raw = await rawCall(port, '/lbtest.Echo/Nope');
    expect(raw.headers['grpc-status'] ?? raw.trailers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
  });

  it('balances per call: 4 channels × 16 concurrent streams give each backend 25 ± 3% of calls', async () => {
    const servers = await fourServers();
    const { port } = await startBalancer(
      servers.map((s) => s.backend),
      { http2: true, strategy: 'roundRobin' },
    );
    const clients = [1, 2, 3, 4].map((c) => echoClient(port, c));
    const total = 640;
    const { backends, errors } = await load(clients, total, 64);
    expect(errors).toEqual([]);
    for (const id of ['a', 'b', 'c', 'd']) {
      const share = (backends.get(id) ?? 0) / total;
      expect(share).toBeGreaterThanOrEqual(0.22);
      expect(share).toBeLessThanOrEqual(0.28);
    }
  }, 60_000);

  it('in TCP mode the same channels each stay on one backend', async () => {
    const servers = await fourServers();
    const lb = new TcpLoadBalancer(
      { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1' },
      servers.map((s) => ({ ...s.backend, protocol: undefined })),
    );
    await lb.start();
    onCleanup(() => lb.stop({ timeout: 100 }));
    const clients = [1, 2, 3, 4].map((c) => echoClient(lb.address!.port, c));
    const { errors, byChannel } = await load(clients, 400, 64);
    expect(errors).toEqual([]);
    for (const seen of byChannel) expect(seen.size).toBe(1);
  }, 60_000);

  it('enforces grpc-timeout: the backend stream is cancelled and the client gets DEADLINE_EXCEEDED', async () => {
    const server = await startEchoServer('slow');
    const { port } = await startBalancer([server.backend], { http2: true });
    const cancelled = new Promise<void>((resolve) => server.onCancel.push(resolve));
    // A raw client that never cancels on its own: only the balancer can end the call at its deadline.
    const raw = await rawCall(
      port,
      '/lbtest.Echo/Slow',
      { 'grpc-timeout': '300m' },
      encodeEcho('late', 60_000),
    );
    expect(raw.headers[':status']).toBe(200);
    expect(raw.headers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    expect(raw.headers['content-type']).toBe('application/grpc');
    await cancelled;
    // The time left went to the backend, never more than the client's 300 ms.
    expect(server.deadlinesLeftMs[0]).toBeLessThanOrEqual(300);
    expect(server.deadlinesLeftMs[0]).toBeGreaterThan(0);
  });

  it('leaves a malformed or over-long grpc-timeout to the backend and ends a zero one at once', async () => {
    const server = await startEchoServer('a');
    const { port } = await startBalancer([server.backend], { http2: true });
    // Not deadlines for the balancer (the spec allows 1 to 8 digits and a unit): each call reaches the backend,
    // which answers for itself (grpc-js refuses some with INTERNAL), never with the balancer's DEADLINE_EXCEEDED.
    const values = ['soon', '-1S', '1x', '123456789S', '99999999H'];
    for (const timeout of values) {
      const raw = await rawCall(port, '/lbtest.Echo/Unary', { 'grpc-timeout': timeout });
      expect(raw.headers['grpc-status'] ?? raw.trailers['grpc-status']).not.toBe(
        String(grpc.status.DEADLINE_EXCEEDED),
      );
    }
    const zero = await rawCall(port, '/lbtest.Echo/Slow', { 'grpc-timeout': '0n' }, encodeEcho('x', 60_000));
    expect(zero.headers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
  });

  it('a deadline after the response began ends the call with DEADLINE_EXCEEDED in the trailers', async () => {
    const server = await startEchoServer('a');
    const { port } = await startBalancer([server.backend], { http2: true });
    const cancelled = new Promise<void>((resolve) => server.onCancel.push(resolve));
    const session = h2connect(`http://127.0.0.1:${port}`);
    onCleanup(() => session.destroy());
    const stream = session.request({
      ':method': 'POST',
      ':path': '/lbtest.Echo/Bidi',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '400m',
    });
    // One message, and the request stays open: the backend echoes it and waits for more.
    stream.write(encodeEcho('first', 0));
    const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
    expect(headers[':status']).toBe(200);
    const [chunk] = (await once(stream, 'data')) as [Buffer];
    expect(chunk.includes(Buffer.from('first'))).toBe(true);
    const [trailers] = (await once(stream, 'trailers')) as [Record<string, unknown>];
    expect(trailers['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    await cancelled;
  });

  it('a grpc-js deadline ends as DEADLINE_EXCEEDED and the backend sees the cancellation', async () => {
    const server = await startEchoServer('slow');
    const { port } = await startBalancer([server.backend], { http2: true });
    const cancelled = new Promise<void>((resolve) => server.onCancel.push(resolve));
    const { error } = await new Promise<{ error?: grpc.ServiceError }>((resolve) =>
      echoClient(port).Slow({ text: 'x', delayMs: 60_000 }, { deadline: Date.now() + 300 }, (err) =>
        resolve({ error: err ?? undefined }),
      ),
    );
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await cancelled;
  });

  it('a client cancel cancels the backend stream', async () => {
    const server = await startEchoServer('slow');
    const { port } = await startBalancer([server.backend], { http2: true });
    const cancelled = new Promise<void>((resolve) => server.onCancel.push(resolve));
    const client = echoClient(port);
    const call = client.Slow({ text: 'x', delayMs: 60_000 }, soon(), () => {});
    await until(() => server.calls === 1);
    call.cancel();
    await cancelled;
    expect(server.cancelled).toBe(1);
  });

  it('no backend: UNAVAILABLE with a readable message, never a text page', async () => {
    const { port } = await startBalancer([], { http2: true });
    const { error } = await unary(echoClient(port), { text: 'x' }, soon());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('No healthy backend is available');
  });

  it('maps an HTTP/1.1 backend’s 502 HTML page to UNAVAILABLE', async () => {
    const html = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>bad gateway</body></html>');
    });
    html.listen(0, '127.0.0.1');
    await once(html, 'listening');
    onCleanup(() => html.close());
    const address = html.address() as { port: number };
    const backend: Backend = { id: 'html', host: '127.0.0.1', port: address.port };
    const { port } = await startBalancer([backend], { http2: true });
    const { error } = await unary(echoClient(port), { text: 'x' }, soon());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('the backend answered HTTP 502 (text/html), not gRPC');
  });

  it('a server stream to a client that does not read is held back by flow control, then delivered whole', async () => {
    const server = await startEchoServer('a');
    const { port } = await startBalancer([server.backend], { http2: true });
    const total = 20_000;
    const blocked = new Promise<number>((resolve) => server.onBlocked.push(resolve));
    const call = echoClient(port).ServerStream({ text: 'x'.repeat(1000), count: total }, soon(30_000));
    call.on('error', () => {});
    call.pause();
    const sentWhenBlocked = await blocked;
    // ~20 MB asked for; the backend had to stop long before, so nothing buffered it all on the way.
    expect(sentWhenBlocked).toBeLessThan(total / 2);
    let received = 0;
    call.on('data', () => received++);
    call.resume();
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(received).toBe(total);
  }, 60_000);
});

describe('gRPC retries', () => {
  it('retries a backend’s trailers-only UNAVAILABLE on another backend', async () => {
    const unavailable = await startEchoServer('down', { failWith: grpc.status.UNAVAILABLE });
    const good = await startEchoServer('good');
    const { port, strategy } = await startBalancer([unavailable.backend, good.backend], { http2: true });
    const { reply, error } = await unary(echoClient(port), { text: 'again' }, soon());
    expect(error).toBeUndefined();
    expect(reply).toEqual({ text: 'again', backend: 'good' });
    expect(strategy.picks).toEqual(['down', 'good']);
  });

  it('relays any other status as is, without a retry', async () => {
    const failing = await startEchoServer('bad', { failWith: grpc.status.INTERNAL });
    const good = await startEchoServer('good');
    const { port, strategy } = await startBalancer([failing.backend, good.backend], { http2: true });
    const { error } = await unary(echoClient(port), { text: 'x' }, soon());
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).toBe('bad fails on purpose');
    expect(strategy.picks).toEqual(['bad']);
    expect(good.calls).toBe(0);
  });

  it('retries a client stream whose body is kept, not one past the 64 KiB kept', async () => {
    const unavailable = await startEchoServer('down', { failWith: grpc.status.UNAVAILABLE });
    const good = await startEchoServer('good');
    const { port, strategy } = await startBalancer([unavailable.backend, good.backend], { http2: true });
    const client = echoClient(port);
    const stream = (texts: string[]) =>
      new Promise<{ reply?: EchoReply; error?: grpc.ServiceError }>((resolve) => {
        const call = client.ClientStream(soon(), (error, reply) => resolve(error ? { error } : { reply }));
        for (const text of texts) call.write({ text });
        call.end();
      });
    const small = await stream(['a', 'b']);
    expect(small.reply).toEqual({ text: 'a,b', backend: 'good' });
    const big = await stream(Array.from({ length: 10 }, () => 'x'.repeat(10_000)));
    expect(big.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(big.error?.details).toBe('down fails on purpose');
    expect(strategy.picks).toEqual(['down', 'good', 'down']);
  });
});

describe('gRPC in the access log and metrics', () => {
  it('logs each call’s grpc-status and counts calls by status name', async () => {
    const server = await startEchoServer('a');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((l) => l !== ''),
        );
        done();
      },
    });
    const { port, lb } = await startBalancer([server.backend], {
      http2: true,
      accessLog: { format: 'json', stream },
    });
    const client = echoClient(port);
    expect((await unary(client, { text: 'ok' }, soon())).error).toBeUndefined();
    const missing = await rawCall(port, '/lbtest.Echo/Nope');
    expect(missing.headers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
    await until(() => lines.length === 2);
    const statuses = lines.map((l) => (JSON.parse(l) as { grpcStatus?: number; status: number }).grpcStatus);
    expect(statuses.sort()).toEqual([grpc.status.OK, grpc.status.UNIMPLEMENTED]);
    const text = lb.metrics();
    expect(text).toContain('lb_grpc_calls_total{grpc_status="OK"} 1');
    expect(text).toContain('lb_grpc_calls_total{grpc_status="UNIMPLEMENTED"} 1');
  });
});

describe('gRPC when backends go away under load', () => {
  it('a backend killed under load: 0 failed calls', async () => {
    const servers = await fourServers();
    const { port } = await startBalancer(
      servers.map((s) => s.backend),
      { http2: true },
    );
    const clients = [1, 2].map((c) => echoClient(port, c));
    let killed = false;
    const { errors, backends } = await load(clients, 1200, 32, (done) => {
      if (done === 300 && !killed) {
        killed = true;
        servers[0]!.server.forceShutdown();
      }
    });
    expect(killed).toBe(true);
    expect(errors.map((e) => `${e.code} ${e.details}`)).toEqual([]);
    expect([...backends.values()].reduce((a, b) => a + b, 0)).toBe(1200);
  }, 60_000);

  it('a backend sending GOAWAY under load: 0 failed calls', async () => {
    const servers = await fourServers();
    const { port } = await startBalancer(
      servers.map((s) => s.backend),
      { http2: true },
    );
    const clients = [1, 2].map((c) => echoClient(port, c));
    let drained = false;
    const { errors } = await load(clients, 1200, 32, (done) => {
      if (done === 300 && !drained) {
        drained = true;
        // Graceful: GOAWAY to every session, in-flight calls finish, the port stops listening.
        servers[1]!.server.tryShutdown(() => {});
      }
    });
    expect(drained).toBe(true);
    expect(errors.map((e) => `${e.code} ${e.details}`)).toEqual([]);
  }, 60_000);
});

/** A gRPC message (5-byte prefix) of an EchoRequest `{ text, delay_ms }`, encoded by hand (protobuf wire format). */
function encodeEcho(text: string, delayMs: number): Buffer {
  const t = Buffer.from(text, 'utf8');
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  const body = Buffer.from([0x0a, ...varint(t.length), ...t, 0x10, ...varint(delayMs)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** One gRPC call over a bare HTTP/2 session (no client-side deadline): the response head and trailers. */
async function rawCall(
  port: number,
  path: string,
  extra: Record<string, string> = {},
  body: Buffer = encodeEcho('x', 0),
): Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown> }> {
  const session = h2connect(`http://127.0.0.1:${port}`);
  onCleanup(() => session.destroy());
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...extra,
  });
  stream.end(body);
  const [headers] = (await once(stream, 'response')) as [Record<string, unknown>];
  let trailers: Record<string, unknown> = {};
  stream.on('trailers', (t: Record<string, unknown>) => {
    trailers = t;
  });
  stream.resume();
  await once(stream, 'close');
  return { headers, trailers };
}
