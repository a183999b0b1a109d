import { once } from 'node:events';
import { connect } from 'node:net';
import type { Backend, LbError } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpLoadBalancer } from '../src/balancer/tcpLoadBalancer.js';
import {
  bounded,
  closeBackends,
  exchange,
  nextData,
  openClient,
  refusedBackend,
  startBackend,
} from './tcpHelpers.js';

const balancers: TcpLoadBalancer[] = [];

afterEach(async () => {
  await Promise.all(balancers.splice(0).map((lb) => lb.stop({ timeout: 0 })));
  await closeBackends();
});

async function startBalancer(
  backends: Backend[],
  options: ConstructorParameters<typeof TcpLoadBalancer>[0] = {},
): Promise<{ lb: TcpLoadBalancer; port: number }> {
  const lb = new TcpLoadBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', ...options },
    backends,
  );
  balancers.push(lb);
  await lb.start();
  return { lb, port: lb.address!.port };
}

/** A backend that answers every connection with its id and closes. */
const sayId = (id: string) => startBackend(id, (socket) => socket.end(id));

describe('TcpLoadBalancer', () => {
  it('echoes bytes through the balancer both ways', async () => {
    const echo = await startBackend('echo');
    const { port } = await startBalancer([echo.backend]);
    expect(await exchange(port, 'hello over tcp')).toBe('hello over tcp');
    const big = 'x'.repeat(1 << 20);
    expect(await exchange(port, big)).toBe(big);
  });

  it('balances connections across backends with the configured strategy', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map(sayId));
    const { port } = await startBalancer(
      backends.map((b) => b.backend),
      { strategy: 'roundRobin' },
    );
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await exchange(port, ''));
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('retries the connect on another backend when one refuses, and ejects the failing one', async () => {
    const dead = await refusedBackend('dead');
    const alive = await sayId('alive');
    const { lb, port } = await startBalancer([dead, alive.backend], {
      strategy: 'roundRobin',
      outlierDetection: { consecutiveFailures: 2, baseEjectionTime: 60_000 },
    });
    const errors: string[] = [];
    lb.on('proxyError', (err) => errors.push(err.code));
    const ejected = once(lb, 'backendEjected', bounded());
    for (let i = 0; i < 4; i++) expect(await exchange(port, '')).toBe('alive');
    const [status] = await ejected;
    expect(status.id).toBe('dead');
    expect(errors).toEqual(['LB_ERR_UPSTREAM_CONNECT', 'LB_ERR_UPSTREAM_CONNECT']);
    const stats = lb.stats();
    expect(stats.retries).toBe(2);
    expect(stats.backends.find((b) => b.id === 'dead')).toMatchObject({ ejected: true, health: 'down' });
    expect(stats.metrics.backends.find((b) => b.id === 'dead')?.errors.connect).toBe(2);
  });

  it('closes the backend socket when the client aborts', async () => {
    const echo = await startBackend('echo');
    const { lb, port } = await startBalancer([echo.backend]);
    const accepted = once(echo.server, 'connection', bounded());
    const client = await openClient(port);
    const [backendSocket] = await accepted;
    client.write('ping');
    expect(await nextData(client)).toBe('ping');
    expect(echo.sockets.size).toBe(1);
    client.destroy();
    await once(backendSocket, 'close', bounded());
    expect(echo.sockets.size).toBe(0);
    await expect.poll(() => lb.stats().activeConnections).toBe(0);
    expect(lb.backends[0]?.inFlight).toBe(0);
  });

  it('passes a half-close on: the backend answers after the client has finished sending', async () => {
    const collector = await startBackend('collect', (socket) => {
      let body = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        body += chunk;
      });
      socket.on('end', () => socket.end(`got ${body}`));
    });
    const { port } = await startBalancer([collector.backend]);
    expect(await exchange(port, 'all of it')).toBe('got all of it');
  });

  it('closes a client at once when no backend is up, and counts it', async () => {
    const echo = await startBackend('echo');
    const { lb, port } = await startBalancer([echo.backend]);
    lb.setBackendHealth('echo', 'down');
    const errors: LbError[] = [];
    lb.on('proxyError', (err) => errors.push(err));
    expect(await exchange(port, 'anyone?')).toBe('');
    expect(errors[0]?.code).toBe('LB_ERR_NO_HEALTHY_BACKEND');
    expect(lb.stats().noBackend).toBe(1);
    expect(lb.healthy()).toBe(false);
    lb.setBackendHealth('echo', 'up');
    expect(await exchange(port, 'back')).toBe('back');
  });

  it('keeps routing to down backends in panic mode when panicThreshold is set', async () => {
    const a = await sayId('a');
    const { lb, port } = await startBalancer([a.backend], { panicThreshold: 1 });
    lb.setBackendHealth('a', 'down');
    expect(await exchange(port, '')).toBe('a');
  });

  it('drain() sends new connections elsewhere and resolves when the open ones close', async () => {
    const a = await startBackend('a');
    const b = await sayId('b');
    const { lb, port } = await startBalancer([a.backend, b.backend], { strategy: 'first' });
    const client = await openClient(port);
    client.write('x');
    expect(await nextData(client)).toBe('x');
    let drained = false;
    const draining = lb.drain('a').then(() => {
      drained = true;
    });
    expect(await exchange(port, '')).toBe('b');
    expect(drained).toBe(false);
    client.end();
    await draining;
    expect(lb.backends.find((s) => s.id === 'a')?.health).toBe('draining');
  });

  it('stop() lets open connections finish, refuses new ones, and closes stragglers after the timeout', async () => {
    const echo = await startBackend('echo');
    const { lb, port } = await startBalancer([echo.backend]);
    const finishing = await openClient(port);
    let stopped = false;
    const stopping = lb.stop({ timeout: 60_000 }).then(() => {
      stopped = true;
    });
    const refused = connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error', bounded())) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    finishing.write('still here');
    expect(await nextData(finishing)).toBe('still here');
    expect(stopped).toBe(false);
    finishing.end();
    await stopping;

    const other = await startBalancer([echo.backend]);
    const straggler = await openClient(other.port);
    straggler.write('hi');
    expect(await nextData(straggler)).toBe('hi');
    await other.lb.stop({ timeout: 10 });
    await once(straggler, 'end', bounded());
    await expect.poll(() => echo.sockets.size).toBe(0);
  });

  it('adds and removes backends at run time', async () => {
    const a = await sayId('a');
    const b = await sayId('b');
    const { lb, port } = await startBalancer([a.backend]);
    const added = once(lb, 'backendAdded', bounded());
    lb.addBackend(b.backend);
    expect((await added)[0].id).toBe('b');
    lb.removeBackend('a');
    expect(await exchange(port, '')).toBe('b');
    expect(await exchange(port, '')).toBe('b');
    expect(() => lb.removeBackend('a')).toThrowError(
      expect.objectContaining({ code: 'LB_ERR_UNKNOWN_BACKEND' }),
    );
    expect(() => lb.addBackend(b.backend)).toThrowError(
      expect.objectContaining({ code: 'LB_ERR_DUPLICATE_BACKEND' }),
    );
  });

  it('rejects TLS options instead of forwarding plaintext', () => {
    expect(() => new TcpLoadBalancer({ loadBalancerPort: 0, tls: { key: 'k', cert: 'c' } })).toThrowError(
      expect.objectContaining({ code: 'LB_ERR_INVALID_OPTION', field: 'tls' }),
    );
  });
});
