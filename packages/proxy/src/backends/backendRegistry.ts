import type { Backend, BackendHealth, BackendId, Strategy } from '@lb/core';
import { LbError } from '@lb/core';

/** A point-in-time view of one backend, as `LoadBalancer.backends` reports it. */
export interface BackendStatus {
  readonly id: BackendId;
  readonly host: string;
  readonly port: number;
  /** The configured weight. */
  readonly weight: number;
  /** The weight the strategy uses now (lower than `weight` during slow start). */
  readonly effectiveWeight: number;
  /** What the strategy sees: `down` when marked down or ejected, `draining` while draining. */
  readonly health: BackendHealth;
  /** Requests (and open tunnels) being served by this backend now. */
  readonly inFlight: number;
  /** Whether outlier detection has ejected it. */
  readonly ejected: boolean;
  /** Whether it is draining (takes no new requests). */
  readonly draining: boolean;
}

interface Entry {
  backend: Backend;
  weight: number;
  effectiveWeight: number;
  markedDown: boolean;
  failingChecks: boolean;
  ejected: boolean;
  draining: boolean;
  inFlight: number;
  drainWaiters: (() => void)[];
}

/**
 * The balancer's backend bookkeeping: membership, health signals (external, ejection, drain), weights and
 * in-flight counts, kept in step with the strategy. Removed backends leave the strategy at once; their
 * in-flight requests finish and are no longer reported to it.
 */
export class BackendRegistry {
  private readonly entries = new Map<BackendId, Entry>();

  constructor(private readonly strategy: Strategy) {}

  add(backend: Backend): void {
    if (this.entries.has(backend.id)) {
      throw new LbError('LB_ERR_DUPLICATE_BACKEND', `A backend with id ${String(backend.id)} already exists`);
    }
    const weight = backend.weight ?? 1;
    this.entries.set(backend.id, {
      backend: { ...backend, weight },
      weight,
      effectiveWeight: weight,
      markedDown: false,
      failingChecks: false,
      ejected: false,
      draining: false,
      inFlight: 0,
      drainWaiters: [],
    });
    this.sync();
  }

  /** Forgets `id`; resolves pending drains. Returns whether it was known. */
  remove(id: BackendId): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    this.sync();
    for (const resolve of entry.drainWaiters.splice(0)) resolve();
    return true;
  }

  has(id: BackendId): boolean {
    return this.entries.has(id);
  }

  get(id: BackendId): Backend | undefined {
    return this.entries.get(id)?.backend;
  }

  ids(): BackendId[] {
    return [...this.entries.keys()];
  }

  /** Health as the strategy sees it, or `undefined` for an unknown id. */
  health(id: BackendId): BackendHealth | undefined {
    const entry = this.entries.get(id);
    return entry === undefined ? undefined : effectiveHealth(entry);
  }

  /** Applies a change to the health inputs; returns the health before and after. */
  update(
    id: BackendId,
    change: Partial<Pick<Entry, 'markedDown' | 'failingChecks' | 'ejected' | 'draining'>>,
  ): { before: BackendHealth; after: BackendHealth } {
    const entry = this.mustGet(id);
    const before = effectiveHealth(entry);
    Object.assign(entry, change);
    const after = effectiveHealth(entry);
    if (after !== before) this.strategy.setHealth(id, after);
    return { before, after };
  }

  setWeight(id: BackendId, weight: number): void {
    const entry = this.mustGet(id);
    entry.weight = weight;
    this.setEffectiveWeight(id, weight);
  }

  /** Slow start: the strategy's weight for `id`, leaving the configured weight alone. */
  setEffectiveWeight(id: BackendId, weight: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    entry.effectiveWeight = weight;
    entry.backend = { ...entry.backend, weight };
    this.strategy.setWeight(id, weight);
  }

  configuredWeight(id: BackendId): number {
    return this.entries.get(id)?.weight ?? 0;
  }

  /** Counts a request to `backend`; returns `false` when the backend is no longer registered. */
  started(backend: Backend): boolean {
    const entry = this.entries.get(backend.id);
    if (entry === undefined) return false;
    entry.inFlight++;
    return true;
  }

  /** Uncounts a request; returns `false` when the backend was removed meanwhile. */
  ended(backend: Backend): boolean {
    const entry = this.entries.get(backend.id);
    if (entry === undefined) return false;
    entry.inFlight--;
    if (entry.inFlight === 0) for (const resolve of entry.drainWaiters.splice(0)) resolve();
    return true;
  }

  /** Resolves once `id` has no request in flight (or is removed). */
  whenIdle(id: BackendId): Promise<void> {
    const entry = this.mustGet(id);
    if (entry.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => entry.drainWaiters.push(resolve));
  }

  status(id: BackendId): BackendStatus | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    const { backend } = entry;
    return {
      id: backend.id,
      host: backend.host,
      port: backend.port,
      weight: entry.weight,
      effectiveWeight: entry.effectiveWeight,
      health: effectiveHealth(entry),
      inFlight: entry.inFlight,
      ejected: entry.ejected,
      draining: entry.draining,
    };
  }

  statuses(): BackendStatus[] {
    return this.ids().map((id) => this.status(id)!);
  }

  private mustGet(id: BackendId): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    return entry;
  }

  private sync(): void {
    this.strategy.setBackends([...this.entries.values()].map((e) => e.backend));
    for (const [id, entry] of this.entries) {
      const health = effectiveHealth(entry);
      if (health !== 'up') this.strategy.setHealth(id, health);
    }
  }
}

function effectiveHealth(entry: Entry): BackendHealth {
  if (entry.draining) return 'draining';
  return entry.markedDown || entry.failingChecks || entry.ejected ? 'down' : 'up';
}
