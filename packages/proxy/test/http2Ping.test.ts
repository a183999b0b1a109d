import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { fileURLToPath } from 'node:url';
import type { Backend, LbError } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadBalancerConfig } from '../src/index.js';
import { echoClient, grpc, startEchoServer, unary } from './grpcHelpers.js';
import { cleanup, onCleanup, startBalancer, until } from './helpers.js';

afterEach(cleanup);

/** A grpc-js server in a child process; stopped (SIGSTOP) it keeps its sockets open and answers nothing. */
async function childEchoServer(id: string): Promise<{ child: ChildProcess; backend: Backend }> {
  const child = fork(fileURLToPath(new URL('./fixtures/grpcEchoChild.ts', import.meta.url)), [id], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Resumed before it is killed, so a stopped process does not outlive the test; by its PID only.
  onCleanup(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGCONT');
    process.kill(child.pid!, 'SIGKILL');
    return exited;
  });
  const [hello] = (await once(child, 'message')) as [{ port: number }];
  return { child, backend: { id, host: '127.0.0.1', port: hello.port, protocol: 'h2c' } };
}

/** A frozen backend and a healthy one; the first call of each pair goes to the frozen one (round robin). */
async function frozenAndHealthy(options: LoadBalancerConfig) {
  const frozen = await childEchoServer('frozen');
  const healthy = await startEchoServer('healthy');
  const started = await startBalancer([frozen.backend, healthy.backend], {
    http2: true,
    outlierDetection: false,
    responseTimeout: 120_000,
    ...options,
  });
  const client = echoClient(started.port);
  const soon = { deadline: Date.now() + 20_000 };
  // One session to each backend, both answering.
  const warm = await Promise.all([unary(client, { text: 'a' }, soon), unary(client, { text: 'b' }, soon)]);
  expect(warm.map((w) => w.reply?.backend).sort()).toEqual(['frozen', 'healthy']);
  process.kill(frozen.child.pid!, 'SIGSTOP');
  return { ...started, client };
}

describe('PINGs on upstream HTTP/2 sessions (upstreamPing)', () => {
  it('a frozen backend’s session is closed when its PING goes unanswered; the call goes to another backend', async () => {
    const { client, strategy, lb } = await frozenAndHealthy({
      upstreamPing: { interval: 100, timeout: 300 },
    });
    const errors: LbError[] = [];
    lb.on('proxyError', (error) => errors.push(error));
    const { reply, error } = await unary(client, { text: 'rescued' }, { deadline: Date.now() + 30_000 });
    expect(error).toBeUndefined();
    expect(reply).toEqual({ text: 'rescued', backend: 'healthy' });
    expect(strategy.picks.slice(-2)).toEqual(['frozen', 'healthy']);
    // Reported as the reset it caused, with the PING timeout as its cause.
    expect(errors.map((e) => [e.code, (e.cause as LbError | undefined)?.code])).toEqual([
      ['LB_ERR_UPSTREAM_RESET', 'LB_ERR_UPSTREAM_PING_TIMEOUT'],
    ]);
    expect(errors[0]!.message).toContain('the backend did not acknowledge an HTTP/2 PING within 300 ms');
    // The frozen backend's session is gone, not left holding the next call.
    await until(() => {
      const pool = lb.stats().pools.find((p) => p.id === 'frozen');
      return pool !== undefined && pool.active === 0 && pool.idle === 0;
    });
  }, 60_000);

  it('with upstreamPing: false the same call waits on the frozen session until its deadline', async () => {
    const { client, strategy } = await frozenAndHealthy({ upstreamPing: false });
    const { error } = await unary(client, { text: 'stuck' }, { deadline: Date.now() + 1_500 });
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(strategy.picks.at(-1)).toBe('frozen');
  }, 60_000);

  it('a quiet stream to a live backend is PINGed once per silence, not every interval, and stays open', async () => {
    const pings: number[] = [];
    const streams: ServerHttp2Stream[] = [];
    const server = createServer();
    server.on('session', (session: ServerHttp2Session) => {
      session.on('error', () => {});
      session.on('ping', () => pings.push(Date.now()));
    });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      streams.push(stream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const backend: Backend = {
      id: 'quiet',
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      protocol: 'h2c',
    };
    const interval = 50;
    const { port } = await startBalancer([backend], {
      http2: true,
      upstreamPing: { interval, timeout: 5_000 },
    });

    const session = connect(`http://127.0.0.1:${port}`);
    onCleanup(() => session.destroy());
    const request = session.request({ ':method': 'GET', ':path': '/watch' });
    request.on('error', () => {});
    const response = once(request, 'response') as Promise<[Record<string, unknown>]>;
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c;
    });
    await until(() => streams.length === 1);
    // The backend says nothing: the balancer PINGs the silent session.
    await until(() => pings.length === 1);
    // Answered, the PING is not repeated while the session stays silent. Absence takes time to show: 20
    // intervals pass (a slow machine only makes fewer ticks, never more PINGs).
    await new Promise((resolve) => setTimeout(resolve, 20 * interval));
    expect(pings.length).toBe(1);
    // The backend speaks (data resets a gRPC server's PING strikes): the next silence earns one more PING.
    streams[0]!.respond({ ':status': 200 });
    streams[0]!.write('event');
    await until(() => pings.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20 * interval));
    expect(pings.length).toBe(2);
    // The stream was never cut: it ends normally.
    const [head] = await response;
    expect(head[':status']).toBe(200);
    streams[0]!.end('-end');
    await once(request, 'end');
    expect(body).toBe('event-end');
  }, 30_000);
  it('a session held back by a client that does not read is PINGed, answers, and is not cut', async () => {
    const pings: number[] = [];
    let sessions = 0;
    let blocked = false;
    const total = 16 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const server = createServer();
    server.on('session', (session: ServerHttp2Session) => {
      sessions++;
      session.on('error', () => {});
      session.on('ping', () => pings.push(Date.now()));
    });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.respond({ ':status': 200 });
      let sent = 0;
      const more = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!stream.write(chunk)) {
            blocked = true;
            stream.once('drain', more);
            return;
          }
        }
        stream.end();
      };
      more();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const backend: Backend = {
      id: 'firehose',
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      protocol: 'h2c',
    };
    const { port } = await startBalancer([backend], {
      http2: true,
      upstreamPing: { interval: 50, timeout: 2_000 },
    });
    const session = connect(`http://127.0.0.1:${port}`);
    onCleanup(() => session.destroy());
    const request = session.request({ ':method': 'GET', ':path': '/big' });
    request.pause();
    // Flow control stops the backend, its session goes silent, and the balancer asks whether it is alive.
    await until(() => blocked && pings.length >= 1, 10_000);
    let received = 0;
    request.on('data', (c: Buffer) => {
      received += c.length;
    });
    request.resume();
    await once(request, 'end');
    expect(received).toBe(total);
    expect(sessions).toBe(1);
  }, 30_000);
});
