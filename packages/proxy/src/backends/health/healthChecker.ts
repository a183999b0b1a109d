import { EventEmitter } from 'node:events';
import type {
  Backend,
  BackendId,
  ResolvedHealthCheckOptions,
  TypedEventEmitter,
  UpstreamProtocol,
  UpstreamTlsOptions,
} from '@lb/core';
import { type CancelProbe, type ProbeOptions, probeBackend } from './healthProbe.js';

/** Events of {@link HealthChecker}. */
export type HealthCheckerEvents = {
  /** `rise` probes in a row passed for a backend that was down. */
  up: [backend: Backend];
  /** `fall` probes in a row failed for a backend that was up; `reason` is the last failure. */
  down: [backend: Backend, reason: string];
  /** Every probe result, for metrics (`reason` is set when it failed). */
  check: [backend: Backend, ok: boolean, reason: string | undefined];
};

interface Tracked {
  backend: Backend;
  healthy: boolean;
  successes: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  cancel: CancelProbe | undefined;
}

/** Options of {@link HealthChecker} beyond the health check settings. */
export interface HealthCheckerOptions {
  /** Random source in [0, 1) for the jitter, injectable for tests. @default Math.random */
  random?: () => number;
  /** TLS to backends without a `tls` of their own, so a probe goes the way requests go. @default plain TCP */
  tls?: UpstreamTlsOptions | undefined;
  /** The protocol of backends without a `protocol` of their own, so a probe speaks what requests speak. @default 'http1' */
  protocol?: UpstreamProtocol | undefined;
}

const TypedEmitter = EventEmitter as unknown as new () => TypedEventEmitter<HealthCheckerEvents>;

/**
 * Active health checks: probes every backend on its own timer (`interval`, spread by `jitter`), one probe in
 * flight per backend, each bounded by `timeout`. Backends start `up` so traffic flows at once; `fall` failures in
 * a row emit `down`, then `rise` successes in a row emit `up`. Timers are unref'd: the checker never keeps a
 * process alive on its own.
 *
 * @example
 * ```ts
 * const checker = new HealthChecker(resolveHealthCheckOptions({ path: '/health' }), backends);
 * checker.on('down', (b) => strategy.setHealth(b.id, 'down'));
 * checker.on('up', (b) => strategy.setHealth(b.id, 'up'));
 * checker.start();
 * // later
 * checker.stop();
 * ```
 */
export class HealthChecker extends TypedEmitter {
  private readonly tracked = new Map<BackendId, Tracked>();
  private readonly random: () => number;
  private readonly probeOptions: ProbeOptions;
  private running = false;

  constructor(
    private readonly options: ResolvedHealthCheckOptions,
    backends: readonly Backend[] = [],
    checkerOptions: HealthCheckerOptions = {},
  ) {
    super();
    this.random = checkerOptions.random ?? Math.random;
    this.probeOptions = { ...options, tls: checkerOptions.tls, protocol: checkerOptions.protocol };
    for (const backend of backends) this.addBackend(backend);
  }

  /** Starts probing every backend; the first probe of each comes within one jittered share of `interval`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const t of this.tracked.values())
      this.schedule(t, this.options.interval * this.options.jitter * this.random());
  }

  /** Stops probing: clears every timer and destroys every probe socket in flight. Health states are kept. */
  stop(): void {
    this.running = false;
    for (const t of this.tracked.values()) this.halt(t);
  }

  /** Whether {@link start} ran and {@link stop} has not. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts checking `backend` (replacing a backend with the same id, keeping its health). */
  addBackend(backend: Backend): void {
    const existing = this.tracked.get(backend.id);
    if (existing) {
      existing.backend = backend;
      return;
    }
    const t: Tracked = {
      backend,
      healthy: true,
      successes: 0,
      failures: 0,
      timer: undefined,
      cancel: undefined,
    };
    this.tracked.set(backend.id, t);
    if (this.running) this.schedule(t, this.options.interval * this.options.jitter * this.random());
  }

  /** Stops checking `id` and forgets it. */
  removeBackend(id: BackendId): void {
    const t = this.tracked.get(id);
    if (!t) return;
    this.halt(t);
    this.tracked.delete(id);
  }

  /** `true` when `id` passes its checks, `false` when it is down, `undefined` when it is not checked. */
  isHealthy(id: BackendId): boolean | undefined {
    return this.tracked.get(id)?.healthy;
  }

  private halt(t: Tracked): void {
    clearTimeout(t.timer);
    t.timer = undefined;
    t.cancel?.();
    t.cancel = undefined;
  }

  private schedule(t: Tracked, delay: number): void {
    t.timer = setTimeout(() => this.probe(t), delay);
    t.timer.unref();
  }

  private nextDelay(): number {
    const { interval, jitter } = this.options;
    return interval * (1 + jitter * (2 * this.random() - 1));
  }

  private probe(t: Tracked): void {
    t.timer = undefined;
    t.cancel = probeBackend(t.backend, this.probeOptions, (result) => {
      t.cancel = undefined;
      if (!this.running || this.tracked.get(t.backend.id) !== t) return;
      this.schedule(t, this.nextDelay());
      if (result.ok) this.pass(t);
      else this.failure(t, result.reason);
    });
  }

  private pass(t: Tracked): void {
    t.failures = 0;
    t.successes++;
    this.emit('check', t.backend, true, undefined);
    if (!t.healthy && t.successes >= this.options.rise) {
      t.healthy = true;
      this.emit('up', t.backend);
    }
  }

  private failure(t: Tracked, reason: string): void {
    t.successes = 0;
    t.failures++;
    this.emit('check', t.backend, false, reason);
    if (t.healthy && t.failures >= this.options.fall) {
      t.healthy = false;
      this.emit('down', t.backend, reason);
    }
  }
}
