/** Options of a {@link RestartPolicy}; the cluster fills them from its `ClusterConfig`. */
export interface RestartPolicyOptions {
  /** Backoff base in milliseconds: the delay before the second restart in a row. @default 100 */
  restartDelay?: number;
  /** Longest restart delay in milliseconds. @default 30000 */
  maxRestartDelay?: number;
  /** Restarts in a row before the slot is given up. @default 10 */
  maxRestarts?: number;
  /** Uptime in milliseconds after which the crash count resets. @default 30000 */
  stableUptime?: number;
  /** Source of randomness in [0, 1), replaceable for tests. @default Math.random */
  random?: () => number;
}

/** What to do after a worker exited unexpectedly. */
export type RestartDecision =
  | { readonly action: 'restart'; readonly delay: number; readonly attempt: number }
  | { readonly action: 'giveUp'; readonly attempts: number };

/**
 * Exponential backoff with jitter for one worker slot. The first crash after a stable run restarts at once: one
 * crash is not a loop, and a fast replacement is what keeps capacity up. The n-th crash in a row (n ≥ 2) waits
 * between half and all of `restartDelay × 2^(n−2)`, capped at `maxRestartDelay`: the jitter keeps slots that
 * crash together (one poison request hitting every worker) from restarting in lockstep again, and the lower
 * bound keeps a crash loop from spinning. A worker that stayed up for `stableUptime` starts a fresh count, so
 * one crash a day never adds up to a give-up.
 *
 * @example
 * ```ts
 * const policy = new RestartPolicy({ restartDelay: 100, maxRestarts: 3 });
 * policy.onExit(20); // { action: 'restart', delay: 0, attempt: 1 }
 * policy.onExit(20); // { action: 'restart', delay: 50…100, attempt: 2 }
 * policy.onExit(20); // { action: 'restart', delay: 100…200, attempt: 3 }
 * ```
 */
export class RestartPolicy {
  private readonly restartDelay: number;
  private readonly maxRestartDelay: number;
  private readonly maxRestarts: number;
  private readonly stableUptime: number;
  private readonly random: () => number;
  private crashes = 0;

  constructor(options: RestartPolicyOptions = {}) {
    this.restartDelay = options.restartDelay ?? 100;
    this.maxRestartDelay = Math.max(this.restartDelay, options.maxRestartDelay ?? 30_000);
    this.maxRestarts = options.maxRestarts ?? 10;
    this.stableUptime = options.stableUptime ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** Crashes in a row so far (reset by a stable uptime). */
  get consecutiveCrashes(): number {
    return this.crashes;
  }

  /** Records an unexpected exit after `uptime` milliseconds and decides whether and when to restart. */
  onExit(uptime: number): RestartDecision {
    if (uptime >= this.stableUptime) this.crashes = 0;
    this.crashes += 1;
    if (this.crashes > this.maxRestarts) return { action: 'giveUp', attempts: this.crashes - 1 };
    if (this.crashes === 1) return { action: 'restart', delay: 0, attempt: 1 };
    const ceiling = Math.min(this.maxRestartDelay, this.restartDelay * 2 ** (this.crashes - 2));
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    return { action: 'restart', delay, attempt: this.crashes };
  }

  /** Forgets past crashes, as after a deliberate reload. */
  reset(): void {
    this.crashes = 0;
  }
}
