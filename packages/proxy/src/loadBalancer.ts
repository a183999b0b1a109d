import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type Backend,
  type BackendId,
  ClusterConfig,
  type ClusterConfigOptions,
  LbError,
  type Strategy,
  type TypedEventEmitter,
  validateBackends,
} from '@lb/core';
import { AdminServer } from './admin/adminServer.js';
import { BackendRegistry, type BackendStatus } from './backendRegistry.js';
import { BalancerResilience } from './balancerResilience.js';
import { createProxyHooks, RequestCounters } from './createProxyHooks.js';
import { createListener } from './listener.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';
import type { LoadBalancerStats } from './loadBalancerStats.js';
import { MetricsRegistry } from './metrics/metricsRegistry.js';
import type { ProxyHooks } from './proxyHooks.js';
import { RequestEntry } from './requestEntry.js';
import { type ResolvedProxyOptions, resolveProxyOptions } from './resolveOptions.js';
import { resolveStrategy } from './resolveStrategy.js';
import { Http1Pool } from './upstream/http1Pool.js';
import { validatePlainOptions } from './validatePlainOptions.js';

const Emitter = EventEmitter as unknown as new () => TypedEventEmitter<LoadBalancerEvents>;

/**
 * An HTTP/1.1 reverse proxy and load balancer: keep-alive pools to every backend, strict framing, hop-by-hop
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
export class LoadBalancer extends Emitter {
  /** The options in effect, defaults applied. */
  readonly options: ResolvedProxyOptions;
  private readonly strategy: Strategy;
  private readonly registry: BackendRegistry;
  private readonly registryMetrics = new MetricsRegistry();
  private readonly upstream: Http1Pool;
  private readonly resilience: BalancerResilience;
  private readonly hooks: ProxyHooks;
  private readonly sockets = new Set<Duplex>();
  private readonly entry: RequestEntry;
  private server: Server | undefined;
  private admin: AdminServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly counters = new RequestCounters();

  constructor(config: ClusterConfig | ClusterConfigOptions, backends: readonly Backend[] = []) {
    super();
    if (!(config instanceof ClusterConfig)) validatePlainOptions(config);
    validateBackends(backends);
    this.options = resolveProxyOptions(config);
    this.strategy = resolveStrategy(this.options.strategy);
    this.registry = new BackendRegistry(this.strategy);
    this.upstream = new Http1Pool({
      maxConnections: this.options.maxConnectionsPerBackend,
      maxIdleConnections: this.options.maxIdleConnectionsPerBackend,
      idleTimeout: this.options.upstreamIdleTimeout,
    });
    this.resilience = new BalancerResilience(this.options, this.registry, this.registryMetrics, this);
    this.hooks = createProxyHooks({
      options: this.options,
      upstream: this.upstream,
      strategy: this.strategy,
      registry: this.registry,
      metrics: this.registryMetrics,
      resilience: this.resilience,
      counters: this.counters,
      events: this,
    });
    this.entry = new RequestEntry(this.hooks, () => this.stopping !== undefined);
    for (const backend of backends) this.addBackendQuietly(backend);
  }

  /** Starts listening; resolves once the port is bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The load balancer is already started');
    const server = createListener(this.options);
    this.server = server;
    server.on('request', (req, res) => this.entry.handleRequest(req, res));
    // Listening stops Node from answering 100 Continue itself: the backend decides (RFC 9110 §10.1.1).
    server.on('checkContinue', (req, res) => this.entry.handleRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.entry.handleUpgrade(req, socket, head));
    server.on('connection', (socket: Duplex) => this.track(socket));
    server.on('secureConnection', (socket: Duplex) => this.track(socket));
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
    await this.resilience.start();
    if (this.options.adminPort !== undefined) {
      const admin = new AdminServer(
        {
          metrics: () => this.metrics(),
          status: () => this.stats(),
          healthy: () => this.registry.statuses().some((b) => b.health === 'up'),
        },
        { host: this.options.adminHost, port: this.options.adminPort },
      );
      this.admin = admin;
      try {
        await admin.start();
      } catch (err) {
        this.admin = undefined;
        await this.stop({ timeout: 0 });
        throw err;
      }
    }
  }

  /**
   * Stops gracefully: no new connections, in-flight requests and tunnels may finish for up to `timeout`
   * milliseconds, then every remaining connection is closed.
   */
  stop(options: { timeout?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.timeout ?? 10_000);
    return this.stopping;
  }

  /** The bound address of the listener, once started. */
  get address(): { host: string; port: number } | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  /** The bound address of the admin server, when one is configured and started. */
  get adminAddress(): { host: string; port: number } | undefined {
    return this.admin?.address;
  }

  /** The admin server, when `adminPort` is set and the balancer started; its `route()` adds or replaces pages. */
  get adminServer(): AdminServer | undefined {
    return this.admin;
  }

  /** Adds a backend; it takes traffic at once (through slow start when configured). */
  addBackend(backend: Backend): void {
    validateBackends([...this.registry.ids().map((id) => this.registry.get(id)!), backend]);
    this.addBackendQuietly(backend);
    this.resilience.backendAdded(backend, true);
    this.emit('backendAdded', this.registry.status(backend.id)!);
  }

  /** Removes a backend at once: it gets no new requests; requests in flight finish. */
  removeBackend(id: BackendId): void {
    const status = this.registry.status(id);
    if (status === undefined) throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    this.registry.remove(id);
    this.resilience.backendRemoved(id);
    this.upstream.forget(id);
    this.emit('backendRemoved', status);
  }

  /** Stops sending new requests to `id`; resolves when its in-flight count reaches 0. It stays listed until removed. */
  drain(id: BackendId): Promise<void> {
    const { before } = this.registry.update(id, { draining: true });
    if (before !== 'draining') this.emit('backendDraining', this.registry.status(id)!);
    return this.registry.whenIdle(id);
  }

  /** Changes a backend's weight. */
  setWeight(id: BackendId, weight: number): void {
    validateBackends([{ id, host: 'weight-check', port: 1, weight }]);
    this.resilience.setWeight(id, weight);
  }

  /** An external health signal, such as a cluster knowing its worker died. */
  setBackendHealth(id: BackendId, health: 'up' | 'down'): void {
    if (!this.registry.has(id))
      throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    this.resilience.setHealth(id, { markedDown: health === 'down' }, 'marked down');
  }

  /** A snapshot of every backend. */
  get backends(): readonly BackendStatus[] {
    return this.registry.statuses();
  }

  /** A JSON snapshot of counters, backends and pools. */
  stats(): LoadBalancerStats {
    this.resilience.refreshGauges();
    return {
      address: this.address,
      strategy: this.strategy.name,
      activeRequests: this.counters.active,
      requests: this.counters.total,
      retries: this.counters.retries,
      noBackend: this.registryMetrics.noBackend,
      backends: this.backends,
      pools: this.upstream.stats(),
      metrics: this.registryMetrics.snapshot(),
    };
  }

  /** Metrics in the Prometheus text exposition format 0.0.4. */
  metrics(): string {
    this.resilience.refreshGauges();
    return this.registryMetrics.prometheus();
  }

  private addBackendQuietly(backend: Backend): void {
    this.registry.add(backend);
    this.registryMetrics.addBackend(backend.id).weight = backend.weight ?? 1;
    this.resilience.backendAdded(backend, false);
  }

  private track(socket: Duplex): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    this.registryMetrics.clientConnected();
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.registryMetrics.clientDisconnected();
    });
  }

  private emitError(err: Error): void {
    // `error` is optional: without a listener EventEmitter would throw and take the process down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private async shutdown(timeout: number): Promise<void> {
    const server = this.server;
    await this.resilience.stop();
    await this.admin?.stop();
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (this.counters.active > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.counters.whenIdle(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeout);
          }),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    this.upstream.close();
  }
}
