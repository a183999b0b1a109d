import { EventEmitter } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
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
import { type AdminProvider, AdminServer } from './admin/adminServer.js';
import { BackendRegistry, type BackendStatus } from './backendRegistry.js';
import { BalancerResilience } from './balancerResilience.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';
import { MetricsRegistry } from './metrics/metricsRegistry.js';
import type { ResolvedProxyOptions } from './resolveOptions.js';
import { resolveStrategy } from './resolveStrategy.js';
import { validatePlainOptions } from './validatePlainOptions.js';

const Emitter = EventEmitter as unknown as new () => TypedEventEmitter<LoadBalancerEvents>;

/**
 * What the HTTP and TCP balancers share: the backend set and its run-time changes, health and resilience, the
 * admin server and the stop sequence. Subclasses own the listener and what a connection does.
 */
export abstract class BalancerBase<S extends Server> extends Emitter {
  /** The options in effect, defaults applied. */
  readonly options: ResolvedProxyOptions;
  protected readonly strategy: Strategy;
  protected readonly registry: BackendRegistry;
  protected readonly registryMetrics = new MetricsRegistry();
  protected readonly resilience: BalancerResilience;
  protected server: S | undefined;
  protected stopping: Promise<void> | undefined;
  private admin: AdminServer | undefined;

  protected constructor(
    config: ClusterConfig | ClusterConfigOptions,
    resolve: (config: ClusterConfig | ClusterConfigOptions) => ResolvedProxyOptions,
  ) {
    super();
    if (!(config instanceof ClusterConfig)) validatePlainOptions(config);
    this.options = resolve(config);
    this.strategy = resolveStrategy(this.options.strategy, this.options.panicThreshold);
    this.registry = new BackendRegistry(this.strategy);
    this.resilience = new BalancerResilience(this.options, this.registry, this.registryMetrics, this);
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

  /** The admin server, when `adminPort` is set and the balancer started; its `route()` adds or replaces pages. */
  get adminServer(): AdminServer | undefined {
    return this.admin;
  }

  /**
   * Stops gracefully: no new connections; requests, tunnels and connections in flight may finish for up to
   * `timeout` milliseconds, then every remaining connection is closed.
   */
  stop(options: { timeout?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.timeout ?? 10_000);
    return this.stopping;
  }

  /** Adds a backend; it takes traffic at once (through slow start when configured). */
  addBackend(backend: Backend): void {
    validateBackends([...this.registry.ids().map((id) => this.registry.get(id)!), backend]);
    this.addBackendQuietly(backend);
    this.resilience.backendAdded(backend, true);
    this.emit('backendAdded', this.registry.status(backend.id)!);
  }

  /** Removes a backend at once: it gets no new traffic; what is in flight finishes. */
  removeBackend(id: BackendId): void {
    const status = this.statusOf(id);
    this.registry.remove(id);
    this.resilience.backendRemoved(id);
    this.backendRemoved(id);
    this.emit('backendRemoved', status);
  }

  /** Stops sending new traffic to `id`; resolves when nothing is in flight to it. It stays listed until removed. */
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
    this.statusOf(id);
    this.resilience.setHealth(id, { markedDown: health === 'down' }, 'marked down');
  }

  /** A snapshot of every backend. */
  get backends(): readonly BackendStatus[] {
    return this.registry.statuses();
  }

  /** Whether at least one backend takes new traffic. */
  healthy(): boolean {
    return this.registry.statuses().some((b) => b.health === 'up');
  }

  /** Metrics in the Prometheus text exposition format 0.0.4 (`docs/metrics.md`). */
  metrics(): string {
    this.resilience.refreshGauges();
    return this.registryMetrics.prometheus();
  }

  /** The JSON snapshot served at the admin server's `/status`. */
  abstract stats(): unknown;

  /** Closes the listener (if started) and every connection, waiting up to `timeout` for work in flight. */
  protected abstract closeConnections(timeout: number): Promise<void>;

  /** Lets a subclass forget what it keeps per backend (connection pools). */
  protected backendRemoved(_id: BackendId): void {}

  protected addBackendQuietly(backend: Backend): void {
    this.registry.add(backend);
    this.registryMetrics.addBackend(backend.id, backend.metricsName).weight = backend.weight ?? 1;
    this.resilience.backendAdded(backend, false);
  }

  /** Starts health checks and, when `adminPort` is set, the admin server; undoes the start if that fails. */
  protected async startServices(): Promise<void> {
    await this.resilience.start();
    if (this.options.adminPort === undefined) return;
    const provider: AdminProvider = {
      metrics: () => this.metrics(),
      status: () => this.stats(),
      healthy: () => this.healthy(),
    };
    const admin = new AdminServer(provider, { host: this.options.adminHost, port: this.options.adminPort });
    try {
      await admin.start();
    } catch (err) {
      // A half-started balancer would hold its port with nobody able to stop it; unwind so start() can retry.
      await this.resilience.stop();
      const server = this.server;
      this.server = undefined;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    this.admin = admin;
  }

  protected emitError(err: Error): void {
    // `error` is optional: without a listener EventEmitter would throw and take the process down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private statusOf(id: BackendId): BackendStatus {
    const status = this.registry.status(id);
    if (status === undefined) throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    return status;
  }

  private async shutdown(timeout: number): Promise<void> {
    await this.resilience.stop();
    await this.admin?.stop();
    await this.closeConnections(timeout);
  }
}
