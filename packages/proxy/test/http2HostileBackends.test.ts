import { once } from 'node:events';
import { connect } from 'node:net';
import type { LbError } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, rawBackend, send, startBalancer, until } from './helpers.js';
import { echoStream, startHttp2Backend } from './http2Helpers.js';

afterEach(cleanup);

/** Collects `proxyError` codes and messages. */
function watch(lb: { on(event: 'proxyError', listener: (err: LbError) => void): unknown }): LbError[] {
  const errors: LbError[] = [];
  lb.on('proxyError', (err) => errors.push(err));
  return errors;
}

/** A GET whose response body the client reads to the end or to a broken connection; resolves either way. */
function fetchRaw(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    let text = '';
    socket.on('data', (c) => {
      text += c;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
  });
}

describe('hostile or broken HTTP/2 backends', () => {
  it('an h2c backend that answers in HTTP/1.1: a connect failure, retried on a sound backend', async () => {
    const liar = await rawBackend('a', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    const sound = await startHttp2Backend('b');
    const { lb, port } = await startBalancer([{ ...liar.backend, protocol: 'h2c' }, sound.backend]);
    const errors = watch(lb);
    expect((await send(port)).status).toBe(200);
    expect(errors.map((e) => e.code)).toEqual(['LB_ERR_UPSTREAM_CONNECT']);
  });

  it('a backend that accepts TCP and never sends SETTINGS: connectTimeout, and nothing is left waiting', async () => {
    const { createServer } = await import('node:net');
    let accepted = 0;
    let closed = 0;
    const silent = createServer((socket) => {
      accepted++;
      socket.on('error', () => {});
      // Reads (and ignores) the preface, so the balancer's close is seen.
      socket.resume();
      socket.on('close', () => closed++);
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port: silentPort } = silent.address() as { port: number };
    const { lb, port } = await startBalancer(
      [{ id: 'a', host: '127.0.0.1', port: silentPort, protocol: 'h2c' }],
      {
        connectTimeout: 200,
        retries: false,
      },
    );
    const errors = watch(lb);
    const replies = await Promise.all([send(port), send(port), send(port)]);
    expect(replies.map((r) => r.status)).toEqual([504, 504, 504]);
    expect(errors.map((e) => e.code)).toEqual(Array(3).fill('LB_ERR_UPSTREAM_TIMEOUT'));
    expect(lb.stats().pools[0]!.queued).toBe(0);
    // The session the three waited on is closed once the last of them gave up.
    await until(() => closed === accepted);
    expect(accepted).toBe(1);
    silent.close();
  });

  it('a connection lost after the head: the client connection is cut, the error is a reset', async () => {
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.resume();
      stream.respond({ ':status': 200 });
      stream.write('partial', () => stream.session?.destroy());
    });
    const { lb, port } = await startBalancer([h2.backend]);
    const errors = watch(lb);
    const text = await fetchRaw(port);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
    expect(errors.map((e) => e.code)).toEqual(['LB_ERR_UPSTREAM_RESET']);
  });

  it('a body longer than its content-length: an HTTP/2 protocol failure, not a relayed lie', async () => {
    const h2 = await startHttp2Backend('a', (stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-length': '3' });
      stream.end('much more than three bytes');
    });
    const { lb, port } = await startBalancer([h2.backend]);
    const errors = watch(lb);
    const text = await fetchRaw(port);
    expect(text).not.toMatch(/much more/);
    expect(errors).toHaveLength(1);
    expect(['LB_ERR_UPSTREAM_PROTOCOL', 'LB_ERR_UPSTREAM_RESET']).toContain(errors[0]!.code);
  });

  it('a backend that stalls its body: idleTimeout fails the stream, the session lives on', async () => {
    let stalls = true;
    const h2 = await startHttp2Backend('a', (stream, headers) => {
      if (!stalls) {
        echoStream(stream, headers);
        return;
      }
      stream.resume();
      stream.respond({ ':status': 200 });
      stream.write('start');
    });
    const { lb, port } = await startBalancer([h2.backend], { idleTimeout: 200 });
    const errors = watch(lb);
    const text = await fetchRaw(port);
    // Either side's idle timer may fire first; either way the client never sees the body as complete.
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
    expect(errors.every((e) => e.code === 'LB_ERR_UPSTREAM_TIMEOUT')).toBe(true);
    await until(
      () => h2.sessions[0]!.state.localWindowSize !== undefined && lb.stats().pools[0]!.active === 0,
    );
    stalls = false;
    expect((await send(port)).status).toBe(200);
    expect(h2.sessions).toHaveLength(1);
  });

  it('a backend that destroys every session at once: connect failures, no crash, no hang', async () => {
    const h2 = await startHttp2Backend('a');
    h2.server.on('session', (session) => session.destroy());
    const { lb, port } = await startBalancer([h2.backend], { retries: false });
    const errors = watch(lb);
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(port)));
    // 502 each, until outlier detection ejects the backend and the rest get 503.
    expect(replies.map((r) => r.status).filter((s) => s !== 502 && s !== 503)).toEqual([]);
    const expected = ['LB_ERR_UPSTREAM_CONNECT', 'LB_ERR_UPSTREAM_RESET', 'LB_ERR_NO_HEALTHY_BACKEND'];
    expect(errors.map((e) => e.code).filter((c) => !expected.includes(c))).toEqual([]);
  });
});
