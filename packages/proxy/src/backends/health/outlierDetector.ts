import type { BackendId, ResolvedOutlierDetectionOptions } from '@lb/core';

/** A change the caller applies: `eject` → `strategy.setHealth(id, 'down')`, `recover` → back to `'up'`. */
export interface OutlierDecision {
  readonly action: 'eject' | 'recover';
  readonly id: BackendId;
  /** For `eject`: how many times this backend has been ejected, this one included (after decay). */
  readonly ejections: number;
  /** For `eject`: the clock time at which the backend may come back. */
  readonly until: number;
}

interface BackendState {
  consecutiveFailures: number;
  /** Ejection multiplier: grows per ejection, decays while the backend stays healthy. */
  ejections: number;
  /** Clock time the backend comes back, or -1 when it is not ejected. */
  ejectedUntil: number;
  /** Clock time of the last recovery or ejection count decay, for the decay. */
  decayFrom: number;
}

/**
 * Passive health (Envoy's outlier detection, consecutive-failure flavour), pure with an injected clock.
 *
 * - `consecutiveFailures` failures in a row eject a backend; any success resets the count.
 * - The n-th ejection lasts `baseEjectionTime × n`, capped at `maxEjectionTime`. Each full `baseEjectionTime`
 *   a recovered backend then spends without an ejection lowers n by one again, as Envoy does.
 * - At most `maxEjectionPercent` of the backends are ejected at once, but one always may be. A backend that
 *   reaches the threshold while the cap is full is ejected on its next failure once there is room.
 * - Ejected backends come back when {@link OutlierDetector.recoverDue} runs after their time;
 *   {@link OutlierDetector.nextRecoveryAt} says when to schedule it.
 *
 * The detector only tracks ejection; the caller combines it with active health checks and applies the
 * decisions through `strategy.setHealth`.
 *
 * @example
 * ```ts
 * const detector = new OutlierDetector(resolveOutlierDetectionOptions({ consecutiveFailures: 3 }));
 * detector.setBackends(backends.map((b) => b.id));
 * const decision = ok ? detector.recordSuccess(id) : detector.recordFailure(id);
 * if (decision) strategy.setHealth(decision.id, 'down');
 * ```
 */
export class OutlierDetector {
  private readonly states = new Map<BackendId, BackendState>();
  private ejectedCount = 0;

  constructor(
    private readonly options: ResolvedOutlierDetectionOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts tracking `id` (no-op when already tracked). */
  addBackend(id: BackendId): void {
    if (this.states.has(id)) return;
    this.states.set(id, { consecutiveFailures: 0, ejections: 0, ejectedUntil: -1, decayFrom: 0 });
  }

  /** Stops tracking `id`; its ejection, if any, ends with it. */
  removeBackend(id: BackendId): void {
    const state = this.states.get(id);
    if (state === undefined) return;
    if (state.ejectedUntil >= 0) this.ejectedCount--;
    this.states.delete(id);
  }

  /** Tracks exactly `ids`, keeping the state of the ones already known. */
  setBackends(ids: readonly BackendId[]): void {
    const keep = new Set(ids);
    for (const id of [...this.states.keys()]) if (!keep.has(id)) this.removeBackend(id);
    for (const id of ids) this.addBackend(id);
  }

  /** A request to `id` succeeded: resets its consecutive failures. Never ejects, so returns nothing. */
  recordSuccess(id: BackendId): undefined {
    const state = this.states.get(id);
    if (state !== undefined) state.consecutiveFailures = 0;
    return undefined;
  }

  /** A request to `id` failed. Returns an `eject` decision when this failure ejects it. */
  recordFailure(id: BackendId): OutlierDecision | undefined {
    const state = this.states.get(id);
    if (state === undefined || state.ejectedUntil >= 0) return undefined;
    state.consecutiveFailures++;
    if (state.consecutiveFailures < this.options.consecutiveFailures || !this.roomToEject()) return undefined;
    const now = this.now();
    const { baseEjectionTime, maxEjectionTime } = this.options;
    const decayed = Math.floor((now - state.decayFrom) / baseEjectionTime);
    state.ejections = Math.max(0, state.ejections - decayed) + 1;
    state.ejectedUntil = now + Math.min(baseEjectionTime * state.ejections, maxEjectionTime);
    state.consecutiveFailures = 0;
    this.ejectedCount++;
    return { action: 'eject', id, ejections: state.ejections, until: state.ejectedUntil };
  }

  /** Records a request outcome; shorthand for {@link recordSuccess} or {@link recordFailure}. */
  record(id: BackendId, ok: boolean): OutlierDecision | undefined {
    return ok ? this.recordSuccess(id) : this.recordFailure(id);
  }

  /** Brings back every backend whose ejection time has passed, returning a `recover` decision for each. */
  recoverDue(): OutlierDecision[] {
    if (this.ejectedCount === 0) return [];
    const now = this.now();
    const decisions: OutlierDecision[] = [];
    for (const [id, state] of this.states) {
      if (state.ejectedUntil < 0 || state.ejectedUntil > now) continue;
      decisions.push({ action: 'recover', id, ejections: state.ejections, until: state.ejectedUntil });
      state.ejectedUntil = -1;
      state.decayFrom = now;
      state.consecutiveFailures = 0;
      this.ejectedCount--;
    }
    return decisions;
  }

  /** The earliest clock time at which {@link recoverDue} has work, or `undefined` when nothing is ejected. */
  nextRecoveryAt(): number | undefined {
    if (this.ejectedCount === 0) return undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const state of this.states.values()) {
      if (state.ejectedUntil >= 0 && state.ejectedUntil < next) next = state.ejectedUntil;
    }
    return next;
  }

  /** Whether `id` is ejected right now (until {@link recoverDue} brings it back). */
  isEjected(id: BackendId): boolean {
    return (this.states.get(id)?.ejectedUntil ?? -1) >= 0;
  }

  /** Backends ejected right now. */
  get ejected(): number {
    return this.ejectedCount;
  }

  private roomToEject(): boolean {
    if (this.ejectedCount === 0) return true;
    return this.ejectedCount + 1 <= this.options.maxEjectionPercent * this.states.size + 1e-9;
  }
}
