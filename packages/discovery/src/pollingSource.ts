import { type DiscoveredBackend, LbError } from '@lb/core';
import type { DiscoveryAnswer } from './holdRule.js';
import { retryDelay } from './refreshDelay.js';
import { normalizeBackends } from './snapshotDiff.js';
import { SourceBase } from './sourceBase.js';

/** One lookup's result: the answer, and in how many milliseconds to look again. */
export interface PollResult {
  readonly backends: readonly DiscoveredBackend[];
  readonly nextInMs: number;
}

/**
 * A source that looks up its backends over and over (DNS). A lookup resolves with the backends (an empty list
 * for NXDOMAIN or no records) and the delay to the next one, or rejects; after a failure it retries with
 * jittered backoff from 1 s to 30 s.
 */
export abstract class PollingSource extends SourceBase {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Bumped by `close`, so a lookup that finishes after it is dropped. */
  private generation = 0;

  /** One lookup. */
  protected abstract poll(): Promise<PollResult>;

  protected open(): void {
    this.run(this.generation);
  }

  protected close(): void {
    this.generation++;
    clearTimeout(this.timer);
  }

  private run(generation: number): void {
    this.poll().then(
      (result) => {
        if (generation !== this.generation) return;
        this.failures = 0;
        const backends = normalizeBackends(result.backends);
        const answer: DiscoveryAnswer =
          backends.length > 0 ? { kind: 'backends', backends } : { kind: 'empty' };
        this.report(answer);
        this.schedule(generation, result.nextInMs);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        this.failures++;
        const error = new LbError(
          'LB_ERR_DISCOVERY_FAILED',
          `${this.description}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
        this.report({ kind: 'failed', error });
        this.schedule(generation, retryDelay(this.failures, Math.random()));
      },
    );
  }

  private schedule(generation: number, delay: number): void {
    this.timer = setTimeout(() => this.run(generation), delay);
    // A source alone must not keep a process alive; a balancer's listener does that.
    this.timer.unref();
  }
}
