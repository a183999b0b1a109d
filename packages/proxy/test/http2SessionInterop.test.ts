import { once } from 'node:events';
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/protocol/http2/frames/frameKinds.js';
import type { Http2Stream } from '../src/protocol/http2/session/http2Stream.js';
import {
  cleanup,
  field,
  nodeClient,
  nodeServer,
  ourClient,
  ourServer,
  pattern,
  ping,
  request,
  StreamLog,
  until,
  within,
} from './http2SessionKit.js';

// Our session against nghttp2 (inside node:http2), over real loopback connections: our client to a node:http2
// server, and a node:http2 client to our server.

afterEach(cleanup);

/**
 * Sends `body` in `piece`-byte chunks the way a producer should: after `false` it waits for `onDrain` (or for
 * the stream to close: a stream whose last byte left and whose peer had ended closes instead). Ends the stream
 * with the last chunk when `end`. Returns how many times it waited, and how many of the waits `onDrain` ended.
 */
async function sendAll(
  stream: Http2Stream,
  log: StreamLog,
  body: Buffer,
  piece: number,
  end = true,
): Promise<{ waits: number; drained: number }> {
  let waits = 0;
  let drained = 0;
  for (let at = 0; at < body.length; at += piece) {
    const drains = log.drains;
    if (stream.sendData(body.subarray(at, at + piece), end && at + piece >= body.length)) continue;
    waits++;
    await until(
      () => log.drains > drains || log.closeCode !== undefined,
      `onDrain after ${at} bytes`,
      10_000,
    );
    if (log.drains > drains) drained++;
  }
  return { waits, drained };
}

/** A node:http2 server that reads the request (body and trailers), then answers with `body` and trailers. */
function echoServer(
  answer: (stream: ServerHttp2Stream, requestBody: Buffer, trailers: IncomingHttpHeaders | undefined) => void,
) {
  return (stream: ServerHttp2Stream): void => {
    const chunks: Buffer[] = [];
    let trailers: IncomingHttpHeaders | undefined;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('trailers', (fields: IncomingHttpHeaders) => {
      trailers = fields;
    });
    stream.on('end', () => answer(stream, Buffer.concat(chunks), trailers));
  };
}

describe('our client to a node:http2 server', () => {
  it('carries bodies and trailers both ways', async () => {
    const requestBody = pattern(200_000, 3);
    const responseBody = pattern(300_000, 4);
    let seen:
      | { body: Buffer; trailers: IncomingHttpHeaders | undefined; headers: IncomingHttpHeaders }
      | undefined;
    const { port } = await nodeServer((stream, headers) =>
      echoServer((s, body, trailers) => {
        seen = { body, trailers, headers: headers as IncomingHttpHeaders };
        s.respond({ ':status': 200, 'x-length': String(body.length) }, { waitForTrailers: true });
        s.on('wantTrailers', () => s.sendTrailers({ 'x-done': 'yes' }));
        s.end(responseBody);
      })(stream),
    );
    const { session } = await ourClient(port);
    const log = new StreamLog();
    const stream = session.request(request('/upload', ['x-client', 'ours']), false, log)!;
    expect(stream.id).toBe(1);
    await sendAll(stream, log, requestBody, 50_000, false);
    stream.sendTrailers(['x-request-trailer', 'yes']);

    await until(() => log.closeCode !== undefined, 'the response', 10_000);
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(field(log.heads[0], ':status')).toBe('200');
    expect(field(log.heads[0], 'x-length')).toBe(String(requestBody.length));
    expect(log.body.equals(responseBody)).toBe(true);
    expect(log.heads[1]).toEqual(['x-done', 'yes']);
    expect(seen?.body.equals(requestBody)).toBe(true);
    expect(seen?.trailers?.['x-request-trailer']).toBe('yes');
    expect(seen?.headers[':path']).toBe('/upload');
    expect(seen?.headers['x-client']).toBe('ours');
  });

  it('runs 100 concurrent streams with odd increasing ids', async () => {
    const { port } = await nodeServer((stream, headers) =>
      echoServer((s, body) => {
        s.respond({ ':status': 200, 'x-path': String(headers[':path']) });
        s.end(body);
      })(stream),
    );
    const { session } = await ourClient(port);
    const logs: StreamLog[] = [];
    for (let i = 0; i < 100; i++) {
      const log = new StreamLog();
      logs.push(log);
      const stream = session.request(request(`/n/${i}`), false, log)!;
      expect(stream.id).toBe(2 * i + 1);
      stream.sendData(pattern(10 + i * 301, i), true);
    }
    await until(() => logs.every((log) => log.closeCode !== undefined), 'every response', 10_000);
    for (const [i, log] of logs.entries()) {
      expect(field(log.heads[0], 'x-path')).toBe(`/n/${i}`);
      expect(log.body.equals(pattern(10 + i * 301, i))).toBe(true);
    }
  });

  it('sends several MiB through a peer that grants 8 KiB windows, waiting on onDrain', async () => {
    const body = pattern(4 * 1024 * 1024, 5);
    let received: Buffer | undefined;
    const { port } = await nodeServer(
      echoServer((s, requestBody) => {
        received = requestBody;
        s.respond({ ':status': 200 });
        s.end();
      }),
      { initialWindowSize: 8_192 },
    );
    const { session } = await ourClient(port);
    await until(() => session.peer.initialWindowSize === 8_192, 'the small window');
    const log = new StreamLog();
    const stream = session.request(request('/big'), false, log)!;
    const { waits, drained } = await sendAll(stream, log, body, 64 * 1024);
    await until(() => log.closeCode !== undefined, 'the response', 20_000);
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(received?.length).toBe(body.length);
    expect(received?.equals(body)).toBe(true);
    // Writes found the window shut, and every wait but perhaps the last (the stream closed) ended with one onDrain.
    expect(waits).toBeGreaterThan(10);
    expect(drained).toBeGreaterThanOrEqual(waits - 1);
    expect(log.drains).toBe(drained);
  }, 30_000);

  it('receives several MiB into a stream it pauses, holding no more than the window', async () => {
    // Not a multiple of the pause step: every pause has body after it.
    const body = pattern(3 * 1024 * 1024 + 1_000, 6);
    const { port } = await nodeServer((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(body);
    });
    const { session } = await ourClient(port);
    const log = new StreamLog();
    const stream = session.request(request('/download'), true, log)!;
    let pauses = 0;
    log.onChunk = () => {
      // Pause at every 512 KiB boundary the body crosses.
      if (Math.floor(log.bytes / (512 * 1024)) > pauses) {
        pauses++;
        stream.pause();
      }
    };
    let resumed = 0;
    while (!log.ended) {
      await until(() => stream.paused || log.ended, 'a pause or the end', 10_000);
      if (log.ended) break;
      // Once the PING comes back, nghttp2 sent all it could: the stream window bounds what we hold.
      expect(await ping(session)).toBe(true);
      expect(stream.heldBytes).toBeLessThanOrEqual(131_072);
      resumed++;
      stream.resume();
    }
    await until(() => log.closeCode !== undefined, 'the close');
    // Six 512 KiB steps; the last may come with the end of the body.
    expect(resumed).toBeGreaterThanOrEqual(5);
    expect(log.body.equals(body)).toBe(true);
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
  }, 30_000);

  it('takes an early response while its body still waits for the window, and goes on', async () => {
    const { port } = await nodeServer((stream) => {
      stream.respond({ ':status': 413 }, { endStream: true });
    });
    const { session } = await ourClient(port);
    const log = new StreamLog();
    const stream = session.request(request('/'), false, log)!;
    expect(stream.sendData(pattern(1 << 20), true)).toBe(false);
    await until(() => log.closeCode !== undefined, 'the early response');
    expect(field(log.heads[0], ':status')).toBe('413');
    // nghttp2 asks us to stop sending with RST_STREAM NO_ERROR (RFC 9113 §8.1).
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(stream.resetByPeer).toBe(true);
    expect(session.streams.size).toBe(0);
    const next = new StreamLog();
    session.request(request('/next'), true, next);
    await until(() => next.closeCode !== undefined, 'the next response');
    expect(field(next.heads[0], ':status')).toBe('413');
  });

  it('pings: ping(done) gives true', async () => {
    const { port } = await nodeServer(() => {});
    const { session } = await ourClient(port);
    expect(await ping(session)).toBe(true);
  });

  it('closes a stream the server resets with its code, and resets one itself', async () => {
    const closed: number[] = [];
    const { port } = await nodeServer((stream, headers) => {
      stream.on('close', () => {
        closed.push(stream.rstCode);
      });
      if (headers[':path'] === '/refuse') stream.close(constants.NGHTTP2_REFUSED_STREAM);
    });
    const { session } = await ourClient(port);
    const refused = new StreamLog();
    const a = session.request(request('/refuse'), true, refused)!;
    await until(() => refused.closeCode !== undefined, 'the reset');
    expect(refused.closeCode).toBe(ErrorCode.REFUSED_STREAM);
    expect(a.resetByPeer).toBe(true);

    const mine = new StreamLog();
    const b = session.request(request('/wait'), false, mine)!;
    await until(() => closed.length === 1, 'the first close at the server');
    expect(await ping(session)).toBe(true);
    b.reset(ErrorCode.CANCEL);
    expect(mine.closeCode).toBe(ErrorCode.CANCEL);
    await until(() => closed.length === 2, 'our reset at the server');
    expect(closed).toEqual([constants.NGHTTP2_REFUSED_STREAM, constants.NGHTTP2_CANCEL]);
  });

  it('sends and receives header lists over 16 KiB (CONTINUATION)', async () => {
    let got: IncomingHttpHeaders | undefined;
    const { port } = await nodeServer(
      (stream, headers) => {
        got = headers as IncomingHttpHeaders;
        stream.respond({ ':status': 200, 'x-large': 'b'.repeat(50_000) });
        stream.end();
      },
      { maxHeaderListSize: 1 << 20 },
    );
    const { session } = await ourClient(port, { maxHeaderListSize: 1 << 20 });
    const log = new StreamLog();
    session.request(request('/', ['x-large', 'a'.repeat(40_000)]), true, log);
    await until(() => log.closeCode !== undefined, 'the response');
    expect(got?.['x-large']).toBe('a'.repeat(40_000));
    expect(field(log.heads[0], 'x-large')).toBe('b'.repeat(50_000));
  });

  it('finishes its open streams after the server closes gracefully, and takes no new ones', async () => {
    const pending: ServerHttp2Stream[] = [];
    const { port, server } = await nodeServer((stream) => {
      pending.push(stream);
    });
    let serverSession: import('node:http2').ServerHttp2Session | undefined;
    server.on('session', (s) => {
      serverSession = s;
    });
    const client = await ourClient(port);
    const logs = [new StreamLog(), new StreamLog()];
    for (const [i, log] of logs.entries()) client.session.request(request(`/${i}`), true, log);
    await until(() => pending.length === 2, 'both requests');
    serverSession!.close();
    await until(() => client.log.goaways.length > 0, 'the GOAWAY');
    expect(client.log.goaways.at(-1)?.code).toBe(ErrorCode.NO_ERROR);
    expect(client.session.capacity).toBe(0);
    expect(client.session.request(request('/late'), true, new StreamLog())).toBeUndefined();
    for (const stream of pending) {
      stream.respond({ ':status': 200 });
      stream.end(`done ${stream.id}`);
    }
    await until(() => client.log.closed !== undefined, 'the session to close');
    expect(logs.map((log) => log.body.toString())).toEqual(['done 1', 'done 3']);
    expect(logs.map((log) => log.closeCode)).toEqual([ErrorCode.NO_ERROR, ErrorCode.NO_ERROR]);
  });
});

describe('a node:http2 client to our server', () => {
  it('carries bodies and trailers both ways', async () => {
    const { port, sessions } = await ourServer();
    const client = nodeClient(port);
    const requestBody = pattern(250_000, 7);
    const responseBody = pattern(350_000, 8);
    const req = client.request(
      { ':method': 'POST', ':path': '/x', 'x-client': 'node' },
      { waitForTrailers: true },
    );
    req.on('wantTrailers', () => req.sendTrailers({ 'x-request-trailer': 'yes' }));
    req.end(requestBody);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const response = once(req, 'response');
    const trailers = once(req, 'trailers');
    const ended = once(req, 'end');

    await until(() => sessions[0]?.log.arrivals.length === 1, 'the request');
    const arrival = sessions[0]!.log.arrivals[0]!;
    expect(field(arrival.fields, ':method')).toBe('POST');
    expect(field(arrival.fields, ':path')).toBe('/x');
    expect(field(arrival.fields, ':authority')).toBe(`127.0.0.1:${port}`);
    expect(field(arrival.fields, 'x-client')).toBe('node');
    arrival.stream.resume();
    await until(() => arrival.log.ended, 'the request body and trailers');
    expect(arrival.log.body.equals(requestBody)).toBe(true);
    expect(arrival.log.heads).toEqual([['x-request-trailer', 'yes']]);

    arrival.stream.sendHeaders([':status', '200', 'x-server', 'ours'], false);
    arrival.stream.sendData(responseBody, false);
    arrival.stream.sendTrailers(['x-done', 'yes']);
    const [headers] = (await within(response, 'the response')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    expect(headers['x-server']).toBe('ours');
    const [tail] = (await within(trailers, 'the trailers')) as [IncomingHttpHeaders];
    expect(tail['x-done']).toBe('yes');
    await within(ended, 'the end of the response');
    expect(Buffer.concat(chunks).equals(responseBody)).toBe(true);
    await until(() => arrival.log.closeCode !== undefined, 'the stream to close');
    expect(arrival.log.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it('sends several MiB to a client that grants 4 KiB windows, and reads several MiB it pauses on', async () => {
    const { port, sessions } = await ourServer();
    const client = nodeClient(port, { initialWindowSize: 4_096 });
    const upload = pattern(2 * 1024 * 1024, 9);
    const download = pattern(3 * 1024 * 1024, 10);
    const req = client.request({ ':method': 'POST', ':path': '/both' });
    req.end(upload);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(req, 'end');

    await until(() => sessions[0]?.log.arrivals.length === 1, 'the request');
    const { stream, log } = sessions[0]!.log.arrivals[0]!;
    await until(() => sessions[0]!.session.peer.initialWindowSize === 4_096, 'the small window');
    let pauses = 0;
    log.onChunk = () => {
      if (Math.floor(log.bytes / (256 * 1024)) > pauses) {
        pauses++;
        stream.pause();
      }
    };
    stream.resume();
    while (!log.ended) {
      await until(() => stream.paused || log.ended, 'a pause or the end', 10_000);
      if (log.ended) break;
      expect(await ping(sessions[0]!.session)).toBe(true);
      expect(stream.heldBytes).toBeLessThanOrEqual(131_072);
      stream.resume();
    }
    expect(log.body.equals(upload)).toBe(true);

    stream.sendHeaders([':status', '200'], false);
    const { waits, drained } = await sendAll(stream, log, download, 100_000);
    await within(ended, 'the end of the download', 20_000);
    expect(Buffer.concat(chunks).equals(download)).toBe(true);
    expect(waits).toBeGreaterThan(10);
    expect(drained).toBeGreaterThanOrEqual(waits - 1);
    expect(log.drains).toBe(drained);
  }, 30_000);

  it('answers the client PING, and pings the client', async () => {
    const { port, sessions } = await ourServer();
    const client = nodeClient(port);
    await within(once(client, 'connect'), 'the connection');
    const [error, duration] = await within(
      new Promise<[Error | null, number]>((resolve) => {
        client.ping((err, ms) => resolve([err, ms]));
      }),
      'the PING answer',
    );
    expect(error).toBeNull();
    expect(duration).toBeGreaterThanOrEqual(0);
    await until(() => sessions[0]?.log.ready === true, 'the client SETTINGS');
    expect(await ping(sessions[0]!.session)).toBe(true);
  });

  it('closes a stream the client resets with its code, and resets one itself', async () => {
    const { port, sessions } = await ourServer();
    const client = nodeClient(port);
    const a = client.request({ ':method': 'POST', ':path': '/a' });
    a.on('error', () => {});
    a.write('x');
    await until(() => sessions[0]?.log.arrivals.length === 1, 'the first request');
    a.close(constants.NGHTTP2_INTERNAL_ERROR);
    const first = sessions[0]!.log.arrivals[0]!;
    await until(() => first.log.closeCode !== undefined, 'the reset');
    expect(first.log.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(first.stream.resetByPeer).toBe(true);

    const b = client.request({ ':method': 'GET', ':path': '/b' });
    b.on('error', () => {});
    await until(() => sessions[0]!.log.arrivals.length === 2, 'the second request');
    const closed = new Promise((resolve) => b.on('close', resolve));
    sessions[0]!.log.arrivals[1]!.stream.reset(ErrorCode.ENHANCE_YOUR_CALM);
    await within(closed, 'the reset at the client');
    expect(b.rstCode).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  });

  it('reads header lists over 16 KiB (CONTINUATION), and hands on undefined over its limit (431)', async () => {
    const { port, sessions } = await ourServer({ maxHeaderListSize: 64 * 1024 });
    const client = nodeClient(port, { maxHeaderListSize: 1 << 20 });
    const big = client.request({ ':path': '/big', 'x-large': 'c'.repeat(40_000) });
    big.end();
    await until(() => sessions[0]?.log.arrivals.length === 1, 'the big request');
    const first = sessions[0]!.log.arrivals[0]!;
    expect(field(first.fields, 'x-large')).toBe('c'.repeat(40_000));
    first.stream.sendHeaders([':status', '200', 'x-large', 'd'.repeat(40_000)], true);
    const [headers] = (await within(once(big, 'response'), 'the big response')) as [IncomingHttpHeaders];
    expect(headers['x-large']).toBe('d'.repeat(40_000));

    const tooBig = client.request({ ':path': '/too-big', 'x-large': 'e'.repeat(100_000) });
    tooBig.end();
    await until(() => sessions[0]!.log.arrivals.length === 2, 'the request over the limit');
    const second = sessions[0]!.log.arrivals[1]!;
    expect(second.fields).toBeUndefined();
    second.stream.sendHeaders([':status', '431'], true);
    const [refused] = (await within(once(tooBig, 'response'), 'the 431')) as [IncomingHttpHeaders];
    expect(refused[':status']).toBe(431);

    const after = client.request({ ':path': '/after', 'x-small': 'f' });
    after.end();
    await until(() => sessions[0]!.log.arrivals.length === 3, 'the request after');
    expect(field(sessions[0]!.log.arrivals[2]!.fields, 'x-small')).toBe('f');
  });
});
