import type { Server, Socket } from 'node:net';
import { type Backend, type ClusterConfig, ConfigError, LbError } from '@lb/core';
import { fail } from '@lb/core/internal';
import type { AccessLog } from '../accessLog/accessLog.js';
import { ClientListener } from '../downstream/clientListener.js';
import type { DownstreamExchange } from '../downstream/downstreamExchange.js';
import {
  defaultMaxConcurrentStreams,
  Http2Ingress,
  type Http2Limits,
} from '../downstream/http2/http2Ingress.js';
import { SlotList } from '../downstream/slotList.js';
import { GrpcMetrics } from '../metrics/grpcMetrics.js';
import { Http2Metrics } from '../metrics/http2Metrics.js';
import type { LoadBalancerConfig } from '../options/balancerOptions.js';
import type { BackendGroupConfig } from '../options/groupOptions.js';
import { resolveProxyOptions } from '../options/resolveOptions.js';
import { createProxyHooks } from '../router/createProxyHooks.js';
import type { ProxyHooks } from '../router/proxyHooks.js';
import { type Dispatch, type Refusal, RequestEntry } from '../router/requestEntry.js';
import { normalizePath } from '../routing/normalizePath.js';
import type { Route, RouteHit } from '../routing/route.js';
import { RouteTable } from '../routing/routeTable.js';
import type { UpstreamConnectionObserver } from '../upstream/upstreamClient.js';
import { UpstreamDispatcher } from '../upstream/upstreamDispatcher.js';
import type { BackendGroup } from './backendGroup.js';
import { BalancerBase } from './balancerBase.js';
import type { LoadBalancerStats } from './loadBalancerStats.js';

/**
 * An HTTP/1.1 reverse proxy and load balancer: keep-alive pools to every backend (HTTP/1.1, or HTTP/2 to
 * `h2c`/`h2` backends), strict framing, hop-by-hop
 * and forwarding headers per RFC 9110, WebSocket and `Upgrade` tunnels, timeouts, safe retries under a budget,
 * passive and active health, drain, dynamic backends, optional TLS termination, and Prometheus metrics.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({ loadBalancerPort: 3000, strategy: 'leastConnections' }, [
 *   { id: 'a', host: '127.0.0.1', port: 8081 },
 *   { id: 'b', host: '127.0.0.1', port: 8082 },
 * ]);
 * lb.on('backendDown', (b) => console.warn(`backend ${b.id} is down`));
 * await lb.start();
 * // …
 * await lb.stop();
 * ```
 */
export class LoadBalancer extends BalancerBase<Server, HttpGroupTransport> {
  /** Every accepted socket, until it closes (a `SlotList`: see there why not a `Set`). */
  private readonly sockets = new SlotList<Socket>();
  private readonly entry: RequestEntry;
  private listener: ClientListener | undefined;
  /** HTTP/2's own counters; `undefined` (no series) without the `http2` option. */
  private readonly http2Metrics: Http2Metrics | undefined;
  /** Replaced whole by `setRoutes`; a request reads it once. */
  private routes: RouteTable | undefined;
  private readonly isStopping = (): boolean => this.closing;

  constructor(config: LoadBalancerConfig | ClusterConfig, backends: readonly Backend[] = []) {
    super(config, 'LoadBalancer', resolveProxyOptions, httpGroupTransport, backends);
    const routes = (config as LoadBalancerConfig).routes;
    if (routes !== undefined) this.routes = this.compileRoutes(routes);
    else if (!this.groups.has('default') && this.groups.size > 1) {
      fail(
        'LB_ERR_INVALID_OPTION',
        'routes',
        'are needed to choose among several groups without a default one',
        undefined,
      );
    }
    this.entry = new RequestEntry(
      this.options,
      (exchange, group) => this.choose(exchange, group),
      this.isStopping,
      (err) => this.emitError(err),
      this.accessLog,
      this.metricsRegistry,
    );
    this.http2Metrics = this.options.http2 ? new Http2Metrics() : undefined;
  }

  protected override protocolMetrics(): string {
    const grpc = [...this.groups.values()].flatMap((g) => g.transport.hooks.grpcMetrics ?? []);
    return (this.http2Metrics?.prometheus() ?? '') + (grpc.length > 0 ? GrpcMetrics.prometheus(grpc) : '');
  }

  /**
   * Replaces every route at once: requests that arrive from now on are routed by `routes`; requests in flight
   * finish where they were sent. Every group a route names must exist.
   *
   * @throws {ConfigError} for an invalid route or an unknown group; the routes in effect stay.
   */
  setRoutes(routes: readonly Route[]): void {
    this.routes = this.compileRoutes(routes);
  }

  /**
   * Adds a backend group, or replaces the one of that name, at once: new requests go to the new group, while
   * those in flight finish on the old one, whose backends then drain and whose connections close.
   *
   * @throws {ConfigError} for invalid group options; nothing changes then.
   */
  setGroup(name: string, config: BackendGroupConfig): void {
    this.replaceGroup(name, config);
  }

  protected override groupRetired(group: BackendGroup<HttpGroupTransport>): void {
    group.transport.upstream.close();
  }

  private compileRoutes(routes: readonly Route[]): RouteTable {
    const table = new RouteTable(routes);
    for (const name of table.groupNames()) {
      if (!this.groups.has(name)) {
        throw new ConfigError(
          'LB_ERR_UNKNOWN_GROUP',
          'routes',
          `A route names the group '${name}', which does not exist.`,
        );
      }
    }
    return table;
  }

  private choose(exchange: DownstreamExchange, picked?: string): Dispatch | Refusal {
    if (picked !== undefined) {
      const group = this.groups.get(picked);
      if (group !== undefined) return group.transport.unrouted;
      // An onRequest hook named a group that does not exist: a bug in the hook, reported as its throw would be.
      this.emitError(
        new LbError('LB_ERR_UNKNOWN_GROUP', `onRequest picked the group '${picked}', which does not exist`),
      );
      return hookFailed;
    }
    const routes = this.routes;
    if (routes === undefined) {
      const only = this.groups.get('default') ?? this.groups.values().next().value;
      return only === undefined ? noRoute : only.transport.unrouted;
    }
    const hit = routeOf(routes, exchange);
    if (hit === undefined) return noRoute;
    if (hit === badPath) return badRequest;
    const group = this.groups.get(hit.group);
    return group === undefined ? noRoute : { hooks: group.transport.hooks, route: hit.route };
  }

  /** Starts listening (and the admin server when `adminPort` is set); resolves once the port is bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The load balancer is already started');
    const { headersTimeout, requestTimeout, keepAliveTimeout, maxHeaderSize, tls } = this.options;
    const { maxHeaderCount, allowTrace, underscoreHeaders } = this.options;
    const limits = {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout,
      maxHeaderSize,
      maxHeaderCount,
      allowTrace,
      underscoreHeaders,
    };
    const listener = new ClientListener(
      limits,
      tls,
      this.entry,
      this.isStopping,
      this.options.proxyProtocol,
      this.http2Ingress(limits),
    );
    this.listener = listener;
    const server = listener.server;
    this.server = server;
    server.on('connection', (socket: Socket) => this.track(socket));
    server.on('error', (err) => this.emitError(err));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(
          new LbError('LB_ERR_LISTEN_FAILED', `Cannot listen on port ${this.options.port}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      server.once('error', onError);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    await this.startServices();
  }

  /** The HTTP/2 side when the `http2` option is on: its streams enter the same request path. */
  private http2Ingress(limits: Omit<Http2Limits, 'maxConcurrentStreams'>): Http2Ingress | undefined {
    const metrics = this.http2Metrics;
    if (metrics === undefined) return undefined;
    const { entry, isStopping } = this;
    return new Http2Ingress(
      { ...limits, maxConcurrentStreams: defaultMaxConcurrentStreams },
      {
        get stopping() {
          return isStopping();
        },
        onRequest: (exchange) => {
          metrics.requests++;
          entry.onRequest(exchange);
        },
        sessionChanged: (opened) => {
          if (opened) {
            metrics.sessions++;
            metrics.activeSessions++;
          } else metrics.activeSessions--;
        },
        sessionRefused: (reason) => metrics.sessionRefused(reason),
      },
    );
  }

  /** A JSON snapshot of counters, backends and pools. */
  stats(): LoadBalancerStats {
    const groups = [...this.groups.values()];
    return {
      address: this.address,
      strategy: (this.groups.get('default') ?? groups[0])?.strategy.name ?? '',
      activeRequests: this.counters.active,
      requests: this.counters.total,
      retries: this.counters.retries,
      retriesInProgress: groups.reduce(
        (sum, group) => sum + (group.transport.hooks.budget?.inProgress ?? 0),
        0,
      ),
      peakRetriesInProgress: groups.reduce(
        (sum, group) => sum + (group.transport.hooks.budget?.peakInProgress ?? 0),
        0,
      ),
      noBackend: this.metricsRegistry.noBackend,
      backends: this.backends,
      pools: groups.flatMap((group) => group.transport.upstream.stats()),
      metrics: this.metricsRegistry.snapshot(),
    };
  }

  private track(socket: Socket): void {
    const slot = this.sockets.add(socket);
    this.metricsRegistry.clientConnected();
    socket.once('close', () => {
      this.sockets.delete(slot, socket);
      this.metricsRegistry.clientDisconnected();
    });
  }

  protected async closeConnections(timeout: number): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    if (server && listener) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      listener.closeIdle();
      await this.untilIdle(timeout);
      listener.closeAll();
      this.sockets.forEach((socket) => {
        socket.destroy();
      });
      await closed;
    }
    for (const group of this.groups.values()) group.transport.upstream.close();
  }
}

/** What an HTTP balancer keeps per backend group: its connection pool and its request path's hooks. */
interface HttpGroupTransport {
  readonly upstream: UpstreamDispatcher;
  readonly hooks: ProxyHooks;
  /** The group's dispatch when no route chose it, built once so the request path without routes allocates none. */
  readonly unrouted: Dispatch;
}

function httpGroupTransport(
  group: BackendGroup<HttpGroupTransport>,
  accessLog: AccessLog | undefined,
): HttpGroupTransport {
  const { options } = group;
  // gRPC arrives over HTTP/2 only; each group counts its own calls and the exposition sums them.
  const grpcMetrics = options.http2 ? new GrpcMetrics() : undefined;
  // Upstream connections are counted on the backend's own record, while it is in the group.
  const connections: UpstreamConnectionObserver = {
    opened: (id) => group.set.get(id)?.metrics.connectionOpened(),
    closed: (id) => group.set.get(id)?.metrics.connectionClosed(),
  };
  const upstream = new UpstreamDispatcher(
    {
      maxConnections: options.maxConnectionsPerBackend,
      maxIdleConnections: options.maxIdleConnectionsPerBackend,
      idleTimeout: options.upstreamIdleTimeout,
      tls: options.upstreamTls,
      protocol: options.upstreamProtocol,
      ping: options.upstreamPing,
    },
    connections,
  );
  group.set.observe({ backendRemoved: (record) => upstream.forget(record.id) });
  const hooks = createProxyHooks(
    options,
    upstream,
    connections,
    group.path,
    accessLog,
    group.name,
    grpcMetrics,
  );
  return { upstream, hooks, unrouted: { hooks, route: undefined } };
}

const noRoute: Refusal = { status: 404, message: 'No route matches this request' };
const hookFailed: Refusal = { status: 500, message: 'Internal Server Error' };
const badRequest: Refusal = { status: 400, message: 'Bad Request' };
/** A route lookup that found the path malformed (a bad percent escape). */
const badPath = Symbol('bad path');

function routeOf(routes: RouteTable, exchange: DownstreamExchange): RouteHit | typeof badPath | undefined {
  const path = normalizePath(exchange.url);
  if (path === undefined) return badPath;
  return routes.route({
    method: exchange.method,
    host: hostOf(exchange.rawHeaders),
    path,
    // The header object is built only for a route that matches on other fields than the host.
    header: (name) => exchange.headers[name],
  });
}

/** The `Host` value (the listener let exactly one through, or none for HTTP/1.0), read without building the map. */
function hostOf(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') return rawHeaders[i + 1];
  }
  return undefined;
}
