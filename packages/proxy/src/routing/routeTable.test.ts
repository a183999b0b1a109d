import { ConfigError } from '@lb/core';
import { describe, expect, it } from 'vitest';
import type { Route, RoutedRequest } from './route.js';
import { RouteTable } from './routeTable.js';

function request(
  over: Partial<Omit<RoutedRequest, 'header'>> & { headers?: Record<string, string> } = {},
): RoutedRequest {
  const headers = over.headers ?? {};
  return {
    method: over.method ?? 'GET',
    host: over.host ?? 'example.com',
    path: over.path ?? '/',
    header: (n) => headers[n],
  };
}

const table = new RouteTable([
  { match: { host: 'api.example.com', pathPrefix: '/v1' }, group: 'apiV1' },
  { match: { host: ['*.example.com'] }, group: 'tenants' },
  { match: { path: '/health', method: ['GET', 'HEAD'] }, group: 'health' },
  { match: { pathPrefix: '/ws', headers: { upgrade: 'websocket' } }, group: 'ws' },
  { match: { headers: { 'X-Beta': true } }, group: 'beta' },
  { group: 'web' },
]);

describe('RouteTable', () => {
  it.each([
    [{ host: 'API.example.com:8443', path: '/v1/users' }, 'apiV1'],
    [{ host: 'api.example.com', path: '/v10' }, 'tenants'],
    [{ host: 'a.b.example.com' }, 'tenants'],
    [{ host: 'example.com', path: '/health' }, 'health'],
    [{ method: 'POST', path: '/health' }, 'web'],
    [{ path: '/ws/chat', headers: { upgrade: 'websocket' } }, 'ws'],
    [{ path: '/ws/chat' }, 'web'],
    [{ headers: { 'x-beta': '' } }, 'beta'],
    [{ host: undefined }, 'web'],
  ])('first match wins: %j → %s', (over, group) => {
    expect(table.route(request(over))?.group).toBe(group);
  });

  it('matches a prefix on segment boundaries unless it ends with a slash', () => {
    const t = new RouteTable([
      { match: { pathPrefix: '/api' }, group: 'api' },
      { match: { pathPrefix: '/static/' }, group: 'static' },
    ]);
    expect([
      t.route(request({ path: '/api' }))?.group,
      t.route(request({ path: '/api/x' }))?.group,
      t.route(request({ path: '/apiary' }))?.group,
    ]).toEqual(['api', 'api', undefined]);
    expect(t.route(request({ path: '/static/a.css' }))?.group).toBe('static');
  });

  it('splits a weighted route by its weights', () => {
    let next = 0;
    const draws = [0, 0.94, 0.95, 0.999];
    const t = new RouteTable([{ groups: { stable: 95, canary: 5, off: 0 } }], () => draws[next++]!);
    expect(draws.map(() => t.route(request())?.group)).toEqual(['stable', 'stable', 'canary', 'canary']);
    expect(t.groupNames()).toEqual(new Set(['stable', 'canary', 'off']));
  });

  it('names the route that matched: its name, else its index', () => {
    const t = new RouteTable(
      [
        { name: 'api', match: { pathPrefix: '/api' }, group: 'api' },
        { match: { pathPrefix: '/static' }, group: 'static' },
        { name: 'site', groups: { stable: 1, canary: 1 } },
      ],
      () => 0.9,
    );
    expect(t.route(request({ path: '/api/x' }))).toEqual({ route: 'api', group: 'api' });
    expect(t.route(request({ path: '/static/x' }))).toEqual({ route: '1', group: 'static' });
    expect(t.route(request({ path: '/' }))).toEqual({ route: 'site', group: 'canary' });
    // The same answer object each time: a lookup allocates nothing.
    expect(t.route(request({ path: '/api' }))).toBe(t.route(request({ path: '/api/y' })));
  });

  it('returns undefined when nothing matches and there is no default', () => {
    expect(new RouteTable([{ match: { path: '/x' }, group: 'x' }]).route(request())).toBeUndefined();
  });

  it.each([
    [[{ match: { host: 'bad host' }, group: 'a' }], 'routes[0].match.host[0]'],
    [[{ match: { host: '*' }, group: 'a' }], 'routes[0].match.host[0]'],
    [[{ match: { path: 'x' }, group: 'a' }], 'routes[0].match.path'],
    [[{ match: { pathPrefx: '/x' }, group: 'a' }], 'routes[0].match.pathPrefx'],
    [[{ match: { method: 'get' }, group: 'a' }], 'routes[0].match.method'],
    [[{ group: 'a', groups: { b: 1 } }], 'routes[0]'],
    [[{}], 'routes[0]'],
    [[{ groups: { a: 0 } }], 'routes[0].groups'],
    [[{ groups: { a: -1 } }], 'routes[0].groups.a'],
    [[{ name: 'has space', group: 'a' }], 'routes[0].name'],
    [[{ name: '', group: 'a' }], 'routes[0].name'],
    [
      [
        { name: 'x', group: 'a' },
        { name: 'x', group: 'b' },
      ],
      'routes[1].name',
    ],
    // An unnamed route is '0': a later route may not take that name.
    [[{ group: 'a' }, { name: '0', group: 'b' }], 'routes[1].name'],
  ])('refuses an invalid route (%j) naming %s', (routes, field) => {
    try {
      new RouteTable(routes as unknown as Route[]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    }
  });

  it('refuses a misspelled route key with a hint', () => {
    expect(() => new RouteTable([{ nmae: 'x', group: 'a' } as unknown as Route])).toThrow(
      /Did you mean 'name'/,
    );
  });
});
