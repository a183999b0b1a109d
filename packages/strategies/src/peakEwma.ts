import type { Backend, RequestOutcome, Strategy } from '@lb/core';
import { fail } from '@lb/core/internal';
import { type PowerOfTwoChoicesOptions, TwoChoices } from './powerOfTwoChoices.js';
import { checkStrategyOptions, positiveOption, randomOptionKeys } from './strategyOptions.js';

/** Options of {@link peakEwma}. */
export interface PeakEwmaOptions extends PowerOfTwoChoicesOptions {
  /**
   * τ in milliseconds: how fast the estimate forgets. A sample `Δt` after the previous one weighs `1 − e^(−Δt/τ)`.
   * @default 10000
   */
  readonly decayTime?: number;
  /**
   * The round-trip estimate in milliseconds of a backend with no sample yet. Its first sample replaces it.
   * @default 10
   */
  readonly defaultRtt?: number;
  /**
   * A failed request (`ok: false`) counts as a sample of at least this many milliseconds, so a backend that fails
   * fast does not look fast and attract traffic.
   * @default 1000
   */
  readonly failurePenalty?: number;
  /**
   * The clock, in milliseconds. Inject one for deterministic tests.
   * @default performance.now
   */
  readonly now?: () => number;
}

class PeakEwma<B extends Backend> extends TwoChoices<B> {
  override readonly name = 'peakEwma';
  readonly #tau: number;
  readonly #defaultRtt: number;
  readonly #failurePenalty: number;
  readonly #now: () => number;
  /** Per slot: the estimate at its last sample, or −1 before the first. */
  readonly #ewmaColumn: number;
  /** Per slot: when the last sample arrived. */
  readonly #stampColumn: number;
  #pickTime = 0;

  constructor(options: PeakEwmaOptions) {
    super(options);
    this.#tau = positiveOption(options.decayTime, 'decayTime', 10_000);
    this.#defaultRtt = positiveOption(options.defaultRtt, 'defaultRtt', 10);
    this.#failurePenalty = positiveOption(options.failurePenalty, 'failurePenalty', 1000);
    if (options.now !== undefined && typeof options.now !== 'function') {
      fail('LB_ERR_INVALID_OPTION', 'now', 'must be a function returning milliseconds', options.now);
    }
    this.#now = options.now ?? (() => performance.now());
    this.#ewmaColumn = this.table.addColumn(-1);
    this.#stampColumn = this.table.addColumn(0);
  }

  protected override beforeCompare(): void {
    this.#pickTime = this.#now();
  }

  protected override cost(position: number, slot: number): number {
    const ewma = this.table.column(this.#ewmaColumn)[slot]!;
    let estimate = this.#defaultRtt;
    if (ewma >= 0) {
      // Reading decays like a sample of 0: an idle backend's estimate fades, so a once-slow one is tried again.
      const elapsed = Math.max(0, this.#pickTime - this.table.column(this.#stampColumn)[slot]!);
      estimate = ewma * Math.exp(-elapsed / this.#tau);
    }
    return (estimate * (this.table.inFlight(slot) + 1)) / this.weights[position]!;
  }

  protected override observed(slot: number, outcome: RequestOutcome): void {
    let sample = Number.isFinite(outcome.latencyMs) && outcome.latencyMs > 0 ? outcome.latencyMs : 0;
    if (!outcome.ok) sample = Math.max(sample, this.#failurePenalty);
    const ewmas = this.table.column(this.#ewmaColumn);
    const stamps = this.table.column(this.#stampColumn);
    const now = this.#now();
    const ewma = ewmas[slot]!;
    if (ewma < 0 || sample > ewma) {
      ewmas[slot] = sample;
    } else {
      const w = Math.exp(-Math.max(0, now - stamps[slot]!) / this.#tau);
      ewmas[slot] = ewma * w + sample * (1 - w);
    }
    stamps[slot] = now;
  }
}

/**
 * Finagle's and Linkerd's peak EWMA: a latency-aware two-choices balancer. Each backend keeps a round-trip
 * estimate that jumps straight up to any higher sample (the peak) and moves toward lower ones with weight
 * `1 − e^(−Δt/τ)`; the cost of a backend is `estimate × (inFlight + 1) / weight`, and each pick compares two
 * random backends and takes the cheaper. Failures count as slow samples (`failurePenalty`), and the estimate of a
 * backend that gets no samples fades toward 0, so it is probed again.
 *
 * @throws {ConfigError} `LB_ERR_INVALID_OPTION` for an unknown or out-of-range option.
 *
 * @example
 * ```ts
 * const strategy = peakEwma({ decayTime: 5000 });
 * const backend = strategy.pick();
 * // … later: strategy.onRequestEnd(backend, { ok: true, latencyMs: 12 });
 * ```
 */
export function peakEwma<B extends Backend = Backend>(options: PeakEwmaOptions = {}): Strategy<B> {
  checkStrategyOptions(options, 'peakEwma', [
    ...randomOptionKeys,
    'decayTime',
    'defaultRtt',
    'failurePenalty',
    'now',
  ]);
  return new PeakEwma<B>(options);
}
