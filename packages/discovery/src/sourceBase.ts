import type { DiscoveryListener, DiscoverySnapshot, DiscoverySource } from '@lb/core';
import { type DiscoveryAnswer, decideHold, type HoldState, initialHoldState } from './holdRule.js';

/** Options every built-in source takes. */
export interface FailureRuleOptions {
  /**
   * Milliseconds of empty answers (an empty list, NXDOMAIN, no usable endpoint) before a non-empty set is
   * emptied; until then the last set keeps serving, marked stale. As HAProxy's `hold nx`. @default 30000
   */
  hold?: number;
}

/** Default of {@link FailureRuleOptions.hold}. */
export const defaultHoldMs = 30_000;

/**
 * What the built-in sources share: listeners, versions and the failure rules. A subclass starts its work in
 * {@link SourceBase.open}, reports each answer with {@link SourceBase.report}, and stops in
 * {@link SourceBase.close}; it runs only while someone is subscribed.
 */
export abstract class SourceBase implements DiscoverySource {
  abstract readonly description: string;
  private readonly listeners = new Set<DiscoveryListener>();
  private state: HoldState = initialHoldState;
  private latest: DiscoverySnapshot | undefined;
  private version = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  protected constructor(private readonly holdMs: number) {}

  subscribe(listener: DiscoveryListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this.open();
    } else if (this.latest !== undefined) {
      const latest = this.latest;
      // Asynchronously, so a listener never runs before `subscribe` has returned its unsubscribe function.
      queueMicrotask(() => {
        if (this.listeners.has(listener) && this.latest === latest) listener.snapshot(latest);
      });
    }
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      clearTimeout(this.holdTimer);
      this.close();
      // A later subscriber starts afresh: the old set may be long out of date.
      this.state = initialHoldState;
      this.latest = undefined;
    };
  }

  /** Starts the work; called on the first subscription. */
  protected abstract open(): void;

  /** Stops every timer, socket and watcher; called when the last subscriber leaves. */
  protected abstract close(): void;

  /** Whether anyone is subscribed, for work that finishes after `close`. */
  protected get active(): boolean {
    return this.listeners.size > 0;
  }

  /** Applies one answer through the failure rules and tells the listeners what changed. */
  protected report(answer: DiscoveryAnswer): void {
    if (!this.active) return;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const decision = decideHold(this.state, answer, Date.now(), this.holdMs);
    this.state = decision.state;
    if (decision.recheckAt !== undefined) {
      // Ends the hold even when the source has nothing more to say (a watch that stays quiet).
      this.holdTimer = setTimeout(() => this.report({ kind: 'empty' }), decision.recheckAt - Date.now());
      this.holdTimer.unref();
    }
    if (decision.error !== undefined) for (const l of this.listeners) l.error?.(decision.error);
    if (!decision.publish) return;
    const snapshot: DiscoverySnapshot = {
      version: ++this.version,
      backends: decision.state.current ?? [],
      stale: decision.state.stale,
      ...(decision.state.stale && decision.error !== undefined ? { error: decision.error } : {}),
    };
    this.latest = snapshot;
    for (const l of this.listeners) l.snapshot(snapshot);
  }
}
