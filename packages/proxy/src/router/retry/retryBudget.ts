/**
 * Caps concurrent retries at a share of active requests (Envoy's retry budget), so that when backends fail,
 * retries cannot multiply the load of an outage. A floor keeps retries possible when traffic is light.
 *
 * A request whose connection the backend closed before answering (a killed or crashing backend takes every
 * request it holds with it) may instead take a *recovery* slot, once: those are bounded by the requests the lost
 * backends had in flight, not by the budget, because a backend's death fails all of them at the same instant —
 * exactly when a budget sized for the steady state has no room.
 */
export class RetryBudget {
  private active = 0;
  private retrying = 0;
  private recovering = 0;
  private peak = 0;

  /**
   * @param percent share of active requests that may be retries at once, from 0 to 1
   * @param minConcurrency retries always allowed, whatever the traffic
   * @param recoverLost whether a lost connection's request may take a recovery slot
   */
  constructor(
    private readonly percent: number,
    private readonly minConcurrency: number,
    private readonly recoverLost = true,
  ) {}

  /** A client request began. */
  requestStarted(): void {
    this.active++;
  }

  /** A client request ended. */
  requestEnded(): void {
    this.active--;
  }

  /** Claims a retry slot; `false` when the budget is spent. Every `true` must be paired with {@link release}. */
  tryAcquire(): boolean {
    const limit = Math.max(this.minConcurrency, Math.floor(this.active * this.percent));
    if (this.retrying >= limit) return false;
    this.retrying++;
    this.notePeak();
    return true;
  }

  /** A retry claimed with {@link tryAcquire} finished. */
  release(): void {
    this.retrying--;
  }

  /**
   * Claims a recovery slot for a request whose connection was lost before a response; granted unless recovery
   * is off, since the caller claims one per request at most. Every `true` must be paired with
   * {@link releaseRecovery}.
   */
  tryAcquireRecovery(): boolean {
    if (!this.recoverLost) return false;
    this.recovering++;
    this.notePeak();
    return true;
  }

  /** A retry claimed with {@link tryAcquireRecovery} finished. */
  releaseRecovery(): void {
    this.recovering--;
  }

  /** Retries in progress, recoveries included. */
  get inProgress(): number {
    return this.retrying + this.recovering;
  }

  /** The most retries ever in progress at once, recoveries included. */
  get peakInProgress(): number {
    return this.peak;
  }

  private notePeak(): void {
    const now = this.retrying + this.recovering;
    if (now > this.peak) this.peak = now;
  }
}
