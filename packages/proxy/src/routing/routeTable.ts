import { assertKnownKeys, fail } from '@lb/core/internal';
import type { Route, RoutedRequest, RouteHit, RouteMatch } from './route.js';

/** A compiled match: `host` is the request's host name, port dropped and lower-cased once per lookup. */
type RouteTest = (request: RoutedRequest, host: string | undefined) => boolean;

interface CompiledRoute {
  readonly test: RouteTest;
  /**
   * Cheap necessary conditions, checked before `test` so most routes are passed over without a call: the first
   * path segment the route needs, and the exact host names it takes (`undefined`: no such condition).
   */
  readonly segment: string | undefined;
  readonly hosts: ReadonlySet<string> | undefined;
  /** Whether `test` reads the host name, so a table without host matches never computes it. */
  readonly readsHost: boolean;
  /** Groups with their cumulative weights, for a weighted pick; one entry for a plain `group`. */
  readonly groups: readonly string[];
  /** One answer per group, built once so a lookup allocates nothing. */
  readonly hits: readonly RouteHit[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

const hostPattern =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

const routeKeys: ReadonlySet<string> = new Set([
  'name',
  'match',
  'group',
  'groups',
] satisfies (keyof Route)[]);
const routeName = /^[A-Za-z0-9_.:-]{1,64}$/;

const list = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

function hostOnly(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.lastIndexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

function compileHost(value: RouteMatch['host'], field: string): ((host: string) => boolean) | undefined {
  if (value === undefined) return undefined;
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const [i, raw] of list(value).entries()) {
    const name = typeof raw === 'string' ? raw.toLowerCase() : '';
    if (!hostPattern.test(name)) {
      fail(
        'LB_ERR_INVALID_OPTION',
        `${field}[${i}]`,
        "must be a host name such as 'api.example.com' or '*.example.com'",
        raw,
      );
    }
    if (name.startsWith('*.')) suffixes.push(name.slice(1));
    else exact.add(name);
  }
  return (host) => {
    if (exact.has(host)) return true;
    for (const suffix of suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return true;
    return false;
  };
}

/** The first segment of a normalised path (`api` of `/api/users`, `''` of `/`). */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

/**
 * The first path segment every request a match takes must have: a `path` or a `pathPrefix` other than `/` fix
 * it (`/static/` and `/api` both end their first segment where the request's must end).
 */
function requiredSegment(match: RouteMatch | undefined): string | undefined {
  if (typeof match?.path === 'string') return firstSegment(match.path);
  const prefix = match?.pathPrefix;
  if (typeof prefix !== 'string' || prefix === '/') return undefined;
  return firstSegment(prefix);
}

/** The host names of a match that lists only exact names; `undefined` when it has none or a wildcard. */
function exactHosts(match: RouteMatch | undefined): ReadonlySet<string> | undefined {
  if (match?.host === undefined) return undefined;
  const names = list(match.host).map((name) => String(name).toLowerCase());
  return names.some((name) => name.startsWith('*.')) ? undefined : new Set(names);
}

function compilePrefix(prefix: string): (path: string) => boolean {
  if (prefix.endsWith('/')) return (path) => path.startsWith(prefix);
  return (path) => path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 0x2f);
}

function assertPath(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith('/'))
    fail('LB_ERR_INVALID_OPTION', field, "must be a path starting with '/'", value);
  return value;
}

function compileMatch(match: RouteMatch | undefined, field: string): RouteTest {
  if (match === undefined) return () => true;
  if (typeof match !== 'object' || match === null)
    fail('LB_ERR_INVALID_OPTION', field, 'must be an object', match);
  const known = new Set(['host', 'path', 'pathPrefix', 'method', 'headers']);
  for (const key of Object.keys(match)) {
    if (!known.has(key))
      fail(
        'LB_ERR_INVALID_OPTION',
        `${field}.${key}`,
        `is not a match field (use ${[...known].join(', ')})`,
        key,
      );
  }
  const tests: RouteTest[] = [];
  const hostTest = compileHost(match.host, `${field}.host`);
  if (hostTest) tests.push((_r, host) => host !== undefined && hostTest(host));
  if (match.path !== undefined) {
    const path = assertPath(match.path, `${field}.path`);
    tests.push((r) => r.path === path);
  }
  if (match.pathPrefix !== undefined) {
    const prefix = compilePrefix(assertPath(match.pathPrefix, `${field}.pathPrefix`));
    tests.push((r) => prefix(r.path));
  }
  if (match.method !== undefined) {
    const methods = new Set(list(match.method));
    for (const m of methods)
      if (typeof m !== 'string' || !/^[A-Z]+$/.test(m))
        fail('LB_ERR_INVALID_OPTION', `${field}.method`, 'must be upper-case method names', m);
    tests.push((r) => methods.has(r.method));
  }
  for (const [name, expected] of Object.entries(match.headers ?? {})) {
    const lower = name.toLowerCase();
    const allowed = expected === true ? undefined : new Set(list(expected));
    tests.push((r) => {
      const value = r.header(lower);
      if (value === undefined) return false;
      if (allowed === undefined) return true;
      return list(value).some((v) => allowed.has(v));
    });
  }
  if (tests.length === 1) return tests[0]!;
  return (request, host) => {
    for (const test of tests) if (!test(request, host)) return false;
    return true;
  };
}

function compileTargets(route: Route, field: string): Pick<CompiledRoute, 'groups' | 'cumulative' | 'total'> {
  if ((route.group === undefined) === (route.groups === undefined)) {
    fail('LB_ERR_INVALID_OPTION', field, 'needs exactly one of group or groups', route);
  }
  if (route.group !== undefined) {
    if (typeof route.group !== 'string' || route.group === '')
      fail('LB_ERR_INVALID_OPTION', `${field}.group`, 'must name a group', route.group);
    return { groups: [route.group], cumulative: [1], total: 1 };
  }
  const groups: string[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [name, weight] of Object.entries(route.groups ?? {})) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      fail(
        'LB_ERR_INVALID_OPTION',
        `${field}.groups.${name}`,
        'must be a finite weight of 0 or more',
        weight,
      );
    }
    total += weight;
    groups.push(name);
    cumulative.push(total);
  }
  if (total <= 0)
    fail(
      'LB_ERR_INVALID_OPTION',
      `${field}.groups`,
      'needs at least one group with a weight above 0',
      route.groups,
    );
  return { groups, cumulative, total };
}

/**
 * Routes compiled once for the request path: {@link RouteTable.route} tries them in order and the first that
 * matches names the group (picked by weight for a split route). Invalid routes throw a `ConfigError` naming
 * the field, when the table is built.
 */
export class RouteTable {
  private readonly routes: readonly CompiledRoute[];
  private readonly readsHost: boolean;
  private readonly readsSegment: boolean;

  constructor(
    routes: readonly Route[],
    private readonly random: () => number = Math.random,
  ) {
    if (!Array.isArray(routes)) fail('LB_ERR_INVALID_OPTION', 'routes', 'must be a list of routes', routes);
    const names = new Set<string>();
    this.routes = routes.map((route, i) => {
      const field = `routes[${i}]`;
      if (typeof route !== 'object' || route === null)
        fail('LB_ERR_INVALID_OPTION', field, 'must be an object', route);
      assertKnownKeys(route, routeKeys, `Route ${field}`);
      const name = route.name ?? String(i);
      if (typeof name !== 'string' || !routeName.test(name))
        fail(
          'LB_ERR_INVALID_OPTION',
          `${field}.name`,
          'must be letters, digits, _, ., : or - (at most 64)',
          route.name,
        );
      // An unnamed route is known by its index, so a name may not take another route's index either.
      if (names.has(name))
        fail('LB_ERR_INVALID_OPTION', `${field}.name`, `names the route '${name}' twice`, route.name ?? i);
      names.add(name);
      const targets = compileTargets(route, field);
      const hits = targets.groups.map((group) => ({ route: name, group }));
      const readsHost = route.match?.host !== undefined;
      const test = compileMatch(route.match, `${field}.match`);
      const segment = requiredSegment(route.match);
      const hosts = exactHosts(route.match);
      return { test, readsHost, segment, hosts, ...targets, hits };
    });
    this.readsHost = this.routes.some((route) => route.readsHost);
    this.readsSegment = this.routes.some((route) => route.segment !== undefined);
  }

  /** Every group a route can send to, for checking them against the configured groups. */
  groupNames(): Set<string> {
    return new Set(this.routes.flatMap((r) => r.groups));
  }

  /** The route that takes `request` and the group it chose, or `undefined` when no route matches. */
  route(request: RoutedRequest): RouteHit | undefined {
    const raw = request.host;
    const host = raw === undefined || !this.readsHost ? undefined : hostOnly(raw);
    const segment = this.readsSegment ? firstSegment(request.path) : undefined;
    for (const route of this.routes) {
      if (route.segment !== undefined && route.segment !== segment) continue;
      if (route.hosts !== undefined && (host === undefined || !route.hosts.has(host))) continue;
      if (!route.test(request, host)) continue;
      if (route.hits.length === 1) return route.hits[0];
      const at = this.random() * route.total;
      for (let i = 0; i < route.hits.length; i++) if (at < route.cumulative[i]!) return route.hits[i];
      return route.hits[route.hits.length - 1];
    }
    return undefined;
  }
}
