import type { Backend, PickContext, RequestOutcome, Strategy } from '@lb/core';
import { lognormal, seededRandom } from './rng.js';

/** How hard to measure: iterations per round, rounds, and untimed warm-up iterations. */
export interface TimingPlan {
  readonly iterations: number;
  readonly rounds: number;
  readonly warmup: number;
}

/** One strategy at one backend count. */
export interface PickCost {
  /** Median over rounds of nanoseconds per request (pick + onRequestStart + onRequestEnd). */
  readonly nsPerPick: number;
  /** Milliseconds the first `setBackends` took (index and table construction). */
  readonly setupMs: number;
}

/** Requests kept in flight, so load-aware strategies see non-zero, changing counts as behind a real proxy. */
const inFlightWindow = 64;
const keyCount = 4096;

/**
 * `n` backends with ids `b0 … b<n-1>`, as a proxy would configure them. Each takes 8 requests before `first`
 * moves on, so with 64 in flight `first` really walks its order instead of stopping at `b0`.
 */
function benchBackends(n: number): Backend[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${i}`,
    host: '127.0.0.1',
    port: 10_000 + (i % 50_000),
    maxConnections: 8,
  }));
}

/** One strategy instance over `n` backends, ready to run timed iterations. */
interface Harness {
  readonly setupMs: number;
  run(iterations: number): void;
}

/**
 * Builds the loop for one strategy over `n` backends. Every iteration picks, starts the request and ends the one
 * started `inFlightWindow` iterations earlier with a lognormal latency, like a proxy that keeps that many
 * requests open. Contexts and outcomes are built beforehand so the loop times the strategy, not the harness.
 */
function harness(strategy: Strategy, n: number, keyed: boolean): Harness {
  const random = seededRandom(n);
  const contexts: (PickContext | undefined)[] = Array.from({ length: keyCount }, (_, i) =>
    keyed ? { hashKey: `user-${i}-${Math.floor(random() * 1e9)}` } : undefined,
  );
  const outcomes: RequestOutcome[] = Array.from({ length: keyCount }, () => ({
    ok: true,
    latencyMs: lognormal(random, 10, 1),
  }));
  const open: (Backend | undefined)[] = new Array(inFlightWindow).fill(undefined);
  const backends = benchBackends(n);
  const setupStart = process.hrtime.bigint();
  strategy.setBackends(backends);
  // The first pick may build a lazily constructed index; count it as setup, not as a pick.
  strategy.pick(contexts[0]);
  const setupMs = Number(process.hrtime.bigint() - setupStart) / 1e6;
  let step = 0;
  return {
    setupMs,
    run(iterations) {
      for (let i = 0; i < iterations; i++, step++) {
        const slot = step & (inFlightWindow - 1);
        const ending = open[slot];
        if (ending !== undefined) strategy.onRequestEnd(ending, outcomes[step & (keyCount - 1)]!);
        const chosen = strategy.pick(contexts[step & (keyCount - 1)]);
        if (chosen !== undefined) strategy.onRequestStart(chosen);
        open[slot] = chosen;
      }
    },
  };
}

/** Something to time: a fresh strategy per backend count, and whether it needs a key per request. */
export interface Subject {
  readonly make: (n: number) => Strategy;
  readonly keyed: boolean;
}

/**
 * Measures the per-request cost of each subject at each backend count; returns costs by subject, then by count.
 * Rounds are interleaved across every subject and count, so a burst of load from other processes on a shared
 * machine slows them all alike instead of skewing the ratios between them.
 */
export function measurePickCosts(
  subjects: readonly Subject[],
  sizes: readonly number[],
  plan: TimingPlan,
): PickCost[][] {
  const harnesses = subjects.flatMap((subject) =>
    sizes.map((n) => harness(subject.make(n), n, subject.keyed)),
  );
  for (const h of harnesses) h.run(plan.warmup);
  const samples: number[][] = harnesses.map(() => []);
  for (let r = 0; r < plan.rounds; r++) {
    harnesses.forEach((h, k) => {
      const start = process.hrtime.bigint();
      h.run(plan.iterations);
      samples[k]!.push(Number(process.hrtime.bigint() - start) / plan.iterations);
    });
  }
  const costs = harnesses.map((h, k) => {
    const sorted = samples[k]!.sort((x, y) => x - y);
    return { nsPerPick: sorted[Math.floor(sorted.length / 2)]!, setupMs: h.setupMs };
  });
  return subjects.map((_, i) => costs.slice(i * sizes.length, (i + 1) * sizes.length));
}

/**
 * The growth exponent k in cost ∝ n^k between two backend counts. Logarithmic growth gives k near 0 over two
 * decades (log n grows by a factor of 1.7 from 1,000 to 100,000, which is k ≈ 0.12); linear growth gives 1.
 */
export function growthExponent(costSmall: number, nSmall: number, costLarge: number, nLarge: number): number {
  return Math.log(costLarge / costSmall) / Math.log(nLarge / nSmall);
}
