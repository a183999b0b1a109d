import { EventEmitter, once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import {
  type Backend,
  type BackendId,
  ClusterConfig,
  type ClusterConfigOptions,
  fail,
  LbError,
  type Strategy,
  type TypedEventEmitter,
  validateBackends,
} from '@lb/core';
import { createStrategy } from '@lb/strategies';
import { AdminServer } from '../admin/adminServer.js';
import { BackendRegistry, type BackendStatus } from '../backendRegistry.js';
import { BalancerResilience } from '../balancerResilience.js';
import type { LoadBalancerEvents } from '../loadBalancerEvents.js';
import { MetricsRegistry, type MetricsSnapshot } from '../metrics/metricsRegistry.js';
import { type ResolvedProxyOptions, resolveProxyOptions } from '../resolveOptions.js';
import { resolveStrategy } from '../resolveStrategy.js';
import { validatePlainOptions } from '../validatePlainOptions.js';
import { proxyTcpConnection } from './tcpSession.js';
import { TcpSessionAccounting } from './tcpSessionAccounting.js';

const Emitter = EventEmitter as unknown as new () => TypedEventEmitter<LoadBalancerEvents>;

/** A JSON snapshot of a TCP balancer, from {@link TcpLoadBalancer.stats}. */
export interface TcpLoadBalancerStats {
  readonly address: { host: string; port: number } | undefined;
  readonly strategy: string;
  /** Client connections open now (connecting or piping). */
  readonly activeConnections: number;
  /** Client connections accepted. */
  readonly connections: number;
  /** Connect retries on another backend. */
  readonly retries: number;
  /** Client connections closed because no backend could take them. */
  readonly noBackend: number;
  readonly backends: readonly BackendStatus[];
  /** Per-backend counters; latency quantiles are connection lengths. */
  readonly metrics: MetricsSnapshot;
}

/**
 * A layer-4 load balancer: balances raw TCP connections (databases, Redis, gRPC without TLS termination, …)
 * across backends with the same strategies, health checks, outlier detection and metrics as `LoadBalancer`.
 * One connection is one "request" for the strategy; a failed connect is retried on another backend; bytes are
 * piped both ways with backpressure and half-close passed on.
 *
 * @example
 * ```ts
 * const lb = new TcpLoadBalancer({ loadBalancerPort: 6379, strategy: 'leastConnections' }, [
 *   { id: 'a', host: '10.0.0.1', port: 6379 },
 *   { id: 'b', host: '10.0.0.2', port: 6379 },
 * ]);
 * await lb.start();
 * ```
 */
export class TcpLoadBalancer extends Emitter {
  /** The options in effect, defaults applied. Health checks default to `type: 'tcp'` here. */
  readonly options: ResolvedProxyOptions;
  private readonly strategy: Strategy;
  private readonly registry: BackendRegistry;
  private readonly registryMetrics = new MetricsRegistry();
  private readonly resilience: BalancerResilience;
  private readonly hooks: TcpSessionAccounting;
  private readonly clients = new Set<Socket>();
  private readonly idleWaiters: (() => void)[] = [];
  private server: Server | undefined;
  private admin: AdminServer | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: ClusterConfig | ClusterConfigOptions, backends: readonly Backend[] = []) {
    super();
    if (!(config instanceof ClusterConfig)) validatePlainOptions(config);
    const o: Readonly<ClusterConfigOptions> = config;
    if (o.tls !== undefined) {
      // Silently forwarding plaintext where the user asked for TLS would be a security hole.
      fail(
        'LB_ERR_INVALID_OPTION',
        'tls',
        'is not supported by TcpLoadBalancer: it forwards bytes unchanged, so terminate TLS at the backends',
        '…',
      );
    }
    validateBackends(backends);
    const resolved = resolveProxyOptions(config);
    const healthCheck = resolved.healthCheck && {
      ...resolved.healthCheck,
      type: o.healthCheck?.type ?? ('tcp' as const),
    };
    this.options = Object.freeze({ ...resolved, healthCheck });
    const { strategy } = this.options;
    this.strategy =
      typeof strategy === 'string' && o.panicThreshold !== undefined
        ? createStrategy(strategy, { panicThreshold: o.panicThreshold })
        : resolveStrategy(strategy);
    this.registry = new BackendRegistry(this.strategy);
    this.resilience = new BalancerResilience(this.options, this.registry, this.registryMetrics, this);
    this.hooks = new TcpSessionAccounting({
      options: this.options,
      idleTimeout: o.idleTimeout ?? 0,
      strategy: this.strategy,
      registry: this.registry,
      metrics: this.registryMetrics,
      resilience: this.resilience,
      events: this,
    });
    for (const backend of backends) this.addBackendQuietly(backend);
  }

  /** Starts listening (and the admin server when `adminPort` is set); resolves once bound. */
  async start(): Promise<void> {
    if (this.server) throw new LbError('LB_ERR_ALREADY_STARTED', 'The TCP load balancer is already started');
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) =>
      this.accept(client),
    );
    this.server = server;
    server.listen(this.options.port, this.options.host);
    try {
      await once(server, 'listening');
    } catch (cause) {
      this.server = undefined;
      const message = `Cannot listen on port ${this.options.port}: ${(cause as Error).message}`;
      throw new LbError('LB_ERR_LISTEN_FAILED', message, { cause });
    }
    server.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    if (this.options.adminPort !== undefined) {
      const admin = new AdminServer(
        { metrics: () => this.metrics(), status: () => this.stats(), healthy: () => this.healthy() },
        { host: this.options.adminHost, port: this.options.adminPort },
      );
      try {
        await admin.start();
      } catch (err) {
        // A half-started balancer would hold its port with nobody able to stop it.
        this.server = undefined;
        await new Promise<void>((resolve) => server.close(() => resolve()));
        throw err;
      }
      this.admin = admin;
    }
    await this.resilience.start();
  }

  /**
   * Stops gracefully: no new connections; open ones may finish for up to `timeout` milliseconds, then every
   * remaining one is closed.
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

  /** The bound address of the admin server, when `adminPort` is set and the balancer started. */
  get adminAddress(): { host: string; port: number } | undefined {
    return this.admin?.address;
  }

  /** Adds a backend; it takes connections at once (through slow start when configured). */
  addBackend(backend: Backend): void {
    validateBackends([...this.registry.ids().map((id) => this.registry.get(id)!), backend]);
    this.addBackendQuietly(backend);
    this.resilience.backendAdded(backend, true);
    this.emit('backendAdded', this.registry.status(backend.id)!);
  }

  /** Removes a backend at once: it gets no new connections; open ones continue until they close. */
  removeBackend(id: BackendId): void {
    const status = this.registry.status(id);
    if (status === undefined) throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    this.registry.remove(id);
    this.resilience.backendRemoved(id);
    this.emit('backendRemoved', status);
  }

  /** Stops sending new connections to `id`; resolves when its open connections have all closed. */
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
    this.resilience.setHealth(id, { markedDown: health === 'down' }, 'marked down');
  }

  /** A snapshot of every backend. */
  get backends(): readonly BackendStatus[] {
    return this.registry.statuses();
  }

  /** Whether at least one backend takes new connections. */
  healthy(): boolean {
    return this.registry.statuses().some((b) => b.health === 'up');
  }

  /** A JSON snapshot of counters and backends. */
  stats(): TcpLoadBalancerStats {
    this.resilience.refreshGauges();
    const metrics = this.registryMetrics.snapshot();
    return {
      address: this.address,
      strategy: this.strategy.name,
      activeConnections: metrics.activeClientConnections,
      connections: metrics.clientConnections,
      retries: this.hooks.retries,
      noBackend: metrics.noBackend,
      backends: this.backends,
      metrics,
    };
  }

  /** Metrics in the Prometheus text exposition format 0.0.4 (`docs/metrics.md`). */
  metrics(): string {
    this.resilience.refreshGauges();
    return this.registryMetrics.prometheus();
  }

  private addBackendQuietly(backend: Backend): void {
    this.registry.add(backend);
    this.registryMetrics.addBackend(backend.id).weight = backend.weight ?? 1;
    this.resilience.backendAdded(backend, false);
  }

  private accept(client: Socket): void {
    if (this.stopping) {
      client.destroy();
      return;
    }
    this.clients.add(client);
    this.registryMetrics.clientConnected();
    client.once('close', () => {
      this.clients.delete(client);
      this.registryMetrics.clientDisconnected();
      if (this.clients.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
    proxyTcpConnection(client, this.hooks);
  }

  private async shutdown(timeout: number): Promise<void> {
    const server = this.server;
    await this.resilience.stop();
    await this.admin?.stop();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.clients.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const client of this.clients) client.destroy();
    await closed;
  }
}
