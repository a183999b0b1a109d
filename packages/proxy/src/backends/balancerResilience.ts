import type { Backend, BackendId, TypedEventEmitter } from '@lb/core';
import type { LoadBalancerEvents } from '../balancer/loadBalancerEvents.js';
import type { ResolvedProxyOptions } from '../balancer/resolveOptions.js';
import type { ErrorKind } from '../metrics/backendMetrics.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { AttemptOutcome, FailureKind } from '../router/proxyHooks.js';
import type { BackendRegistry } from './backendRegistry.js';
import { HealthChecker } from './health/healthChecker.js';
import { OutlierDetector } from './health/outlierDetector.js';
import { SlowStartRamp } from './health/slowStart.js';

type HealthChange = Parameters<BackendRegistry['update']>[1];

const errorKinds: Record<FailureKind, ErrorKind> = {
  connect: 'connect',
  connectTimeout: 'timeout',
  reset: 'reset',
  responseTimeout: 'timeout',
  idleTimeout: 'timeout',
  protocol: 'protocol',
};

/**
 * Wires the health features into the balancer: outlier detection fed with request outcomes, active health
 * checks, slow start applied through the strategy's weights, and the gauges the metrics report. Every change
 * goes through the {@link BackendRegistry} and is announced as a balancer event.
 */
export class BalancerResilience {
  private readonly outlier: OutlierDetector | undefined;
  private readonly checker: HealthChecker | undefined;
  private readonly ramp: SlowStartRamp | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private rampTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedProxyOptions,
    private readonly registry: BackendRegistry,
    private readonly metrics: MetricsRegistry,
    private readonly events: TypedEventEmitter<LoadBalancerEvents>,
  ) {
    this.outlier = options.outlierDetection ? new OutlierDetector(options.outlierDetection) : undefined;
    this.ramp = options.slowStart ? new SlowStartRamp(options.slowStart) : undefined;
    if (options.healthCheck) {
      const checker = new HealthChecker(options.healthCheck);
      checker.on('down', (backend, reason) =>
        this.setHealth(backend.id, { failingChecks: true }, `health check: ${reason}`),
      );
      checker.on('up', (backend) =>
        this.setHealth(backend.id, { failingChecks: false }, 'health check passed'),
      );
      checker.on('check', (backend, ok) => {
        const m = this.metrics.backend(backend.id);
        if (m && !ok) m.healthCheckFailures++;
      });
      this.checker = checker;
    }
  }

  /** Starts the active health checks. */
  async start(): Promise<void> {
    this.checker?.start();
  }

  /** Stops every timer. */
  async stop(): Promise<void> {
    this.checker?.stop();
    clearTimeout(this.recoveryTimer);
    clearInterval(this.rampTimer);
    this.rampTimer = undefined;
  }

  backendAdded(backend: Backend, rampUp: boolean): void {
    this.outlier?.addBackend(backend.id);
    this.checker?.addBackend(backend);
    if (rampUp) this.beginRamp(backend.id);
  }

  backendRemoved(id: BackendId): void {
    this.outlier?.removeBackend(id);
    this.checker?.removeBackend(id);
    this.ramp?.end(id);
    this.metrics.removeBackend(id);
  }

  setWeight(id: BackendId, weight: number): void {
    this.registry.setWeight(id, weight);
    const factor = this.ramp?.factor(id) ?? 1;
    if (factor < 1) this.registry.setEffectiveWeight(id, weight * factor);
  }

  /** Applies a health input change and announces an up/down transition. */
  setHealth(id: BackendId, change: HealthChange, reason: string): void {
    if (!this.registry.has(id)) return;
    const { before, after } = this.registry.update(id, change);
    if (before === after) return;
    const status = this.registry.status(id)!;
    if (after === 'down' && before === 'up') this.events.emit('backendDown', status, reason);
    else if (after === 'up' && before === 'down') {
      this.events.emit('backendUp', status);
      this.beginRamp(id);
    }
  }

  /** Feeds one attempt's outcome to outlier detection (5xx counts as failure only when configured). */
  recordOutcome(id: BackendId, outcome: AttemptOutcome): void {
    const outlier = this.outlier;
    if (outlier === undefined) return;
    const serverError = this.options.outlierDetection!.countServerErrors && (outcome.status ?? 0) >= 500;
    const decision = outlier.record(id, outcome.ok && !serverError);
    if (decision === undefined) return;
    this.setHealth(id, { ejected: true }, 'ejected');
    const m = this.metrics.backend(id);
    if (m) m.ejections++;
    this.events.emit('backendEjected', this.registry.status(id)!, decision.until);
    this.scheduleRecovery();
  }

  errorKind(kind: FailureKind): ErrorKind {
    return errorKinds[kind];
  }

  /** Copies health and weights into the metrics gauges before a snapshot. */
  refreshGauges(): void {
    for (const status of this.registry.statuses()) {
      const m = this.metrics.backend(status.id);
      if (m === undefined) continue;
      m.up = status.health === 'up';
      m.ejected = status.ejected;
      m.weight = status.effectiveWeight;
    }
  }

  private scheduleRecovery(): void {
    const at = this.outlier?.nextRecoveryAt();
    clearTimeout(this.recoveryTimer);
    if (at === undefined) return;
    this.recoveryTimer = setTimeout(() => this.recover(), Math.max(0, at - Date.now()));
    this.recoveryTimer.unref();
  }

  private recover(): void {
    for (const decision of this.outlier?.recoverDue() ?? []) {
      if (!this.registry.has(decision.id)) continue;
      this.setHealth(decision.id, { ejected: false }, 'recovered');
      this.events.emit('backendRecovered', this.registry.status(decision.id)!);
    }
    this.scheduleRecovery();
  }

  private beginRamp(id: BackendId): void {
    const ramp = this.ramp;
    if (ramp === undefined) return;
    ramp.begin(id);
    this.applyRamp();
    if (this.rampTimer !== undefined) return;
    const every = Math.max(50, Math.floor(this.options.slowStart!.window / 20));
    this.rampTimer = setInterval(() => this.applyRamp(), every);
    this.rampTimer.unref();
  }

  private applyRamp(): void {
    const ramp = this.ramp!;
    for (const { id, factor } of ramp.tick()) {
      if (this.registry.has(id))
        this.registry.setEffectiveWeight(id, this.registry.configuredWeight(id) * factor);
    }
    if (ramp.size === 0) {
      clearInterval(this.rampTimer);
      this.rampTimer = undefined;
    }
  }
}
