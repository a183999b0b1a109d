import { once } from 'node:events';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, deadPort, raw, rawBackend, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

describe('status codes for failures', () => {
  it('answers 503 with Retry-After when no backend is healthy, and serves again once one is up', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend]);
    const downs: unknown[] = [];
    lb.on('backendDown', (b) => downs.push(b.id));
    lb.setBackendHealth('a', 'down');
    const refused = await send(port);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(downs).toEqual(['a']);
    lb.setBackendHealth('a', 'up');
    expect((await send(port)).status).toBe(200);
    expect(lb.stats().noBackend).toBe(1);
  });

  it('answers 502 when the backend refuses connections and retries are off', async () => {
    const { lb, port } = await startBalancer([{ id: 'dead', host: '127.0.0.1', port: await deadPort() }], {
      retries: false,
    });
    const errors: string[] = [];
    lb.on('proxyError', (err) => errors.push(err.code));
    const reply = await send(port);
    expect(reply.status).toBe(502);
    expect(errors).toEqual(['LB_ERR_UPSTREAM_CONNECT']);
  });

  it('answers 502 for invalid HTTP from the backend', async () => {
    const garbage = await rawBackend('garbage', 'NOT HTTP AT ALL\r\n\r\n', { close: true });
    const { port } = await startBalancer([garbage.backend], { retries: false });
    expect((await send(port)).status).toBe(502);
  });

  it('answers 504 when response headers do not arrive in time', async () => {
    const silent = await startBackend('silent', (req) => req.resume());
    const { port } = await startBalancer([silent.backend], { responseTimeout: 150, retries: false });
    const reply = await send(port);
    expect(reply.status).toBe(504);
    await until(() => silent.requests[0]?.socket.destroyed === true);
  });

  it('answers 504 when no pooled connection frees up within the connect timeout', async () => {
    const held: (() => void)[] = [];
    const slow = await startBackend('slow', (req, res) => {
      req.resume();
      held.push(() => res.end('late'));
    });
    const { port } = await startBalancer([slow.backend], {
      maxConnectionsPerBackend: 1,
      connectTimeout: 150,
      retries: false,
    });
    const first = send(port);
    await until(() => held.length === 1);
    const second = await send(port);
    expect(second.status).toBe(504);
    held[0]!();
    expect((await first).body).toBe('late');
  });

  it('cuts the client connection when the backend dies mid-body, never completing the response', async () => {
    const truncated = await rawBackend('cut', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part', {
      close: true,
    });
    const { port } = await startBalancer([truncated.backend], { retries: false });
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve('completed'));
        res.on('aborted', () => resolve('aborted'));
        res.on('error', () => resolve('aborted'));
      });
      req.on('error', () => resolve('aborted'));
      req.end();
    });
    expect(outcome).toBe('aborted');
  });

  it('aborts the upstream request when the client goes away', async () => {
    const hanging = await startBackend('hang', (req) => req.resume());
    const { lb, port } = await startBalancer([hanging.backend]);
    const req = request({ host: '127.0.0.1', port, agent: false });
    req.on('error', () => {});
    req.end();
    await until(() => hanging.requests.length === 1);
    const upstreamClosed = once(hanging.requests[0]!.socket, 'close');
    req.destroy();
    await upstreamClosed;
    await until(() => lb.stats().activeRequests === 0);
    expect(lb.backends[0]!.inFlight).toBe(0);
  });

  it('cuts both sides when a backend stalls mid-body for longer than idleTimeout', async () => {
    const stalling = await startBackend('stall', (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('first part');
    });
    const { lb, port } = await startBalancer([stalling.backend], { idleTimeout: 150, retries: false });
    const errors: string[] = [];
    lb.on('proxyError', (err) => errors.push(err.code));
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve('completed'));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
      req.end();
    });
    expect(outcome).toBe('cut');
    expect(errors).toEqual(['LB_ERR_UPSTREAM_TIMEOUT']);
    await until(() => stalling.requests[0]?.socket.destroyed === true);
  });

  it('answers 408 to a client that sends its body too slowly (requestTimeout)', async () => {
    const backend = await startBackend('a');
    const { port } = await startBalancer([backend.backend], { headersTimeout: 200, requestTimeout: 300 });
    const reply = await raw(port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc');
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses to start on a port that is taken', async () => {
    const backend = await startBackend('a');
    const { LoadBalancer } = await import('../src/index.js');
    const lb = new LoadBalancer({ loadBalancerPort: backend.port, loadBalancerHost: '127.0.0.1' }, []);
    await expect(lb.start()).rejects.toMatchObject({ code: 'LB_ERR_LISTEN_FAILED' });
  });
});
