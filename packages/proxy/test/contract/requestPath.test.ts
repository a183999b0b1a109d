import type { Backend, BackendId, LbError, PickContext, Strategy } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testStrategy, until } from '../helpers.js';
import { type AnyBalancer, closeTransportBackends, http, type Transport, tcp } from './transports.js';

const balancers: AnyBalancer[] = [];

afterEach(async () => {
  await Promise.all(balancers.splice(0).map((lb) => lb.stop({ timeout: 100 })));
  await closeTransportBackends();
});

async function start(
  transport: Transport,
  backends: readonly Backend[],
  strategy: Strategy = testStrategy(),
  retries: false | { attempts: number } = false,
): Promise<{ lb: AnyBalancer; port: number }> {
  const lb = transport.createBalancer(
    { loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', strategy, retries },
    backends,
  );
  balancers.push(lb);
  await lb.start();
  return { lb, port: lb.address!.port };
}

/** A strategy that throws from `pick` while `broken` is set, and counts the calls it gets. */
function flakyStrategy(): Strategy & { broken: boolean; starts: BackendId[]; ends: BackendId[] } {
  const inner = testStrategy();
  const starts: BackendId[] = [];
  const ends: BackendId[] = [];
  return {
    ...inner,
    name: 'flaky',
    broken: true,
    starts,
    ends,
    pick(this: { broken: boolean }, context?: PickContext) {
      if (this.broken) throw new TypeError('strategy bug');
      return inner.pick(context);
    },
    onRequestStart: (backend) => starts.push(backend.id),
    onRequestEnd: (backend) => ends.push(backend.id),
  };
}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each([http, tcp])('the request path contract ($name)', (transport) => {
  it('a strategy that throws costs one request or connection and an error event, never the process', async () => {
    const strategy = flakyStrategy();
    const { lb, port } = await start(transport, [await transport.startBackend('a')], strategy);
    const errors: Error[] = [];
    lb.on('error', (err) => errors.push(err));
    expect(await transport.roundTrip(port)).toBeUndefined();
    expect(errors.map((e) => e.message)).toEqual(['strategy bug']);
    expect(metricValue(lb.metrics(), 'lb_no_backend_total')).toBe(1);
    strategy.broken = false;
    expect(await transport.roundTrip(port)).toBe('a');
  });

  it('a strategy that throws with no error listener still costs only that request', async () => {
    const strategy = flakyStrategy();
    const { port } = await start(transport, [await transport.startBackend('a')], strategy);
    expect(await transport.roundTrip(port)).toBeUndefined();
    strategy.broken = false;
    expect(await transport.roundTrip(port)).toBe('a');
  });

  it('accounts every attempt once: the strategy, the in-flight count and the counters return to rest', async () => {
    const strategy = flakyStrategy();
    strategy.broken = false;
    const { lb, port } = await start(
      transport,
      [await transport.startBackend('a'), await transport.startBackend('b')],
      strategy,
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => transport.roundTrip(port)));
    expect(answers.sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    await until(() => strategy.ends.length === 6);
    expect(strategy.starts.sort()).toEqual(strategy.ends.sort());
    expect(lb.backends.map((b) => b.inFlight)).toEqual([0, 0]);
    await until(() => metricValue(lb.metrics(), 'lb_backend_active_requests{backend="a"}') === 0);
  });

  it('a refused connect is retried on another backend and reported once, with its kind and backend', async () => {
    const dead = await transport.startBackend('dead');
    await closeTransportBackends();
    const { lb, port } = await start(transport, [dead, await transport.startBackend('a')], testStrategy(), {
      attempts: 1,
    });
    const errors: [LbError, BackendId | undefined][] = [];
    lb.on('proxyError', (err, backend) => errors.push([err, backend?.id]));
    expect(await transport.roundTrip(port)).toBe('a');
    expect(errors.map(([err, id]) => [err.code, id])).toEqual([['LB_ERR_UPSTREAM_CONNECT', 'dead']]);
    const text = lb.metrics();
    expect(metricValue(text, 'lb_backend_errors_total{backend="dead",kind="connect"}')).toBe(1);
    expect(metricValue(text, 'lb_backend_retries_total{backend="dead"}')).toBe(1);
  });

  it('no backend: refused, counted and reported without a backend', async () => {
    const { lb, port } = await start(transport, [await transport.startBackend('a')]);
    lb.setBackendHealth('a', 'down');
    const errors: [string, BackendId | undefined][] = [];
    lb.on('proxyError', (err, backend) => errors.push([err.code, backend?.id]));
    expect(await transport.roundTrip(port)).toBeUndefined();
    expect(errors).toEqual([['LB_ERR_NO_HEALTHY_BACKEND', undefined]]);
    expect(metricValue(lb.metrics(), 'lb_no_backend_total')).toBe(1);
  });

  it('setBackends drains a backend left out: what it has in flight finishes, new traffic goes to the new set', async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const old = await transport.startBackend('old', () => held);
    const fresh = await transport.startBackend('new');
    const { lb, port } = await start(transport, [old]);
    const events: string[] = [];
    for (const event of ['backendAdded', 'backendDraining', 'backendRemoved'] as const) {
      lb.on(event, (b) => events.push(`${event} ${String(b.id)}`));
    }
    const inFlight = transport.roundTrip(port);
    await until(() => lb.backends[0]!.inFlight === 1);
    const replaced = lb.setBackends([fresh]);
    expect(lb.backends.map((b) => [b.id, b.health])).toEqual([
      ['old', 'draining'],
      ['new', 'up'],
    ]);
    expect(await transport.roundTrip(port)).toBe('new');
    expect(events).toEqual(['backendDraining old', 'backendAdded new']);
    release();
    expect(await inFlight).toBe('old');
    await replaced;
    expect(events).toEqual(['backendDraining old', 'backendAdded new', 'backendRemoved old']);
    expect(lb.backends.map((b) => b.id)).toEqual(['new']);
  });
});
