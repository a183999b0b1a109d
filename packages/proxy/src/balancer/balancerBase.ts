import { EventEmitter } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import type { Backend, BackendId, ClusterConfig, Strategy, TypedEventEmitter } from '@lb/core';
import { type AdminProvider, AdminServer } from '../admin/adminServer.js';
import { BackendSet } from '../backends/backendSet.js';
import type { BackendStatus } from '../backends/backendStatus.js';
import { BalancerResilience } from '../backends/balancerResilience.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { type LoadBalancerConfig, validateBalancerOptions } from '../options/balancerOptions.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import { RequestCounters } from '../router/requestCounters.js';
import { RequestPath } from '../router/requestPath.js';
import { DiscoveryFollower } from './discoveryFollower.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';
import { resolveStrategy } from './resolveStrategy.js';

const Emitter = EventEmitter as unknown as new () => TypedEventEmitter<LoadBalancerEvents>;

/**
 * What the HTTP and TCP balancers share: the backend set and its run-time changes, health and resilience, the
 * admin server and the stop sequence. Subclasses own the listener and what a connection does.
 */
export abstract class BalancerBase<S extends Server> extends Emitter {
  /** The options in effect, defaults applied. */
  readonly options: ResolvedProxyOptions;
  protected readonly strategy: Strategy;
  protected readonly metricsRegistry = new MetricsRegistry();
  /** The one owner of every backend's state. */
  protected readonly set: BackendSet;
  protected readonly resilience: BalancerResilience;
  protected readonly counters = new RequestCounters();
  /** Picking and accounting, shared by HTTP requests and TCP connections. */
  protected readonly path: RequestPath;
  protected server: S | undefined;
  protected stopping: Promise<void> | undefined;
  private admin: AdminServer | undefined;
  private readonly discovery: DiscoveryFollower | undefined;

  protected constructor(
    config: LoadBalancerConfig | ClusterConfig,
    kind: 'LoadBalancer' | 'TcpLoadBalancer',
    resolve: (config: LoadBalancerConfig) => ResolvedProxyOptions,
  ) {
    super();
    const validated = validateBalancerOptions(config, kind);
    this.options = resolve(validated);
    this.strategy = resolveStrategy(this.options.strategy, this.options.panicThreshold);
    this.set = new BackendSet(this.strategy, this.metricsRegistry, this);
    this.resilience = new BalancerResilience(this.options, this.set, this);
    this.path = new RequestPath({
      strategy: this.strategy,
      backends: this.set,
      metrics: this.metricsRegistry,
      resilience: this.resilience,
      counters: this.counters,
      events: this,
    });
    const source = validated.discovery;
    this.discovery = source === undefined ? undefined : new DiscoveryFollower(source, this.set, this);
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
    this.set.add(backend);
  }

  /** Removes a backend at once: it gets no new traffic; what is in flight finishes. */
  removeBackend(id: BackendId): void {
    this.set.remove(id);
  }

  /**
   * Makes the backends equal to `backends` in one step, the way a discovery source or a deploy script would:
   * new ones are added (through slow start when configured), changed weights applied, and the ones left out
   * drained, then removed once what they have in flight has finished. A backend whose address changed under the
   * same id is replaced; a draining backend that is listed again takes traffic again. Every change is one
   * event. Resolves when every backend left out has been removed.
   *
   * @throws {ConfigError} when the list is invalid (duplicate ids, bad weights); nothing changes then.
   */
  setBackends(backends: readonly Backend[]): Promise<void> {
    return this.set.setBackends(backends);
  }

  /** Stops sending new traffic to `id`; resolves when nothing is in flight to it. It stays listed until removed. */
  drain(id: BackendId): Promise<void> {
    return this.set.drain(id);
  }

  /** Changes a backend's weight. */
  setWeight(id: BackendId, weight: number): void {
    this.set.setWeight(id, weight);
  }

  /** An external health signal, such as a cluster knowing its worker died. */
  setBackendHealth(id: BackendId, health: 'up' | 'down'): void {
    this.set.mustGet(id);
    this.set.updateHealth(id, { markedDown: health === 'down' }, 'marked down');
  }

  /** A snapshot of every backend. */
  get backends(): readonly BackendStatus[] {
    return this.set.statuses();
  }

  /** Whether at least one backend takes new traffic. */
  healthy(): boolean {
    for (const record of this.set.all()) if (record.up) return true;
    return false;
  }

  /** Metrics in the Prometheus text exposition format 0.0.4 (`docs/metrics.md`). */
  metrics(): string {
    return this.metricsRegistry.prometheus() + (this.discovery?.prometheus() ?? '');
  }

  /** The JSON snapshot served at the admin server's `/status`. */
  abstract stats(): unknown;

  /** Closes the listener (if started) and every connection, waiting up to `timeout` for work in flight. */
  protected abstract closeConnections(timeout: number): Promise<void>;

  /** Adds the backends a balancer is built with, without events or slow start. */
  protected addInitialBackends(backends: readonly Backend[]): void {
    for (const backend of backends) this.set.add(backend, false);
  }

  /**
   * Starts health checks, the `discovery` source and, when `adminPort` is set, the admin server; undoes the
   * start if that fails.
   */
  protected async startServices(): Promise<void> {
    this.resilience.start();
    this.discovery?.start();
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
      this.discovery?.stop();
      this.resilience.stop();
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

  private async shutdown(timeout: number): Promise<void> {
    this.discovery?.stop();
    this.resilience.stop();
    await this.admin?.stop();
    await this.closeConnections(timeout);
  }
}
