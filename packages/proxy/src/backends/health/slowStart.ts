import type { BackendId, ResolvedSlowStartOptions } from '@lb/core';

/**
 * The share of its weight a backend gets `elapsedMs` after it was added or recovered, Envoy's slow start:
 * `max(minWeightPercent, (elapsed / window) ^ (1 / aggression))`, and exactly `1` once the window has passed.
 * Elapsed time below 1 ms counts as 1 ms, so a fresh backend gets a little more than nothing even when
 * `minWeightPercent` is 0.
 *
 * @example
 * ```ts
 * slowStartFactor(5_000, { window: 10_000, minWeightPercent: 0.1, aggression: 1 }); // 0.5
 * ```
 */
export function slowStartFactor(
  elapsedMs: number,
  options: Pick<ResolvedSlowStartOptions, 'window' | 'minWeightPercent' | 'aggression'>,
): number {
  const { window, minWeightPercent, aggression } = options;
  if (!(window > 0) || elapsedMs >= window) return 1;
  const ramp = (Math.max(elapsedMs, 1) / window) ** (1 / aggression);
  return Math.min(1, Math.max(minWeightPercent, ramp));
}

/** One backend's current slow-start weight factor, from {@link SlowStartRamp.tick}. */
export interface SlowStartStep {
  readonly id: BackendId;
  /** Multiply the backend's configured weight by this; `1` means the ramp is over. */
  readonly factor: number;
}

/**
 * Tracks which backends are ramping up. Pure: the clock is injected and the caller applies the factors with
 * `strategy.setWeight(id, weight * factor)`, calling {@link SlowStartRamp.tick} on a timer while
 * {@link SlowStartRamp.size} is above 0.
 *
 * @example
 * ```ts
 * const ramp = new SlowStartRamp({ window: 10_000, minWeightPercent: 0.1, aggression: 1 });
 * ramp.begin('a'); // on backendAdded or backendRecovered
 * for (const { id, factor } of ramp.tick()) strategy.setWeight(id, baseWeight(id) * factor);
 * ```
 */
export class SlowStartRamp {
  private readonly startedAt = new Map<BackendId, number>();

  constructor(
    private readonly options: ResolvedSlowStartOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts (or restarts) the ramp of `id` now. */
  begin(id: BackendId): void {
    this.startedAt.set(id, this.now());
  }

  /** Forgets `id`, for a removed backend. */
  end(id: BackendId): void {
    this.startedAt.delete(id);
  }

  /** Whether `id` is ramping. */
  has(id: BackendId): boolean {
    return this.startedAt.has(id);
  }

  /** Backends still ramping. */
  get size(): number {
    return this.startedAt.size;
  }

  /** The factor of `id` now: `1` when it is not ramping. */
  factor(id: BackendId): number {
    const start = this.startedAt.get(id);
    return start === undefined ? 1 : slowStartFactor(this.now() - start, this.options);
  }

  /**
   * The current factor of every ramping backend. Backends whose window has passed are reported once with
   * factor `1` and then forgotten.
   */
  tick(): SlowStartStep[] {
    const now = this.now();
    const steps: SlowStartStep[] = [];
    for (const [id, start] of this.startedAt) {
      const factor = slowStartFactor(now - start, this.options);
      steps.push({ id, factor });
      if (factor >= 1) this.startedAt.delete(id);
    }
    return steps;
  }
}
