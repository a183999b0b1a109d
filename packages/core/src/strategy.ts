import type { Backend, BackendHealth, BackendId } from './backend.js';

/**
 * What a strategy may use to choose a backend. Every field is optional: round robin ignores them all, hash
 * strategies read {@link PickContext.hashKey} (or derive one from the rest with their sticky-key option).
 */
export interface PickContext {
  /** A precomputed affinity key (a user id, a session id). Hash strategies map equal keys to equal backends. */
  readonly hashKey?: string;
  /** The client's address, for affinity by source address. */
  readonly clientAddress?: string;
  /** Request headers with lower-case names, as Node's `IncomingMessage.headers`. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Backends not to pick, such as the one a retry is moving away from. Ignored when nothing else is left. */
  readonly exclude?: ReadonlySet<BackendId>;
}

/** How a request ended, reported to {@link Strategy.onRequestEnd} so load-aware strategies can learn. */
export interface RequestOutcome {
  /** `true` when the backend answered (any status); `false` on connect failure, reset or timeout. */
  readonly ok: boolean;
  /** Time from sending the request to the end of the response, in milliseconds. */
  readonly latencyMs: number;
}

/**
 * The contract between load-balancing algorithms and whatever sends the traffic: the `@lb/proxy` load balancer,
 * or anyone's own proxy. Every factory in `@lb/strategies` returns one; a user's own object implementing it plugs
 * into `LoadBalancer` through `config.strategy`.
 *
 * Calls follow one order: {@link Strategy.setBackends} first, then any number of picks, each followed by
 * {@link Strategy.onRequestStart} and later {@link Strategy.onRequestEnd} for the same backend. A strategy never
 * throws from {@link Strategy.pick}: it returns `undefined` when no backend can be chosen.
 *
 * @example
 * ```ts
 * const strategy = leastConnections();
 * strategy.setBackends([{ id: 'a', host: '127.0.0.1', port: 8081 }, { id: 'b', host: '127.0.0.1', port: 8082 }]);
 * const backend = strategy.pick();
 * if (backend) {
 *   strategy.onRequestStart(backend);
 *   // … send the request …
 *   strategy.onRequestEnd(backend, { ok: true, latencyMs: 12 });
 * }
 * ```
 */
export interface Strategy<B extends Backend = Backend> {
  /** A short name for logs and metrics, such as `roundRobin`. */
  readonly name: string;
  /**
   * Replaces the backend set. Backends whose `id` is unchanged keep their state (health, in-flight count,
   * latency estimate); new ones start `up`.
   */
  setBackends(backends: readonly B[]): void;
  /** Chooses a backend, or returns `undefined` when none is eligible. */
  pick(context?: PickContext): B | undefined;
  /** A request was sent to `backend`. */
  onRequestStart(backend: B): void;
  /** A request to `backend` ended. */
  onRequestEnd(backend: B, outcome: RequestOutcome): void;
  /** A backend's health changed (health checks, ejection, drain). Unknown ids are ignored. */
  setHealth(id: BackendId, health: BackendHealth): void;
  /** A backend's effective weight changed (re-weighting, slow start). Unknown ids are ignored. */
  setWeight(id: BackendId, weight: number): void;
}
