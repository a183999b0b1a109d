import { fork } from 'node:child_process';
import { once } from 'node:events';
import { constants, type ServerHttp2Stream } from 'node:http2';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { REPLAY_LIMIT } from '../src/upstream/http2Exchange.js';
import { cleanup, onCleanup, type Reply, send, startBalancer, until } from './helpers.js';
import { echoStream, startHttp2Backend } from './http2Helpers.js';

afterEach(cleanup);

/** `count` requests at once, each on its own client connection, every third a POST with a body. */
function load(port: number, count: number): Promise<Reply[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      i % 3 === 0
        ? send(port, { method: 'POST', path: `/${i}`, body: 'x'.repeat(1000 + i) })
        : send(port, { path: `/${i}` }),
    ),
  );
}

describe('the HTTP/2 pool under load', () => {
  it('opens another session when every stream of the first is taken, and all requests succeed', async () => {
    const held: ServerHttp2Stream[] = [];
    const h2 = await startHttp2Backend(
      'a',
      (stream) => {
        stream.resume();
        held.push(stream);
        // Answers only once all six are in: with two streams per session that takes three sessions.
        if (held.length === 6) {
          for (const s of held) {
            s.respond({ ':status': 200 });
            s.end('ok');
          }
        }
      },
      { settings: { maxConcurrentStreams: 2 } },
    );
    const { lb, port } = await startBalancer([h2.backend]);
    const replies = await Promise.all(Array.from({ length: 6 }, () => send(port)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(h2.sessions.length).toBeGreaterThanOrEqual(3);
    expect(lb.stats().pools[0]!.opened).toBe(h2.sessions.length);
  });

  it('replays what a graceful GOAWAY left unprocessed: 0 failed requests', async () => {
    let streams = 0;
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      streams++;
      // The server closes its session gracefully (GOAWAY with the last stream it took) mid-load.
      if (streams === 40) stream.session?.close();
      echoStream(stream, headers);
    });
    const { port } = await startBalancer([h2.backend], { retries: false });
    const replies = await load(port, 150);
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    replies.forEach((r, i) => {
      expect(r.body).toMatch(new RegExp(`^${i % 3 === 0 ? 'POST' : 'GET'} /${i} `));
      if (i % 3 === 0) expect(r.body.endsWith(` ${1000 + i}`)).toBe(true);
    });
    expect(h2.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('replays streams above a low GOAWAY last-stream-id, bodies included: 0 failed requests', async () => {
    let streams = 0;
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      streams++;
      // Says only stream 1 will be processed, with dozens in flight: everything above it must go out again.
      if (streams === 30) {
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 1);
        return;
      }
      echoStream(stream, headers);
    });
    const { port } = await startBalancer([h2.backend], { retries: false });
    const replies = await load(port, 120);
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    replies.forEach((r, i) => {
      if (i % 3 === 0) expect(r.body.endsWith(` ${1000 + i}`)).toBe(true);
    });
    expect(h2.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('replays a refused stream with its body, and fails cleanly once the body is over what is kept', async () => {
    const refused = new Set<string>();
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      const path = headers[':path']!;
      // The first try of every path is refused unprocessed, as a server at its stream limit does.
      if (!refused.has(path)) {
        refused.add(path);
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      echoStream(stream, headers);
    });
    const { lb, port } = await startBalancer([h2.backend], { retries: false });
    const errors: string[] = [];
    lb.on('proxyError', (err) => errors.push(err.message));
    const small = await send(port, { method: 'POST', path: '/small', body: 'y'.repeat(REPLAY_LIMIT) });
    expect(small.status).toBe(200);
    expect(small.body).toBe(`POST /small 127.0.0.1:${port} ${REPLAY_LIMIT}`);
    const big = await send(port, { method: 'POST', path: '/big', body: 'y'.repeat(REPLAY_LIMIT + 1) });
    expect(big.status).toBe(502);
    expect(errors).toEqual([expect.stringMatching(/did not process the stream.*over the 65536 bytes kept/)]);
  });

  it('a backend killed under load: the retry rules decide, every request ends', async () => {
    const child = fork(fileURLToPath(new URL('./fixtures/http2BackendChild.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    onCleanup(() => child.kill('SIGKILL'));
    const [{ port: doomedPort }] = (await once(child, 'message')) as [{ port: number }];
    const survivor = await startHttp2Backend('b');
    const doomed: Backend = { id: 'a', host: '127.0.0.1', port: doomedPort, protocol: 'h2c' };
    const { lb, port } = await startBalancer([doomed, survivor.backend]);
    const failures: string[] = [];
    lb.on('proxyError', (err) => failures.push(err.code));
    // A request body that never ends holds its stream open on the doomed backend until it dies.
    const stuck = new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /stuck HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
      });
      let text = '';
      socket.on('data', (c) => {
        text += c;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => {});
    });
    const running = load(port, 60);
    // The strategy alternates: wait until the doomed backend holds streams, then kill it.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        const pool = lb.stats().pools.find((p) => p.id === 'a');
        if (pool !== undefined && pool.active > 0) resolve();
        else setImmediate(check);
      };
      check();
    });
    child.kill('SIGKILL');
    const replies = await running;
    const statuses = new Set(replies.map((r) => r.status));
    expect([...statuses].every((s) => s === 200 || s === 502)).toBe(true);
    // GETs without a body lost with their connection are retried on the survivor.
    replies.forEach((r, i) => {
      if (i % 3 !== 0) expect(r.status).toBe(200);
    });
    expect(await stuck).toMatch(/^HTTP\/1\.1 502/);
    expect(failures.every((c) => c === 'LB_ERR_UPSTREAM_RESET' || c === 'LB_ERR_UPSTREAM_CONNECT')).toBe(
      true,
    );
  });

  it('relays HTTP/2 response trailers to an HTTP/1.1 chunked client', async () => {
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-checksum': 'abc' }));
      stream.end('body');
    });
    const { port } = await startBalancer([h2.backend]);
    const reply = await send(port, { headers: { te: 'trailers' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.body).toBe('body');
    expect(reply.trailers).toMatchObject({ 'grpc-status': '0', 'x-checksum': 'abc' });
  });

  it('sends a chunked request body with its trailers to an h2 backend as HTTP/2 trailers', async () => {
    let seen: Record<string, unknown> = {};
    let body = '';
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.on('data', (c) => {
        body += c;
      });
      stream.on('trailers', (t) => {
        seen = t;
      });
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end('done');
      });
    });
    const { port } = await startBalancer([h2.backend]);
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
            '3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n',
        ),
      );
      let out = '';
      socket.on('data', (c) => {
        out += c;
      });
      socket.on('close', () => resolve(out));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(body).toBe('abcde');
    expect(seen['x-sum']).toBe('5');
  });

  it('a backend that stops reading holds the client back: the upload is not buffered without bound', async () => {
    const MiB = 1024 * 1024;
    const total = 64 * MiB;
    let received = 0;
    let backendStream: ServerHttp2Stream | undefined;
    const h2 = await startHttp2Backend('a', (stream) => {
      backendStream = stream;
      // Reads nothing until told to: its flow-control window fills and stays full.
      stream.pause();
      stream.on('data', (c: Buffer) => {
        received += c.length;
      });
      stream.on('end', () => {
        const body = String(received);
        stream.respond({ ':status': 200, 'content-length': String(body.length) });
        stream.end(body);
      });
    });
    const { port } = await startBalancer([h2.backend]);
    const piece = Buffer.alloc(256 * 1024, 0x63);
    let sent = 0;
    let blocked = false;
    let lastProgress = Date.now();
    let reply = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', (c) => {
      reply += c;
    });
    const pump = (): void => {
      blocked = false;
      lastProgress = Date.now();
      while (sent < total) {
        sent += piece.length;
        if (!socket.write(piece)) {
          blocked = true;
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
    pump();
    await until(
      () => sent >= total || (backendStream !== undefined && blocked && Date.now() - lastProgress > 300),
      20_000,
    );
    const sentWhenStuck = sent;
    await until(() => backendStream !== undefined, 20_000);
    backendStream!.resume();
    await until(() => /\r\n\r\n\d+$/.test(reply), 20_000);
    socket.destroy();
    expect(sentWhenStuck).toBeLessThan(24 * MiB);
    expect(received).toBe(total);
    expect(reply).toMatch(new RegExp(`^HTTP/1\\.1 200[^]*\\r\\n\\r\\n${total}$`));
  }, 30_000);

  it('a client that stops reading holds the backend back: the balancer buffers a bounded amount', async () => {
    const MiB = 1024 * 1024;
    const total = 64 * MiB;
    const piece = Buffer.alloc(256 * 1024, 0x62);
    let accepted = 0;
    let blocked = false;
    let lastProgress = Date.now();
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-length': String(total) });
      const pump = (): void => {
        blocked = false;
        lastProgress = Date.now();
        while (accepted < total) {
          const ok = stream.write(piece);
          accepted += piece.length;
          if (!ok) {
            blocked = true;
            stream.once('drain', pump);
            return;
          }
        }
        stream.end();
      };
      pump();
    });
    const { port } = await startBalancer([h2.backend]);
    let read = 0;
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause();
    // Until the backend has written it all (buffered without bound) or has been stuck for a while. A slow
    // machine can only make the stall show sooner, never make a bounded balancer look unbounded.
    await until(() => accepted >= total || (blocked && Date.now() - lastProgress > 300), 20_000);
    const aheadWhenStuck = accepted;
    const all = new Promise<void>((resolve) => {
      socket.on('data', (c: Buffer) => {
        read += c.length;
        if (read >= total) resolve();
      });
    });
    socket.resume();
    await all;
    socket.destroy();
    // The h2 stream window, both sockets' buffers and a chunk or two: far below the 64 MiB body.
    expect(aheadWhenStuck).toBeLessThan(24 * MiB);
    expect(read).toBeGreaterThanOrEqual(total);
  }, 30_000);
});
