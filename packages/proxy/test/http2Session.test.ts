import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/protocol/http2/frames/frameKinds.js';
import { Http2Session } from '../src/protocol/http2/session/http2Session.js';
import {
  cleanup,
  ourPair,
  pattern,
  ping,
  request,
  SessionLog,
  StreamLog,
  until,
  within,
} from './http2SessionKit.js';

// Two of our sessions, client role and server role, over a real loopback connection.

afterEach(cleanup);

describe('Http2Session, ours to ours', () => {
  it('carries a request and a response with bodies and trailers both ways', async () => {
    const { client, server } = await ourPair();
    const requestBody = pattern(100_000, 1);
    const responseBody = pattern(150_000, 2);
    const log = new StreamLog();
    const stream = client.session.request(request('/a'), false, log)!;
    expect(stream.sendData(requestBody.subarray(0, 30_000), false)).toBe(true);
    // The server holds the stream paused: the rest waits behind its 64 KiB window.
    expect(stream.sendData(requestBody.subarray(30_000), false)).toBe(false);
    stream.sendTrailers(['x-request-trailer', 'yes']);

    await until(() => server.log.arrivals.length === 1, 'the request');
    const arrival = server.log.arrivals[0]!;
    expect(arrival.fields).toEqual(request('/a'));
    expect(arrival.endStream).toBe(false);
    arrival.stream.resume();
    await until(() => arrival.log.ended, 'the request trailers');
    expect(arrival.log.body.equals(requestBody)).toBe(true);
    expect(arrival.log.heads).toEqual([['x-request-trailer', 'yes']]);
    expect(arrival.log.order.at(-1)).toBe('trailers');
    expect(arrival.log.order.slice(0, -1).every((kind) => kind === 'data')).toBe(true);

    arrival.stream.sendHeaders([':status', '200', 'content-type', 'application/octet-stream'], false);
    arrival.stream.sendData(responseBody, false);
    arrival.stream.sendTrailers(['grpc-status', '0', 'grpc-message', 'fine']);
    await until(
      () => log.closeCode !== undefined && arrival.log.closeCode !== undefined,
      'both ends to close',
    );
    expect(log.heads).toEqual([
      [':status', '200', 'content-type', 'application/octet-stream'],
      ['grpc-status', '0', 'grpc-message', 'fine'],
    ]);
    expect(log.body.equals(responseBody)).toBe(true);
    // onDrain came once, when the window opened, before anything of the response.
    expect(log.drains).toBe(1);
    expect(log.order[0]).toBe('drain');
    expect(log.order[1]).toBe('head');
    expect(log.order.at(-2)).toBe('trailers');
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(arrival.log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(client.session.streams.size).toBe(0);
    expect(server.session.streams.size).toBe(0);
  });

  it('carries requests and responses without bodies (END_STREAM on the header blocks)', async () => {
    const { client, server } = await ourPair();
    const log = new StreamLog();
    client.session.request(request('/empty'), true, log);
    await until(() => server.log.arrivals.length === 1, 'the request');
    const arrival = server.log.arrivals[0]!;
    expect(arrival.endStream).toBe(true);
    arrival.stream.resume();
    arrival.stream.sendHeaders([':status', '204'], true);
    await until(() => log.closeCode !== undefined, 'the response');
    expect(log.heads).toEqual([[':status', '204']]);
    expect(log.order).toEqual(['trailers', 'close']);
    expect(arrival.log.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it('runs many concurrent streams, with odd increasing ids, each with its own body', async () => {
    const { client, server } = await ourPair();
    const count = 200;
    const logs: StreamLog[] = [];
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const log = new StreamLog();
      logs.push(log);
      const stream = client.session.request(request(`/s/${i}`), false, log)!;
      ids.push(stream.id);
      stream.sendData(pattern(1 + i * 97, i), true);
    }
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => 2 * i + 1));
    expect(client.session.streams.size).toBe(count);

    await until(() => server.log.arrivals.length === count, 'every request');
    const arrivalIds = server.log.arrivals.map((a) => a.stream.id);
    expect(arrivalIds).toEqual(ids);
    for (const arrival of server.log.arrivals) {
      arrival.log.onChunk = () => {
        if (!arrival.log.ended) return;
        // Echo the request body back, once it is whole.
        arrival.stream.sendHeaders([':status', '200'], false);
        arrival.stream.sendData(arrival.log.body, true);
      };
      arrival.stream.resume();
    }
    await until(() => logs.every((log) => log.closeCode !== undefined), 'every response', 10_000);
    for (let i = 0; i < count; i++) {
      expect(logs[i]!.closeCode).toBe(ErrorCode.NO_ERROR);
      expect(logs[i]!.body.equals(pattern(1 + i * 97, i)), `stream ${ids[i]}`).toBe(true);
      expect(server.log.arrivals[i]!.fields).toEqual(request(`/s/${i}`));
    }
    expect(client.session.streams.size).toBe(0);
    expect(server.session.streams.size).toBe(0);
  });

  it('answers PING: ping(done) gives true on the round trip, false once the session is gone', async () => {
    const { client, server } = await ourPair();
    expect(await ping(client.session)).toBe(true);
    expect(await ping(server.session)).toBe(true);
    const all = await Promise.all([ping(client.session), ping(client.session), ping(client.session)]);
    expect(all).toEqual([true, true, true]);
    client.session.destroy();
    expect(await ping(client.session)).toBe(false);
  });

  it('gives done(false) to a PING in flight when the session dies first', async () => {
    const { client } = await ourPair();
    const answer = ping(client.session);
    // Destroyed in the same turn: the PING never leaves, the socket closes, done(false) comes.
    client.session.destroy(ErrorCode.CANCEL, 'test ends it');
    expect(await answer).toBe(false);
    await until(() => client.log.closed !== undefined, 'the close');
    expect(client.log.closed?.code).toBe(ErrorCode.CANCEL);
    expect(client.log.closed?.reason).toBe('test ends it');
  });

  it('closes a stream the peer reset with its code and resetByPeer, both directions', async () => {
    const { client, server } = await ourPair();
    const first = new StreamLog();
    const a = client.session.request(request('/a'), false, first)!;
    await until(() => server.log.arrivals.length === 1, 'the first request');
    const arrivalA = server.log.arrivals[0]!;
    arrivalA.stream.reset(ErrorCode.INTERNAL_ERROR);
    await until(() => first.closeCode !== undefined, 'the reset');
    expect(first.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(a.closed && a.resetByPeer).toBe(true);
    expect(a.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(arrivalA.log.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(arrivalA.stream.resetByPeer).toBe(false);
    // Writes after the reset are dropped, not sent.
    expect(a.sendData(Buffer.from('late'), true)).toBe(true);

    const second = new StreamLog();
    const b = client.session.request(request('/b'), false, second)!;
    await until(() => server.log.arrivals.length === 2, 'the second request');
    const arrivalB = server.log.arrivals[1]!;
    b.reset(ErrorCode.CANCEL);
    expect(second.closeCode).toBe(ErrorCode.CANCEL);
    expect(b.resetByPeer).toBe(false);
    await until(() => arrivalB.log.closeCode !== undefined, 'the reset at the server');
    expect(arrivalB.log.closeCode).toBe(ErrorCode.CANCEL);
    expect(arrivalB.stream.resetByPeer).toBe(true);

    // The session goes on.
    expect(await ping(client.session)).toBe(true);
    const third = new StreamLog();
    client.session.request(request('/c'), true, third);
    await until(() => server.log.arrivals.length === 3, 'the third request');
    server.log.arrivals[2]!.stream.sendHeaders([':status', '200'], true);
    await until(() => third.closeCode !== undefined, 'the third response');
    expect(third.closeCode).toBe(ErrorCode.NO_ERROR);
  });

  it('splits a header list over 16 KiB into CONTINUATION frames both ways', async () => {
    const big = 1024 * 1024;
    const { client, server } = await ourPair({ maxHeaderListSize: big }, { maxHeaderListSize: big });
    const requestFields = request('/big', ['x-large', 'q'.repeat(40_000), 'x-more', 'r'.repeat(30_000)]);
    const responseFields = [':status', '200', 'x-large', 's'.repeat(50_000)];
    const trailerFields = ['x-trailer', 't'.repeat(20_000)];
    const log = new StreamLog();
    client.session.request(requestFields, true, log);
    await until(() => server.log.arrivals.length === 1, 'the request');
    const arrival = server.log.arrivals[0]!;
    expect(arrival.fields).toEqual(requestFields);
    arrival.stream.sendHeaders(responseFields, false);
    arrival.stream.sendData(Buffer.from('body'), false);
    arrival.stream.sendTrailers(trailerFields);
    await until(() => log.closeCode !== undefined, 'the response');
    expect(log.heads).toEqual([responseFields, trailerFields]);
    expect(log.body.toString()).toBe('body');
  });

  it('hands on undefined fields for a header list over the limit (the 431 path) and stays in step', async () => {
    const { client, server } = await ourPair({ maxHeaderListSize: 8_192 }, { maxHeaderListSize: 8_192 });
    const tooBig = new StreamLog();
    client.session.request(request('/too-big', ['x-large', 'z'.repeat(20_000)]), true, tooBig);
    await until(() => server.log.arrivals.length === 1, 'the request');
    expect(server.log.arrivals[0]!.fields).toBeUndefined();
    server.log.arrivals[0]!.stream.sendHeaders([':status', '431'], true);
    await until(() => tooBig.closeCode !== undefined, 'the 431');
    expect(tooBig.heads).toEqual([[':status', '431']]);

    // The response side: a head over the client's limit arrives as undefined.
    const bigResponse = new StreamLog();
    client.session.request(request('/ok'), true, bigResponse);
    await until(() => server.log.arrivals.length === 2, 'the second request');
    expect(server.log.arrivals[1]!.fields).toEqual(request('/ok'));
    server.log.arrivals[1]!.stream.sendHeaders([':status', '200', 'x-large', 'y'.repeat(20_000)], true);
    await until(() => bigResponse.closeCode !== undefined, 'the big response');
    expect(bigResponse.heads).toEqual([undefined]);
    expect(bigResponse.closeCode).toBe(ErrorCode.NO_ERROR);

    // Both decoders are still in step with their encoders.
    const after = new StreamLog();
    client.session.request(request('/after', ['x-small', 'a']), true, after);
    await until(() => server.log.arrivals.length === 3, 'the third request');
    expect(server.log.arrivals[2]!.fields).toEqual(request('/after', ['x-small', 'a']));
    server.log.arrivals[2]!.stream.sendHeaders([':status', '200', 'x-ok', '1'], true);
    await until(() => after.closeCode !== undefined, 'the third response');
    expect(after.heads).toEqual([[':status', '200', 'x-ok', '1']]);
  });
});

describe('Http2Session closing, ours to ours', () => {
  it('graceful close() at the server: GOAWAY, no new streams, open ones finish first', async () => {
    const { client, server } = await ourPair();
    const logs = [new StreamLog(), new StreamLog()];
    const streams = logs.map((log, i) => client.session.request(request(`/${i}`), false, log)!);
    await until(() => server.log.arrivals.length === 2, 'both requests');
    expect(client.session.capacity).toBeGreaterThan(0);

    server.session.close();
    await until(() => client.log.goaways.length === 1, 'the GOAWAY');
    expect(client.log.goaways[0]).toEqual({ lastStreamId: 3, code: ErrorCode.NO_ERROR });
    expect(client.session.capacity).toBe(0);
    expect(client.session.request(request('/late'), true, new StreamLog())).toBeUndefined();
    expect(streams.every((s) => !s.closed)).toBe(true);

    for (const [i, stream] of streams.entries()) stream.sendData(Buffer.from(`body ${i}`), true);
    for (const arrival of server.log.arrivals) {
      arrival.stream.resume();
      arrival.stream.sendHeaders([':status', '200'], false);
      arrival.stream.sendData(Buffer.from(`answer ${arrival.stream.id}`), true);
    }
    await until(
      () => client.log.closed !== undefined && server.log.closed !== undefined,
      'both sessions to close',
    );
    expect(logs.map((log) => log.closeCode)).toEqual([ErrorCode.NO_ERROR, ErrorCode.NO_ERROR]);
    expect(logs.map((log) => log.body.toString())).toEqual(['answer 1', 'answer 3']);
    expect(server.log.arrivals.map((a) => a.log.body.toString())).toEqual(['body 0', 'body 1']);
    expect(client.log.closed?.code).toBe(ErrorCode.NO_ERROR);
    expect(server.log.closed?.code).toBe(ErrorCode.NO_ERROR);
  });

  it('graceful close() at the client: the open stream finishes, then the connection ends', async () => {
    const { client, server } = await ourPair();
    const log = new StreamLog();
    client.session.request(request('/'), true, log);
    await until(() => server.log.arrivals.length === 1, 'the request');
    client.session.close();
    expect(client.session.request(request('/late'), true, new StreamLog())).toBeUndefined();
    await until(() => server.log.goaways.length === 1, 'the GOAWAY at the server');
    expect(server.log.goaways[0]).toEqual({ lastStreamId: 0, code: ErrorCode.NO_ERROR });
    const arrival = server.log.arrivals[0]!;
    arrival.stream.sendHeaders([':status', '200'], false);
    arrival.stream.sendData(Buffer.from('last'), true);
    await until(
      () => client.log.closed !== undefined && server.log.closed !== undefined,
      'both sessions to close',
    );
    expect(log.closeCode).toBe(ErrorCode.NO_ERROR);
    expect(log.body.toString()).toBe('last');
  });

  it('close() with nothing open ends the connection at once', async () => {
    const { client, server } = await ourPair();
    client.session.close();
    await until(
      () => client.log.closed !== undefined && server.log.closed !== undefined,
      'both sessions to close',
    );
    expect(client.log.closed?.code).toBe(ErrorCode.NO_ERROR);
    expect(server.log.goaways).toEqual([{ lastStreamId: 0, code: ErrorCode.NO_ERROR }]);
  });

  it('tells onClose the socket error when the connection fails', async () => {
    // A port that was free a moment ago: nothing listens on it now.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await within(once(server, 'listening'), 'the listener');
    const { port } = server.address() as AddressInfo;
    server.close();
    await within(once(server, 'close'), 'the listener to close');
    const log = new SessionLog();
    const options = { role: 'client', maxConcurrentStreams: 100, maxHeaderListSize: 65_536 } as const;
    const refused = new Http2Session(connect(port, '127.0.0.1'), options, log);
    await until(() => log.closed !== undefined, 'the close');
    expect(log.ready).toBe(false);
    expect((log.closed?.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNREFUSED');
    expect(refused.error).toBe(log.closed?.error);
    expect(refused.capacity).toBe(0);
    expect(await ping(refused)).toBe(false);
  });

  it('destroy() closes open streams with its code on both sides', async () => {
    const { client, server } = await ourPair();
    const log = new StreamLog();
    client.session.request(request('/'), false, log);
    await until(() => server.log.arrivals.length === 1, 'the request');
    server.session.destroy(ErrorCode.INTERNAL_ERROR, 'broken');
    expect(server.log.arrivals[0]!.log.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    await until(() => client.log.closed !== undefined, 'the client to close');
    expect(client.log.goaways[0]?.code).toBe(ErrorCode.INTERNAL_ERROR);
    expect(log.closeCode).toBe(ErrorCode.INTERNAL_ERROR);
    expect(client.log.closed?.code).toBe(ErrorCode.INTERNAL_ERROR);
  });
});
