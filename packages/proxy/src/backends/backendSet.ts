import type { Backend, BackendHealth, BackendId, Strategy, TypedEventEmitter } from '@lb/core';
import { fail, LbError, validateBackends } from '@lb/core';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { sameUpstreamTls } from '../protocol/tls/sameUpstreamTls.js';
import type { BackendEvents } from './backendEvents.js';
import { BackendRecord, type HealthInputs } from './backendRecord.js';
import type { BackendStatus } from './backendStatus.js';

/** What follows the membership of a backend set: health checks, outlier detection, slow start, pools. */
export interface BackendSetObserver {
  /** `atRunTime` is false for the backends a balancer was built with (no slow start for those). */
  backendAdded?(record: BackendRecord, atRunTime: boolean): void;
  backendRemoved?(record: BackendRecord): void;
  /** A backend went from down (or draining) back to up. */
  backendUp?(record: BackendRecord): void;
}

/**
 * The one owner of a balancer's backends: one {@link BackendRecord} per backend, and the only writer of the
 * strategy's view of them. Adding, removing, draining, re-weighting or a health change is one call here; it
 * updates the record, tells the strategy and the observers, and emits one event per change.
 */
export class BackendSet {
  private readonly records = new Map<BackendId, BackendRecord>();
  private readonly observers: BackendSetObserver[] = [];

  constructor(
    private readonly strategy: Strategy,
    private readonly metrics: MetricsRegistry,
    private readonly events: TypedEventEmitter<BackendEvents>,
    /** The group these backends form, for labels and statuses; absent for a balancer's single list. */
    readonly group?: string,
  ) {}

  /** Registers an observer; it hears of every later change. */
  observe(observer: BackendSetObserver): void {
    this.observers.push(observer);
  }

  get(id: BackendId): BackendRecord | undefined {
    return this.records.get(id);
  }

  has(id: BackendId): boolean {
    return this.records.has(id);
  }

  /** Every record, in the order the backends were added. */
  all(): IterableIterator<BackendRecord> {
    return this.records.values();
  }

  statuses(): BackendStatus[] {
    return [...this.records.values()].map((r) => r.status());
  }

  /** The record of `id`, or an `LB_ERR_UNKNOWN_BACKEND` error. */
  mustGet(id: BackendId): BackendRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new LbError('LB_ERR_UNKNOWN_BACKEND', `No backend with id ${String(id)}`);
    return record;
  }

  /**
   * Adds a backend. At run time it is announced (`backendAdded`) and ramps up through slow start when
   * configured; the backends a balancer is built with are added quietly.
   */
  add(backend: Backend, atRunTime = true): BackendRecord {
    validateBackends([backend]);
    if (this.records.has(backend.id)) {
      fail(
        'LB_ERR_DUPLICATE_BACKEND',
        'id',
        'must be unique: another backend already has this id',
        backend.id,
      );
    }
    const record = new BackendRecord(
      backend,
      (gauges) =>
        this.metrics.addBackend(backend.id, { gauges, group: this.group, metricsName: backend.metricsName }),
      this.group,
    );
    this.records.set(backend.id, record);
    this.syncStrategy();
    for (const o of this.observers) o.backendAdded?.(record, atRunTime);
    if (atRunTime) this.events.emit('backendAdded', record.status());
    return record;
  }

  /** Removes a backend at once: it gets no new traffic; what is in flight finishes and is not reported. */
  remove(id: BackendId): void {
    const record = this.mustGet(id);
    this.records.delete(id);
    this.syncStrategy();
    this.metrics.removeBackend(id, this.group);
    for (const o of this.observers) o.backendRemoved?.(record);
    record.releaseDrainWaiters();
    this.events.emit('backendRemoved', record.status());
  }

  /** Stops new traffic to `id`; resolves once nothing is in flight to it (or it is removed). */
  drain(id: BackendId): Promise<void> {
    const record = this.mustGet(id);
    if (!record.draining) {
      this.setHealthInputs(record, { draining: true });
      this.events.emit('backendDraining', record.status());
    }
    return this.whenIdle(record);
  }

  /** Changes the configured weight of `id`; a ramp in progress keeps scaling it. */
  setWeight(id: BackendId, weight: number): void {
    validateBackends([{ id, host: 'weight-check', port: 1, weight }]);
    const record = this.mustGet(id);
    if (record.weight === weight) return;
    record.weight = weight;
    this.applyEffectiveWeight(record);
    this.events.emit('backendWeightChanged', record.status());
  }

  /** Slow start's share of the configured weight (1 ends the ramp). */
  setRampFactor(record: BackendRecord, factor: number): void {
    if (!this.records.has(record.id) || record.rampFactor === factor) return;
    record.rampFactor = factor;
    this.applyEffectiveWeight(record);
  }

  /**
   * Applies a change of health inputs and announces an up/down transition with `reason`. Returns the health
   * before and after.
   */
  updateHealth(
    id: BackendId,
    change: Partial<Omit<HealthInputs, 'draining'>>,
    reason: string,
  ): { before: BackendHealth; after: BackendHealth } | undefined {
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    const { before, after } = this.setHealthInputs(record, change);
    if (after === 'down' && before === 'up') this.events.emit('backendDown', record.status(), reason);
    else if (after === 'up' && before === 'down') this.events.emit('backendUp', record.status());
    return { before, after };
  }

  /**
   * Makes the set equal to `backends` in one step: new ones are added (through slow start when configured),
   * changed weights applied, and the ones left out drained, then removed once their in-flight requests end.
   * A backend whose address, `protocol` or `tls` setting changed under the same id is replaced (its pooled connections and
   * TLS sessions were made for the old one). A draining backend that is listed again
   * takes traffic again. Resolves when every backend left out has been removed.
   *
   * @throws {ConfigError} when the list is invalid (duplicate ids, bad weights); nothing is changed then.
   */
  setBackends(backends: readonly Backend[]): Promise<void> {
    validateBackends(backends);
    const wanted = new Map(backends.map((b) => [b.id, b]));
    const removals: Promise<void>[] = [];
    for (const record of [...this.records.values()]) {
      const next = wanted.get(record.id);
      if (next === undefined) {
        removals.push(this.retire(record));
      } else if (
        next.host !== record.backend.host ||
        next.port !== record.backend.port ||
        next.protocol !== record.backend.protocol ||
        !sameUpstreamTls(next.tls, record.backend.tls)
      ) {
        this.remove(record.id);
      }
    }
    for (const backend of backends) {
      const record = this.records.get(backend.id);
      if (record === undefined) {
        this.add(backend);
        continue;
      }
      if (record.leaving) this.rejoin(record);
      this.setWeight(backend.id, backend.weight ?? 1);
    }
    return Promise.all(removals).then(() => undefined);
  }

  /** Counts a request or connection to `backend`; `false` when the backend is no longer in the set. */
  started(backend: Backend): boolean {
    const record = this.records.get(backend.id);
    if (record === undefined) return false;
    record.inFlight++;
    this.strategy.onRequestStart(backend);
    return true;
  }

  /**
   * Uncounts a request or connection; returns its record, or `undefined` when the backend was removed
   * meanwhile (its late outcomes are not reported to the strategy).
   */
  ended(backend: Backend, ok: boolean, latencyMs: number): BackendRecord | undefined {
    const record = this.records.get(backend.id);
    if (record === undefined) return undefined;
    record.inFlight--;
    this.strategy.onRequestEnd(backend, { ok, latencyMs });
    if (record.inFlight === 0) record.releaseDrainWaiters();
    return record;
  }

  private whenIdle(record: BackendRecord): Promise<void> {
    if (record.inFlight === 0 || !this.records.has(record.id)) return Promise.resolve();
    return new Promise((resolve) => record.drainWaiters.push(resolve));
  }

  /** Drains a backend `setBackends` left out, then removes it unless it was listed again meanwhile. */
  private async retire(record: BackendRecord): Promise<void> {
    if (record.leaving) return this.whenIdle(record);
    record.leaving = true;
    await this.drain(record.id);
    if (record.leaving && this.records.get(record.id) === record) this.remove(record.id);
  }

  private rejoin(record: BackendRecord): void {
    record.leaving = false;
    const { before, after } = this.setHealthInputs(record, { draining: false });
    if (before !== after && after === 'up') this.events.emit('backendUp', record.status());
  }

  private setHealthInputs(
    record: BackendRecord,
    change: Partial<HealthInputs>,
  ): { before: BackendHealth; after: BackendHealth } {
    const before = record.health;
    Object.assign(record, change);
    const after = record.health;
    if (after !== before) {
      this.strategy.setHealth(record.id, after);
      if (after === 'up') for (const o of this.observers) o.backendUp?.(record);
    }
    return { before, after };
  }

  private applyEffectiveWeight(record: BackendRecord): void {
    const weight = record.effectiveWeight;
    record.backend = { ...record.backend, weight };
    this.strategy.setWeight(record.id, weight);
  }

  private syncStrategy(): void {
    this.strategy.setBackends([...this.records.values()].map((r) => r.backend));
    for (const record of this.records.values()) {
      if (record.health !== 'up') this.strategy.setHealth(record.id, record.health);
    }
  }
}
