import type { Backend, BackendHealth } from '@lb/core';
import type { BackendGauges, BackendMetrics } from '../metrics/backendMetrics.js';
import type { BackendStatus } from './backendStatus.js';

/** The inputs that decide a backend's health; any one of the first three takes it out of rotation. */
export interface HealthInputs {
  /** An external signal (`setBackendHealth`, a cluster knowing its worker died). */
  markedDown: boolean;
  /** Active health checks failed `fall` times in a row. */
  failingChecks: boolean;
  /** Outlier detection ejected it. */
  ejected: boolean;
  /** It takes no new requests; in-flight ones finish. */
  draining: boolean;
}

/**
 * Everything the balancer knows about one backend, in one place: address, configured weight and slow-start
 * factor, health inputs, in-flight count and metrics handle. Strategies, health checks, outlier detection and
 * metrics read it; only the {@link BackendSet} that owns it writes it.
 */
export class BackendRecord implements HealthInputs, BackendGauges {
  /** What the strategy was given: the address with the effective weight. Replaced when that weight changes. */
  backend: Backend;
  /** The weight the user configured. */
  weight: number;
  /** Slow start's share of `weight`, 1 outside a ramp. */
  rampFactor = 1;
  markedDown = false;
  failingChecks = false;
  ejected = false;
  draining = false;
  /** Set when `setBackends` left it out: it is removed once idle. */
  leaving = false;
  inFlight = 0;
  /** Resolved when `inFlight` reaches 0 or the backend is removed. */
  drainWaiters: (() => void)[] = [];

  /** Its counters; their gauges read this record. */
  readonly metrics: BackendMetrics;

  constructor(
    backend: Backend,
    metricsFor: (gauges: BackendGauges) => BackendMetrics,
    /** The group it belongs to; absent for a balancer's single list. */
    readonly group?: string,
  ) {
    this.weight = backend.weight ?? 1;
    this.backend = { ...backend, weight: this.weight };
    this.metrics = metricsFor(this);
  }

  get id(): Backend['id'] {
    return this.backend.id;
  }

  /** The weight the strategy uses: the configured one through slow start. */
  get effectiveWeight(): number {
    return this.weight * this.rampFactor;
  }

  /** Health as the strategy sees it. */
  get health(): BackendHealth {
    if (this.draining) return 'draining';
    return this.markedDown || this.failingChecks || this.ejected ? 'down' : 'up';
  }

  /** Whether it takes new traffic, the `lb_backend_up` gauge. */
  get up(): boolean {
    return this.health === 'up';
  }

  status(): BackendStatus {
    const { backend } = this;
    return {
      id: backend.id,
      ...(this.group === undefined ? {} : { group: this.group }),
      host: backend.host,
      port: backend.port,
      weight: this.weight,
      effectiveWeight: this.effectiveWeight,
      health: this.health,
      inFlight: this.inFlight,
      ejected: this.ejected,
      draining: this.draining,
    };
  }

  /** Wakes whoever waits for this backend to be idle. */
  releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
