import type {
  BackendId,
  ResolvedResilienceOptions,
  TypedEventEmitter,
  UpstreamProtocol,
  UpstreamTlsOptions,
} from '@lb/core';
import type { AttemptOutcome } from './attemptOutcome.js';
import type { BackendEvents } from './backendEvents.js';
import type { BackendRecord } from './backendRecord.js';
import type { BackendSet, BackendSetObserver } from './backendSet.js';
import { HealthChecker } from './health/healthChecker.js';
import { OutlierDetector } from './health/outlierDetector.js';
import { SlowStartRamp } from './health/slowStart.js';

/**
 * Feeds the health features into the backend set: outlier detection learns from request outcomes, active
 * health checks probe every member, and slow start ramps new and recovered backends. It follows membership as
 * an observer of the {@link BackendSet} and changes backends only through it; the decisions' own state
 * (failure streaks, probe counts, ramp start times) stays in the detectors.
 */
export class BalancerResilience implements BackendSetObserver {
  private readonly outlier: OutlierDetector | undefined;
  private readonly checker: HealthChecker | undefined;
  private readonly ramp: SlowStartRamp | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private rampTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedResilienceOptions & {
      readonly upstreamTls?: UpstreamTlsOptions | undefined;
      readonly upstreamProtocol?: UpstreamProtocol | undefined;
    },
    private readonly set: BackendSet,
    private readonly events: TypedEventEmitter<BackendEvents>,
  ) {
    this.outlier = options.outlierDetection ? new OutlierDetector(options.outlierDetection) : undefined;
    this.ramp = options.slowStart ? new SlowStartRamp(options.slowStart) : undefined;
    if (options.healthCheck) {
      const checker = new HealthChecker(options.healthCheck, [], {
        tls: options.upstreamTls,
        protocol: options.upstreamProtocol,
      });
      checker.on('down', (backend, reason) =>
        set.updateHealth(backend.id, { failingChecks: true }, `health check: ${reason}`),
      );
      checker.on('up', (backend) =>
        set.updateHealth(backend.id, { failingChecks: false }, 'health check passed'),
      );
      checker.on('check', (backend, ok) => {
        if (!ok) {
          const record = set.get(backend.id);
          if (record) record.metrics.healthCheckFailures++;
        }
      });
      this.checker = checker;
    }
    set.observe(this);
  }

  /** Starts the active health checks. */
  start(): void {
    this.checker?.start();
  }

  /** Stops every timer. */
  stop(): void {
    this.checker?.stop();
    clearTimeout(this.recoveryTimer);
    clearInterval(this.rampTimer);
    this.rampTimer = undefined;
  }

  backendAdded(record: BackendRecord, atRunTime: boolean): void {
    this.outlier?.addBackend(record.id);
    this.checker?.addBackend(record.backend);
    if (atRunTime) this.beginRamp(record);
  }

  backendRemoved(record: BackendRecord): void {
    this.outlier?.removeBackend(record.id);
    this.checker?.removeBackend(record.id);
    this.ramp?.end(record.id);
  }

  backendUp(record: BackendRecord): void {
    this.beginRamp(record);
  }

  /** Feeds one attempt's outcome to outlier detection (5xx counts as failure only when configured). */
  recordOutcome(record: BackendRecord, outcome: AttemptOutcome): void {
    const outlier = this.outlier;
    if (outlier === undefined) return;
    const serverError = this.options.outlierDetection!.countServerErrors && (outcome.status ?? 0) >= 500;
    const decision = outlier.record(record.id, outcome.ok && !serverError);
    if (decision === undefined) return;
    this.set.updateHealth(record.id, { ejected: true }, 'ejected');
    record.metrics.ejections++;
    this.events.emit('backendEjected', record.status(), decision.until);
    this.scheduleRecovery();
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
      const record = this.set.get(decision.id);
      if (record === undefined) continue;
      this.set.updateHealth(decision.id, { ejected: false }, 'recovered');
      this.events.emit('backendRecovered', record.status());
    }
    this.scheduleRecovery();
  }

  private beginRamp(record: BackendRecord): void {
    const ramp = this.ramp;
    if (ramp === undefined) return;
    ramp.begin(record.id);
    this.applyRamp();
    if (this.rampTimer !== undefined) return;
    const every = Math.max(50, Math.floor(this.options.slowStart!.window / 20));
    this.rampTimer = setInterval(() => this.applyRamp(), every);
    this.rampTimer.unref();
  }

  private applyRamp(): void {
    const ramp = this.ramp!;
    for (const { id, factor } of ramp.tick()) this.rampTo(id, factor);
    if (ramp.size === 0) {
      clearInterval(this.rampTimer);
      this.rampTimer = undefined;
    }
  }

  private rampTo(id: BackendId, factor: number): void {
    const record = this.set.get(id);
    if (record !== undefined) this.set.setRampFactor(record, factor);
  }
}
