/**
 * Caps concurrent retries at a share of active requests (Envoy's retry budget), so that when backends fail,
 * retries cannot multiply the load of an outage. A floor keeps retries possible when traffic is light.
 */
export class RetryBudget {
  private active = 0;
  private retrying = 0;

  /**
   * @param percent share of active requests that may be retries at once, from 0 to 1
   * @param minConcurrency retries always allowed, whatever the traffic
   */
  constructor(
    private readonly percent: number,
    private readonly minConcurrency: number,
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
    return true;
  }

  /** A retry claimed with {@link tryAcquire} finished. */
  release(): void {
    this.retrying--;
  }

  /** Retries in progress. */
  get inProgress(): number {
    return this.retrying;
  }
}
