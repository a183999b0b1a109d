import type { Backend, PickContext, Strategy } from '@lb/core';
import { EventQueue } from './eventQueue.js';
import { exponential, lognormal, type Random, seededRandom } from './rng.js';

/** How long a request needs on a normal backend, before the slow backend's factor is applied. */
type ServiceTimeModel =
  | { readonly kind: 'exponential' }
  | { readonly kind: 'lognormal'; readonly sigma: number };

/**
 * One experiment. Each backend is an M/G/c station: `slotsPerBackend` requests in service at once, the rest wait
 * in that backend's FIFO queue. The balancer dispatches every request on arrival; it has no central queue.
 */
export interface SimulationConfig {
  readonly backendCount: number;
  readonly slotsPerBackend: number;
  /** Mean service time on a normal backend, in virtual milliseconds. */
  readonly meanServiceMs: number;
  readonly serviceTime: ServiceTimeModel;
  /** One backend whose service times are multiplied by `factor`. */
  readonly slowBackend?: { readonly index: number; readonly factor: number };
  /** Poisson arrival rate as a fraction of the total service capacity (slow backend included). */
  readonly load: number;
  /** Requests that arrive; the first `warmupRequests` are served but not measured. */
  readonly requests: number;
  readonly warmupRequests: number;
  readonly seed: number;
  /** Give every request a random `hashKey`, for the hash strategies. */
  readonly hashKeys?: boolean;
}

/** What a strategy factory may take from the simulator instead of the real world. */
export interface SimulationEnv {
  /** The virtual clock in milliseconds. */
  readonly now: () => number;
  /** A seeded uniform source for strategies that sample. */
  readonly random: Random;
}

/** Builds a fresh strategy for one run. */
export type StrategyFactory = (env: SimulationEnv) => Strategy;

/** Measurements over the requests after warm-up. */
export interface SimulationResult {
  readonly measured: number;
  readonly rejected: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Share of measured requests each backend received. */
  readonly shares: readonly number[];
  /** Share of the slow backend, or 0 without one. */
  readonly slowShare: number;
  /** Work sent to the slow backend divided by its capacity; above 1 its queue grows without bound. */
  readonly slowUtilisation: number;
}

/** Streams are split so every strategy sees the same arrivals, sizes and keys (common random numbers). */
function streams(seed: number): { arrivals: Random; sizes: Random; keys: Random; strategy: Random } {
  return {
    arrivals: seededRandom(seed),
    sizes: seededRandom(seed ^ 0x9e3779b9),
    keys: seededRandom(seed ^ 0x85ebca6b),
    strategy: seededRandom(seed ^ 0xc2b2ae35),
  };
}

function drawSize(model: ServiceTimeModel, random: Random, mean: number): number {
  return model.kind === 'exponential' ? exponential(random, mean) : lognormal(random, mean, model.sigma);
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The backends a simulation uses: ids are their indexes, `maxConnections` is the slot count. */
function simulatedBackends(config: SimulationConfig): Backend[] {
  return Array.from({ length: config.backendCount }, (_, i) => ({
    id: i,
    host: `10.0.0.${i + 1}`,
    port: 8080,
    maxConnections: config.slotsPerBackend,
  }));
}

/** Runs one strategy through the model. Pure: equal config and a deterministic strategy give equal results. */
export function simulate(config: SimulationConfig, makeStrategy: StrategyFactory): SimulationResult {
  const { backendCount: n, slotsPerBackend: slots, meanServiceMs, requests, warmupRequests } = config;
  const random = streams(config.seed);
  const factor = Array.from({ length: n }, (_, i) =>
    config.slowBackend?.index === i ? config.slowBackend.factor : 1,
  );
  const capacityPerMs = factor.reduce((sum, f) => sum + slots / (meanServiceMs * f), 0);
  const meanGapMs = 1 / (config.load * capacityPerMs);

  let clock = 0;
  const strategy = makeStrategy({ now: () => clock, random: random.strategy });
  const backends = simulatedBackends(config);
  strategy.setBackends(backends);

  const arrivedAt = new Float64Array(requests);
  const serviceMs = new Float64Array(requests);
  const busy = new Int32Array(n);
  const waiting: number[][] = Array.from({ length: n }, () => []);
  const waitingHead = new Int32Array(n);
  const picks = new Float64Array(n);
  const work = new Float64Array(n);
  const latencies = new Float64Array(Math.max(0, requests - warmupRequests));
  const events = new EventQueue();
  let seq = 0;
  let recorded = 0;
  let rejected = 0;

  const startService = (request: number, backend: number): void => {
    busy[backend]!++;
    events.push({ time: clock + serviceMs[request]!, seq: seq++, backend, request });
  };

  const completeNext = (): void => {
    const done = events.pop()!;
    clock = done.time;
    busy[done.backend]!--;
    const latencyMs = clock - arrivedAt[done.request]!;
    if (done.request >= warmupRequests) latencies[recorded++] = latencyMs;
    strategy.onRequestEnd(backends[done.backend]!, { ok: true, latencyMs });
    const queue = waiting[done.backend]!;
    const head = waitingHead[done.backend]!;
    if (head < queue.length) {
      waitingHead[done.backend] = head + 1;
      startService(queue[head]!, done.backend);
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head + 1);
        waitingHead[done.backend] = 0;
      }
    }
  };

  let arrival = 0;
  let firstMeasuredAt = 0;
  for (let r = 0; r < requests; r++) {
    arrival += exponential(random.arrivals, meanGapMs);
    while ((events.peek()?.time ?? Number.POSITIVE_INFINITY) <= arrival) completeNext();
    clock = arrival;
    if (r === warmupRequests) firstMeasuredAt = clock;
    const size = drawSize(config.serviceTime, random.sizes, meanServiceMs);
    const key = Math.floor(random.keys() * 2 ** 32).toString(36);
    const context: PickContext | undefined = config.hashKeys ? { hashKey: key } : undefined;
    const chosen = strategy.pick(context);
    if (chosen === undefined) {
      if (r >= warmupRequests) rejected++;
      continue;
    }
    const b = Number(chosen.id);
    strategy.onRequestStart(chosen);
    arrivedAt[r] = clock;
    serviceMs[r] = size * factor[b]!;
    if (r >= warmupRequests) {
      picks[b]!++;
      work[b]! += serviceMs[r]!;
    }
    if (busy[b]! < slots) startService(r, b);
    else waiting[b]!.push(r);
  }
  const measuredSpanMs = clock - firstMeasuredAt;
  while (events.size > 0) completeNext();

  const sorted = latencies.subarray(0, recorded).sort();
  const slowIndex = config.slowBackend?.index;
  const shares = Array.from(picks, (count) => (recorded === 0 ? 0 : count / recorded));
  return {
    measured: recorded,
    rejected,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, recorded),
    shares,
    slowShare: slowIndex === undefined ? 0 : shares[slowIndex]!,
    slowUtilisation:
      slowIndex === undefined || measuredSpanMs <= 0 ? 0 : work[slowIndex]! / (slots * measuredSpanMs),
  };
}
