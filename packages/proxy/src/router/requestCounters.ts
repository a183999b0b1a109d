/** Balancer-wide request counters, with a way to wait until nothing is in flight. */
export class RequestCounters {
  /** Requests, tunnels or TCP connections in flight. */
  active = 0;
  /** Requests or TCP connections received. */
  total = 0;
  /** Retries on another backend. */
  retries = 0;
  private idleWaiters: (() => void)[] = [];

  /** Resolves once nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  started(): void {
    this.active++;
    this.total++;
  }

  ended(): void {
    this.active--;
    if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
