import type { Backend, BackendId, Strategy, TypedEventEmitter } from '@lb/core';
import { BackendSet } from '../backends/backendSet.js';
import type { BackendStatus } from '../backends/backendStatus.js';
import { BalancerResilience } from '../backends/balancerResilience.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { ResolvedProxyOptions } from '../options/resolveOptions.js';
import type { RequestCounters } from '../router/requestCounters.js';
import { RequestPath } from '../router/requestPath.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';
import { resolveStrategy } from './resolveStrategy.js';

/** What a user can do with one backend group, from `lb.group(name)`; the balancer's own methods act on `default`. */
export interface BackendGroupView {
  /** The group's name; `undefined` for the single list of a balancer without `groups`. */
  readonly name: string | undefined;
  /** Adds a backend; it takes traffic at once (through slow start when configured). */
  addBackend(backend: Backend): void;
  /** Removes a backend at once: it gets no new traffic; what is in flight finishes. */
  removeBackend(id: BackendId): void;
  /** Makes the group's backends equal to `backends` in one step (see `LoadBalancer.setBackends`). */
  setBackends(backends: readonly Backend[]): Promise<void>;
  /** Stops new traffic to `id`; resolves when nothing is in flight to it. */
  drain(id: BackendId): Promise<void>;
  /** Changes a backend's configured weight. */
  setWeight(id: BackendId, weight: number): void;
  /** An external health signal, such as a cluster knowing its worker died. */
  setBackendHealth(id: BackendId, health: 'up' | 'down'): void;
  /** A snapshot of the group's backends. */
  readonly backends: readonly BackendStatus[];
  /** Whether at least one of its backends takes new traffic. */
  healthy(): boolean;
}

/**
 * One backend group: its strategy, its backends (one {@link BackendSet}), their health and the request path
 * that picks among them, plus what its transport keeps per group (`T`: the HTTP connection pool and hooks, or
 * the TCP session settings). A balancer with a single list of backends has one group; routes choose among
 * several.
 */
export class BackendGroup<T> implements BackendGroupView {
  readonly strategy: Strategy;
  readonly set: BackendSet;
  readonly resilience: BalancerResilience;
  readonly path: RequestPath;
  readonly transport: T;

  constructor(
    /** `undefined` for the implicit group of a balancer built with one list (its metrics carry no group label). */
    readonly name: string | undefined,
    readonly options: ResolvedProxyOptions,
    metrics: MetricsRegistry,
    counters: RequestCounters,
    events: TypedEventEmitter<LoadBalancerEvents>,
    createTransport: (group: BackendGroup<T>) => T,
  ) {
    this.strategy = resolveStrategy(options.strategy, options.panicThreshold);
    this.set = new BackendSet(this.strategy, metrics, events, name);
    this.resilience = new BalancerResilience(options, this.set, events);
    this.path = new RequestPath({
      strategy: this.strategy,
      backends: this.set,
      metrics,
      resilience: this.resilience,
      counters,
      events,
    });
    this.transport = createTransport(this);
  }

  addBackend(backend: Backend): void {
    this.set.add(backend);
  }

  removeBackend(id: BackendId): void {
    this.set.remove(id);
  }

  setBackends(backends: readonly Backend[]): Promise<void> {
    return this.set.setBackends(backends);
  }

  drain(id: BackendId): Promise<void> {
    return this.set.drain(id);
  }

  setWeight(id: BackendId, weight: number): void {
    this.set.setWeight(id, weight);
  }

  setBackendHealth(id: BackendId, health: 'up' | 'down'): void {
    this.set.mustGet(id);
    this.set.updateHealth(id, { markedDown: health === 'down' }, 'marked down');
  }

  get backends(): readonly BackendStatus[] {
    return this.set.statuses();
  }

  healthy(): boolean {
    for (const record of this.set.all()) if (record.up) return true;
    return false;
  }

  /** Retires the group after it was replaced or removed: its backends drain, then its checks stop. */
  async retire(): Promise<void> {
    await this.set.setBackends([]);
    this.resilience.stop();
  }
}
