import { EventEmitter } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import {
  type Backend,
  type BackendId,
  type ClusterConfig,
  type DiscoverySource,
  LbError,
  type TypedEventEmitter,
} from '@lb/core';
import { assertNumber, fail, validateBackends } from '@lb/core/internal';
import { AccessLog } from '../accessLog/accessLog.js';
import { type AdminProvider, AdminServer } from '../admin/adminServer.js';
import type { BackendStatus } from '../backends/backendStatus.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { PrometheusWriter } from '../metrics/prometheusText.js';
import { type LoadBalancerConfig, validateBalancerOptions } from '../options/balancerOptions.js';
import { type BackendGroupConfig, validateGroupConfig } from '../options/groupOptions.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import { RequestCounters } from '../router/requestCounters.js';
import { backendDashboardRows, logBackendEvents } from './backendDashboard.js';
import { BackendGroup, type BackendGroupView } from './backendGroup.js';
import { DiscoveryFollower, discoveryMetrics } from './discoveryFollower.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';

const Emitter = EventEmitter as unknown as new () => TypedEventEmitter<LoadBalancerEvents>;

/** The longest delay a Node.js timer keeps (about 24.8 days). */
const maxTimerDelay = 2 ** 31 - 1;

/** The name of the group the balancer's own backend list and methods act on. */
const defaultGroup = 'default';

/**
 * What the HTTP and TCP balancers share: the backend groups (one for a single list) and their run-time changes,
 * health and resilience, the admin server and the stop sequence. Subclasses own the listener, what a
 * connection does, and what their transport keeps per group (`T`).
 */
export abstract class BalancerBase<S extends Server, T> extends Emitter {
  /** The options in effect, defaults applied. */
  readonly options: ResolvedProxyOptions;
  protected readonly metricsRegistry = new MetricsRegistry();
  protected readonly counters = new RequestCounters();
  /** Every group by name; the single list of a balancer without `groups` is `default`. */
  protected readonly groups = new Map<string, BackendGroup<T>>();
  protected server: S | undefined;
  /** Set when `stop()` is called: from then on the balancer is not ready. */
  protected stopping: Promise<void> | undefined;
  /** Set once a stop no longer accepts (after its `drainDelay`): new connections are refused, responses close theirs. */
  protected closing = false;
  /** Set when the `accessLog` option is; each group's request path writes to it. */
  protected readonly accessLog: AccessLog | undefined;
  private admin: AdminServer | undefined;
  /** Removes the listeners that feed the admin dashboard's event log. */
  private unlogEvents: (() => void) | undefined;
  private readonly config: LoadBalancerConfig;
  /** The discovery source each group follows, by group name: the balancer's own `discovery` fills `default`. */
  private readonly followers = new Map<string, DiscoveryFollower>();

  protected constructor(
    config: LoadBalancerConfig | ClusterConfig,
    kind: 'LoadBalancer' | 'TcpLoadBalancer',
    private readonly resolve: (config: LoadBalancerConfig) => ResolvedProxyOptions,
    private readonly createTransport: (group: BackendGroup<T>, accessLog: AccessLog | undefined) => T,
    backends: readonly Backend[],
  ) {
    super();
    this.config = validateBalancerOptions(config, kind);
    validateBackends(backends);
    this.options = resolve(this.config);
    const log = this.config.accessLog;
    this.accessLog = log === undefined ? undefined : new AccessLog(log, (err) => this.emitError(err));
    const named = this.config.groups;
    const source = this.config.discovery;
    // A discovery source fills the `default` group, which it creates beside named groups.
    if (named === undefined || backends.length > 0 || source !== undefined) {
      if (named?.[defaultGroup] !== undefined) {
        fail(
          'LB_ERR_INVALID_OPTION',
          'groups.default',
          'is taken by the backend list or discovery source given to the balancer: put those backends in it instead',
          '…',
        );
      }
      this.groups.set(defaultGroup, this.createGroup(named === undefined ? undefined : defaultGroup, {}));
      this.addInitialBackends(this.groups.get(defaultGroup)!, backends);
    }
    for (const [name, group] of Object.entries(named ?? {})) {
      const created = this.createGroup(name, group);
      this.groups.set(name, created);
      this.addInitialBackends(created, group.backends ?? []);
      if (group.discovery !== undefined) this.follow(created, name, group.discovery);
    }
    if (source !== undefined) this.follow(this.groups.get(defaultGroup)!, defaultGroup, source);
  }

  /** Makes `group` follow `source` (not yet started). */
  private follow(group: BackendGroup<T>, name: string, source: DiscoverySource): DiscoveryFollower {
    const follower = new DiscoveryFollower(source, group.set, this, name, group.name);
    this.followers.set(name, follower);
    return follower;
  }

  private stopFollowers(): void {
    for (const follower of this.followers.values()) follower.stop();
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
   * Stops gracefully. At once, the admin `/readyz` answers 503; for `drainDelay` milliseconds the balancer keeps
   * accepting and serving, so whatever routes by that readiness (a Kubernetes Service) can catch up; then no new
   * connections, and requests, tunnels and connections in flight may finish for up to `timeout` milliseconds,
   * after which every remaining connection is closed. A second call returns the first one's promise.
   *
   * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for a negative or non-finite `timeout` or `drainDelay`.
   */
  stop(options: { timeout?: number; drainDelay?: number } = {}): Promise<void> {
    const timeout = assertNumber(options.timeout ?? 10_000, 'timeout');
    const drainDelay = assertNumber(options.drainDelay ?? 0, 'drainDelay');
    // Node fires a longer timer at once: a typo in the unit would skip the delay silently.
    if (drainDelay > maxTimerDelay) {
      fail('LB_ERR_INVALID_OPTION', 'drainDelay', `must be at most ${maxTimerDelay} ms`, drainDelay);
    }
    this.stopping ??= this.shutdown(timeout, drainDelay);
    return this.stopping;
  }

  /**
   * One backend group by name (`default` is the balancer's own list), to change its backends; throws
   * `LB_ERR_UNKNOWN_GROUP` for a name no group has.
   */
  group(name: string): BackendGroupView {
    const group = this.groups.get(name);
    if (group === undefined) {
      const known = [...this.groups.keys()].join(', ') || 'none';
      throw new LbError('LB_ERR_UNKNOWN_GROUP', `No backend group named '${name}' (groups: ${known})`);
    }
    return group;
  }

  /** Adds a backend to the `default` group; it takes traffic at once (through slow start when configured). */
  addBackend(backend: Backend): void {
    this.group(defaultGroup).addBackend(backend);
  }

  /** Removes a backend of the `default` group at once: it gets no new traffic; what is in flight finishes. */
  removeBackend(id: BackendId): void {
    this.group(defaultGroup).removeBackend(id);
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
    return this.group(defaultGroup).setBackends(backends);
  }

  /** Stops sending new traffic to `id` (of the `default` group); resolves when nothing is in flight to it. */
  drain(id: BackendId): Promise<void> {
    return this.group(defaultGroup).drain(id);
  }

  /** Changes the weight of a backend of the `default` group. */
  setWeight(id: BackendId, weight: number): void {
    this.group(defaultGroup).setWeight(id, weight);
  }

  /** An external health signal for a backend of the `default` group, such as a cluster knowing its worker died. */
  setBackendHealth(id: BackendId, health: 'up' | 'down'): void {
    this.group(defaultGroup).setBackendHealth(id, health);
  }

  /** A snapshot of every backend of every group. */
  get backends(): readonly BackendStatus[] {
    return [...this.groups.values()].flatMap((group) => group.backends);
  }

  /** Whether at least one backend of some group takes new traffic. */
  healthy(): boolean {
    for (const group of this.groups.values()) if (group.healthy()) return true;
    return false;
  }

  /** Metrics in the Prometheus text exposition format 0.0.4 (`docs/metrics.md`). */
  metrics(): string {
    return (
      this.metricsRegistry.prometheus() +
      this.protocolMetrics() +
      discoveryMetrics([...this.followers.values()]) +
      this.accessLogMetrics()
    );
  }

  /** Series of a client protocol the balancer serves besides its own (HTTP/2); none by default. */
  protected protocolMetrics(): string {
    return '';
  }

  /** `lb_access_log_dropped_total`, only when there is an access log: no series is better than a false zero. */
  private accessLogMetrics(): string {
    if (this.accessLog === undefined) return '';
    const out = new PrometheusWriter();
    out.family(
      'lb_access_log_dropped_total',
      'counter',
      'Access-log lines dropped: the stream was behind or failed.',
    );
    out.sample('lb_access_log_dropped_total', undefined, this.accessLog.dropped);
    return out.toString();
  }

  /** The JSON snapshot served at the admin server's `/status`. */
  abstract stats(): unknown;

  /** Resolves once no request, tunnel or TCP connection is in flight, or after `timeout` ms. */
  protected async untilIdle(timeout: number): Promise<void> {
    if (this.counters.active === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.counters.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeout);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Closes the listener (if started) and every connection, waiting up to `timeout` for work in flight. */
  protected abstract closeConnections(timeout: number): Promise<void>;

  /**
   * Adds a group, or replaces the one of that name: the new one takes new requests at once, while the old one's
   * in-flight requests finish on it and its backends drain. Returns the group that was replaced, if any.
   */
  protected replaceGroup(name: string, config: BackendGroupConfig): BackendGroup<T> | undefined {
    validateGroupConfig(name, config);
    const created = this.createGroup(name, config);
    this.addInitialBackends(created, config.backends ?? []);
    if (this.server !== undefined) created.resilience.start();
    const old = this.groups.get(name);
    this.groups.set(name, created);
    // The old group's source stops with it; the new one's starts at once on a running balancer.
    this.followers.get(name)?.stop();
    this.followers.delete(name);
    if (config.discovery !== undefined) {
      const follower = this.follow(created, name, config.discovery);
      if (this.server !== undefined && this.stopping === undefined) follower.start();
    }
    if (old !== undefined) void old.retire().then(() => this.groupRetired(old));
    return old;
  }

  /** Lets a subclass release what its transport keeps for a group that was replaced and has drained. */
  protected groupRetired(_group: BackendGroup<T>): void {}

  private createGroup(name: string | undefined, config: BackendGroupConfig): BackendGroup<T> {
    const { backends: _backends, discovery: _discovery, ...own } = config;
    const { groups: _groups, routes: _routes, discovery: _source, ...top } = this.config;
    const options =
      name === undefined || Object.keys(own).length === 0 ? this.options : this.resolve({ ...top, ...own });
    return new BackendGroup(name, options, this.metricsRegistry, this.counters, this, (group) =>
      this.createTransport(group, this.accessLog),
    );
  }

  /** Adds the backends a group is built with, without events or slow start. */
  private addInitialBackends(group: BackendGroup<T>, backends: readonly Backend[]): void {
    group.set.addAll(backends, false);
  }

  /**
   * Starts health checks, the `discovery` source and, when `adminPort` is set, the admin server; undoes the
   * start if that fails.
   */
  protected async startServices(): Promise<void> {
    for (const group of this.groups.values()) group.resilience.start();
    for (const follower of this.followers.values()) follower.start();
    if (this.options.adminPort === undefined) return;
    const provider: AdminProvider = {
      metrics: () => this.metrics(),
      status: () => this.stats(),
      healthy: () => this.healthy(),
      // The admin server starts after the listener, so only stopping remains to check.
      ready: () => this.stopping === undefined && this.healthy(),
      dashboardRows: () => backendDashboardRows(this.backends, this.metricsRegistry.snapshot().backends),
    };
    const admin = new AdminServer(provider, { host: this.options.adminHost, port: this.options.adminPort });
    try {
      await admin.start();
    } catch (err) {
      // A half-started balancer would hold its port with nobody able to stop it; unwind so start() can retry.
      this.stopFollowers();
      for (const group of this.groups.values()) group.resilience.stop();
      const server = this.server;
      this.server = undefined;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    this.admin = admin;
    this.unlogEvents = logBackendEvents(this, admin.dashboard.events);
  }

  /**
   * Writes this balancer's backend events (down, up, ejected, readmitted, drained, added, removed) into the
   * dashboard event log of an admin server it does not own, such as a cluster's. Returns a function that stops.
   */
  logEventsTo(admin: AdminServer): () => void {
    return logBackendEvents(this, admin.dashboard.events);
  }

  protected emitError(err: Error): void {
    // `error` is optional: without a listener EventEmitter would throw and take the process down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private async shutdown(timeout: number, drainDelay: number): Promise<void> {
    if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay));
    this.closing = true;
    this.stopFollowers();
    for (const group of this.groups.values()) group.resilience.stop();
    this.unlogEvents?.();
    this.unlogEvents = undefined;
    await this.closeConnections(timeout);
    // After the drain: `/readyz` says 503 and `/livez` 200 for all of it.
    await this.admin?.stop();
    // Last, so the lines of requests that finished while draining are written too.
    await this.accessLog?.close();
  }
}
