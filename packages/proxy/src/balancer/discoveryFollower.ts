import type { Backend, DiscoverySnapshot, DiscoverySource, TypedEventEmitter } from '@lb/core';
import { ConfigError, discoveredBackendId, LbError } from '@lb/core';
import type { BackendSet } from '../backends/backendSet.js';
import { activePriority } from '../backends/priorityTiers.js';
import { PrometheusWriter } from '../metrics/prometheusText.js';
import type { LoadBalancerEvents } from './loadBalancerEvents.js';

/**
 * Follows a discovery source for a balancer: each fresh snapshot becomes one `setBackends` call (new backends
 * slow-started, missing ones drained then removed); a stale one changes nothing. Of SRV-style priority tiers
 * only the lowest tier with a backend up gets traffic; the others stay in the set with weight 0, so health
 * checks keep probing them and they take over as soon as the active tier has no backend up.
 */
export class DiscoveryFollower {
  private unsubscribe: (() => void) | undefined;
  private latest: DiscoverySnapshot | undefined;
  /** Whether the last snapshot was stale: `lb_discovery_stale`. */
  stale = false;
  /** Fresh snapshots applied: `lb_discovery_updates_total`. */
  updates = 0;
  private reapplyQueued = false;
  private readonly onHealthChange = (): void => {
    // Only tiers depend on health; without them a re-apply would change nothing.
    if (this.reapplyQueued || !this.hasTiers()) return;
    // Coalesced, and out of the health change's own call stack, which may be inside `setBackends`.
    this.reapplyQueued = true;
    queueMicrotask(() => {
      this.reapplyQueued = false;
      if (this.unsubscribe !== undefined) this.apply();
    });
  };

  constructor(
    private readonly source: DiscoverySource,
    private readonly set: BackendSet,
    private readonly events: TypedEventEmitter<LoadBalancerEvents>,
    /** The group the source fills, named in its events. */
    readonly group: string,
    /** The `group` label of its metrics; `undefined` for a balancer without `groups`, as its backend series. */
    readonly label: string | undefined,
  ) {}

  /** Subscribes to the source and starts following health changes for the tiers. */
  start(): void {
    this.events.on('backendUp', this.onHealthChange);
    this.events.on('backendDown', this.onHealthChange);
    this.unsubscribe = this.source.subscribe({
      snapshot: (snapshot) => this.receive(snapshot),
      error: (error) => this.events.emit('discoveryError', error, this.group),
    });
  }

  /** Unsubscribes; backends already applied stay as they are. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.events.off('backendUp', this.onHealthChange);
    this.events.off('backendDown', this.onHealthChange);
  }

  private receive(snapshot: DiscoverySnapshot): void {
    this.stale = snapshot.stale;
    if (snapshot.stale) {
      // Never applied: a stale snapshot is at best the set already in place, and must not empty it.
      const error =
        snapshot.error ?? new LbError('LB_ERR_DISCOVERY_FAILED', `${this.source.description}: stale`);
      this.events.emit('discoveryStale', error, snapshot, this.group);
      return;
    }
    this.latest = snapshot;
    this.updates++;
    this.apply();
    this.events.emit('discoveryUpdated', snapshot, this.group);
  }

  private apply(): void {
    const snapshot = this.latest;
    if (snapshot === undefined) return;
    const tiers = snapshot.backends.map((b) => ({
      priority: b.priority ?? 0,
      up: this.set.get(discoveredBackendId(b))?.up ?? true,
    }));
    const active = activePriority(tiers);
    const backends: Backend[] = snapshot.backends.map((b) => ({
      id: discoveredBackendId(b),
      host: b.host,
      port: b.port,
      weight: (b.priority ?? 0) === active ? (b.weight ?? 1) : 0,
    }));
    try {
      this.set.setBackends(backends).catch((err: unknown) => this.fail(err));
    } catch (err) {
      this.fail(err);
    }
  }

  private hasTiers(): boolean {
    const first = this.latest?.backends[0]?.priority ?? 0;
    return this.latest?.backends.some((b) => (b.priority ?? 0) !== first) ?? false;
  }

  /** Reports a snapshot `setBackends` refused (an invalid list), or a listener that threw while it ran. */
  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof ConfigError ? 'LB_ERR_DISCOVERY_INVALID' : 'LB_ERR_DISCOVERY_FAILED';
    const error = new LbError(code, `${this.source.description}: ${message}`, { cause: err });
    this.events.emit('discoveryError', error, this.group);
  }
}

/** `lb_discovery_stale` and `lb_discovery_updates_total`, one series per followed source; empty without one. */
export function discoveryMetrics(followers: readonly DiscoveryFollower[]): string {
  if (followers.length === 0) return '';
  const labels = (f: DiscoveryFollower) => (f.label === undefined ? undefined : { group: f.label });
  const out = new PrometheusWriter().family(
    'lb_discovery_stale',
    'gauge',
    '1 while the discovery source cannot refresh and the last set is kept.',
  );
  for (const f of followers) out.sample('lb_discovery_stale', labels(f), f.stale ? 1 : 0);
  out.family('lb_discovery_updates_total', 'counter', 'Fresh discovery snapshots applied.');
  for (const f of followers) out.sample('lb_discovery_updates_total', labels(f), f.updates);
  return out.toString();
}
