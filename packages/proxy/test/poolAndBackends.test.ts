import { Agent, request } from 'node:http';
import type { Strategy } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadBalancer } from '../src/index.js';
import { cleanup, onCleanup, send, startBackend, startBalancer, until } from './helpers.js';

afterEach(cleanup);

function get(port: number, agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('upstream keep-alive pools', () => {
  it('reuses backend connections across many requests instead of opening one per request', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend]);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    onCleanup(() => agent.destroy());
    await Promise.all(Array.from({ length: 200 }, () => get(port, agent)));
    expect(backend.requests).toHaveLength(200);
    expect(backend.connections).toBeLessThanOrEqual(4);
    const pool = lb.stats().pools[0]!;
    expect(pool.opened).toBe(backend.connections);
    expect(pool.active).toBe(0);
  });

  it('bounds idle connections per backend', async () => {
    const backend = await startBackend('a');
    const { lb, port } = await startBalancer([backend.backend], { maxIdleConnectionsPerBackend: 2 });
    await Promise.all(Array.from({ length: 10 }, () => get(port)));
    await until(() => lb.stats().pools[0]!.active === 0);
    expect(lb.stats().pools[0]!.idle).toBeLessThanOrEqual(2);
  });
});

describe('upstream connections closed by the backend', () => {
  it('never reuses a pooled connection the backend closed while it was idle', async () => {
    const backend = await startBackend('a');
    backend.server.keepAliveTimeout = 30;
    const { lb, port } = await startBalancer([backend.backend]);
    expect((await get(port)).status).toBe(200);
    await until(() => lb.stats().pools[0]!.idle === 0);
    expect((await get(port)).status).toBe(200);
    expect(lb.stats().pools[0]!.opened).toBe(2);
  });

  it('does not pool a connection whose response said Connection: close', async () => {
    const backend = await startBackend('a', (req, res) => {
      req.resume();
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const { lb, port } = await startBalancer([backend.backend]);
    for (let i = 0; i < 3; i++) expect((await get(port)).body).toBe('bye');
    expect(backend.connections).toBe(3);
    await until(() => lb.stats().pools[0]!.active === 0);
    expect(lb.stats().pools[0]!.idle).toBe(0);
  });
});

describe('dynamic backends and drain', () => {
  it('adds and removes backends at runtime, with events', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const { lb, port } = await startBalancer([a.backend]);
    const events: string[] = [];
    lb.on('backendAdded', (s) => events.push(`added:${s.id}`));
    lb.on('backendRemoved', (s) => events.push(`removed:${s.id}`));
    lb.addBackend(b.backend);
    await Promise.all(Array.from({ length: 6 }, () => get(port)));
    expect(b.requests.length).toBeGreaterThan(0);
    lb.removeBackend('a');
    const before = a.requests.length;
    await Promise.all(Array.from({ length: 6 }, () => get(port)));
    expect(a.requests.length).toBe(before);
    expect(events).toEqual(['added:b', 'removed:a']);
    expect(lb.backends.map((s) => s.id)).toEqual(['b']);
    expect(() => lb.removeBackend('a')).toThrow(expect.objectContaining({ code: 'LB_ERR_UNKNOWN_BACKEND' }));
    expect(() => lb.addBackend(b.backend)).toThrow(
      expect.objectContaining({ code: 'LB_ERR_DUPLICATE_BACKEND' }),
    );
  });

  it('lets in-flight requests finish on a removed backend', async () => {
    let release: () => void = () => {};
    const slow = await startBackend('slow', (req, res) => {
      req.resume();
      release = () => res.end('finished');
    });
    const { lb, port } = await startBalancer([slow.backend]);
    const pending = get(port);
    await until(() => slow.requests.length === 1);
    lb.removeBackend('slow');
    release();
    expect(await pending).toEqual({ status: 200, body: 'finished' });
  });

  it('drains: no new requests, resolves when in-flight reaches 0, stays listed as draining', async () => {
    let release: () => void = () => {};
    const slow = await startBackend('slow', (req, res) => {
      req.resume();
      release = () => res.end('done');
    });
    const other = await startBackend('other');
    const { lb, port } = await startBalancer([slow.backend, other.backend]);
    const pending = get(port);
    await until(() => slow.requests.length === 1);
    let drained = false;
    const drain = lb.drain('slow').then(() => {
      drained = true;
    });
    expect(lb.backends.find((s) => s.id === 'slow')).toMatchObject({
      health: 'draining',
      draining: true,
      inFlight: 1,
    });
    await Promise.all(Array.from({ length: 4 }, () => get(port)));
    expect(slow.requests).toHaveLength(1);
    expect(drained).toBe(false);
    release();
    await pending;
    await drain;
    expect(lb.backends.find((s) => s.id === 'slow')).toMatchObject({ health: 'draining', inFlight: 0 });
  });

  it('changes weights through the strategy and validates them', async () => {
    const a = await startBackend('a');
    const { lb, strategy } = await startBalancer([a.backend]);
    const calls: [unknown, number][] = [];
    strategy.setWeight = (id, w) => calls.push([id, w]);
    lb.setWeight('a', 5);
    expect(calls).toEqual([['a', 5]]);
    expect(lb.backends[0]!.weight).toBe(5);
    expect(() => lb.setWeight('a', -1)).toThrow(expect.objectContaining({ code: 'LB_ERR_INVALID_WEIGHT' }));
  });
});

describe('custom strategy plug-in', () => {
  it('routes with a user-supplied Strategy object and reports every request to it', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const log: string[] = [];
    const onlyB: Strategy = {
      name: 'onlyB',
      setBackends: (list) => log.push(`set:${list.map((x) => x.id).join(',')}`),
      pick: () => b.backend,
      onRequestStart: (x) => log.push(`start:${x.id}`),
      onRequestEnd: (x, outcome) => log.push(`end:${x.id}:${outcome.ok}`),
      setHealth: () => {},
      setWeight: () => {},
    };
    const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy: onlyB }, [
      a.backend,
      b.backend,
    ]);
    await lb.start();
    onCleanup(() => lb.stop());
    const reply = await send(lb.address!.port);
    expect(reply.body).toContain(String(b.port));
    expect(a.requests).toHaveLength(0);
    // The initial backends reach the strategy in one update, not one per backend.
    expect(log).toEqual(['set:a,b', 'start:b', 'end:b:true']);
    expect(lb.stats().strategy).toBe('onlyB');
  });

  it('hears of a large new list in one update, then of each new backend once', async () => {
    const a = await startBackend('a');
    const lists: string[][] = [];
    const weights: string[] = [];
    const strategy: Strategy = {
      name: 'recording',
      setBackends: (list) => lists.push(list.map((x) => String(x.id))),
      pick: () => a.backend,
      onRequestStart: () => {},
      onRequestEnd: () => {},
      setHealth: () => {},
      setWeight: (id, w) => weights.push(`${String(id)}=${w}`),
    };
    const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy }, [
      a.backend,
    ]);
    await lb.start();
    onCleanup(() => lb.stop());
    const many = Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, host: '127.0.0.1', port: 1 + i }));
    const added: string[] = [];
    lb.on('backendAdded', (s) => added.push(String(s.id)));
    void lb.setBackends([a.backend, ...many]);
    expect(lists).toEqual([['a'], ['a', ...many.map((b) => b.id)]]);
    expect(added).toEqual(many.map((b) => b.id));
    expect(weights).toEqual([]);
  });

  it('rejects an object that is not a strategy', () => {
    expect(() => new LoadBalancer({ strategy: { pick() {} } as never })).toThrow(
      expect.objectContaining({ code: 'LB_ERR_INVALID_STRATEGY' }),
    );
  });
});
