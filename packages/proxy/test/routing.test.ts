import type { Backend } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigError, LoadBalancer, type LoadBalancerConfig } from '../src/index.js';
import { cleanup, onCleanup, raw, send, startBackend, until } from './helpers.js';

afterEach(cleanup);

/** A backend that answers with its own name, optionally holding each answer until `hold` resolves. */
async function named(name: string, hold?: () => Promise<void>): Promise<Backend> {
  const b = await startBackend(name, (req, res) => {
    req.resume();
    void (hold?.() ?? Promise.resolve()).then(() => res.end(name));
  });
  return b.backend;
}

async function balancer(config: LoadBalancerConfig, backends: Backend[] = []) {
  const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1', ...config }, backends);
  await lb.start();
  onCleanup(() => lb.stop({ timeout: 100 }));
  return { lb, port: lb.address!.port };
}

const answer = async (port: number, path = '/', headers: Record<string, string> = {}) => {
  const reply = await send(port, { path, headers });
  return `${reply.status} ${reply.body.trim()}`;
};

describe('routes to backend groups', () => {
  it('sends each request to the first route that matches: host, wildcard host, path prefix, default', async () => {
    const { port } = await balancer({
      groups: {
        api: { backends: [await named('api')] },
        tenants: { backends: [await named('tenants')], strategy: 'leastConnections' },
        web: { backends: [await named('web')] },
      },
      routes: [
        { match: { host: 'api.example.com' }, group: 'api' },
        { match: { host: '*.example.com', pathPrefix: '/app' }, group: 'tenants' },
        { match: { pathPrefix: '/api' }, group: 'api' },
        { group: 'web' },
      ],
    });
    expect(await answer(port, '/', { host: 'API.example.com:8080' })).toBe('200 api');
    expect(await answer(port, '/app/x', { host: 'acme.example.com' })).toBe('200 tenants');
    expect(await answer(port, '/apps', { host: 'acme.example.com' })).toBe('200 web');
    expect(await answer(port, '/x/../api/v1', { host: 'other.test' })).toBe('200 api');
    expect(await answer(port, '/', { host: 'other.test' })).toBe('200 web');
  });

  it('answers 404 with a clear body when no route matches, for requests and upgrades alike', async () => {
    const { port } = await balancer({
      groups: { api: { backends: [await named('api')] } },
      routes: [{ match: { pathPrefix: '/api' }, group: 'api' }],
    });
    expect(await answer(port, '/nothing')).toBe('404 No route matches this request');
    const upgrade = await raw(
      port,
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 404 /);
    expect(upgrade).toContain('No route matches this request');
  });

  it('splits a weighted route across groups', async () => {
    const { port } = await balancer({
      groups: {
        stable: { backends: [await named('stable')] },
        canary: { backends: [await named('canary')] },
      },
      routes: [{ groups: { stable: 1, canary: 1 } }],
    });
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(await answer(port));
    expect(seen).toEqual(new Set(['200 stable', '200 canary']));
  });

  it('keeps the single list as the default group, beside named groups, with group labels on their metrics', async () => {
    const a = await named('a');
    const { lb, port } = await balancer(
      {
        groups: { api: { backends: [{ ...(await named('api-a')), id: 'a' }] } },
        routes: [{ match: { pathPrefix: '/api' }, group: 'api' }, { group: 'default' }],
      },
      [a],
    );
    expect(await answer(port, '/api')).toBe('200 api-a');
    expect(await answer(port, '/')).toBe('200 a');
    const text = lb.metrics();
    expect(text).toContain('lb_backend_requests_total{group="api",backend="a",code_class="2xx"} 1');
    expect(text).toContain('lb_backend_requests_total{group="default",backend="a",code_class="2xx"} 1');
    expect(lb.backends.map((b) => `${b.group}/${b.id}`)).toEqual(['default/a', 'api/a']);
    expect(lb.group('api').backends.map((b) => b.id)).toEqual(['a']);
  });

  it('replaces routes at run time; a request in flight finishes where it was sent', async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { lb, port } = await balancer({
      groups: {
        blue: { backends: [await named('blue', () => held)] },
        green: { backends: [await named('green')] },
      },
      routes: [{ group: 'blue' }],
    });
    const inFlight = answer(port);
    await until(() => lb.group('blue').backends[0]!.inFlight === 1);
    lb.setRoutes([{ group: 'green' }]);
    expect(await answer(port)).toBe('200 green');
    release();
    expect(await inFlight).toBe('200 blue');
  });

  it('replaces a group at run time: new requests use the new one, the old one drains and goes away', async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { lb, port } = await balancer({
      groups: { api: { backends: [await named('v1', () => held)] } },
      routes: [{ group: 'api' }],
    });
    const removed: string[] = [];
    lb.on('backendRemoved', (b) => removed.push(`${b.group}/${b.id}`));
    const inFlight = answer(port);
    await until(() => lb.group('api').backends[0]!.inFlight === 1);
    lb.setGroup('api', { backends: [await named('v2')], retries: false });
    expect(await answer(port)).toBe('200 v2');
    expect(removed).toEqual([]);
    release();
    expect(await inFlight).toBe('200 v1');
    await until(() => removed.length === 1);
    expect(lb.backends.map((b) => b.id)).toEqual(['v2']);
  });

  it('refuses configurations that cannot route, naming what to fix', async () => {
    const api = await named('api');
    const refusal = (fn: () => unknown): ConfigError => {
      try {
        fn();
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('accepted');
    };
    const base = { loadBalancerPort: 0 };
    expect(
      refusal(
        () => new LoadBalancer({ ...base, groups: { api: { backends: [api] } }, routes: [{ group: 'web' }] }),
      ).code,
    ).toBe('LB_ERR_UNKNOWN_GROUP');
    expect(refusal(() => new LoadBalancer({ ...base, groups: { a: {}, b: {} } })).field).toBe('routes');
    expect(refusal(() => new LoadBalancer({ ...base, groups: { a: { tls: {} } as never } })).field).toBe(
      'groups.a.tls',
    );
    expect(refusal(() => new LoadBalancer({ ...base, groups: { 'bad name': {} } })).field).toBe(
      'groups.bad name',
    );
    expect(refusal(() => new LoadBalancer({ ...base, groups: { default: {} } }, [api])).field).toBe(
      'groups.default',
    );
    const lb = new LoadBalancer({ ...base, groups: { api: {} } });
    expect(refusal(() => lb.group('web')).code).toBe('LB_ERR_UNKNOWN_GROUP');
    expect(refusal(() => lb.addBackend(api)).code).toBe('LB_ERR_UNKNOWN_GROUP');
    expect(refusal(() => lb.setRoutes([{ group: 'nope' }])).code).toBe('LB_ERR_UNKNOWN_GROUP');
  });
});
