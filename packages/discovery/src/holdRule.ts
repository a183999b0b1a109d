import type { DiscoveredBackend } from '@lb/core';
import { LbError } from '@lb/core';
import { sameBackends } from './snapshotDiff.js';

/** One answer of a source, before the failure rules are applied. */
export type DiscoveryAnswer =
  /** The source answered with backends (normalized, not empty). */
  | { readonly kind: 'backends'; readonly backends: readonly DiscoveredBackend[] }
  /** The source answered that there are none: an empty list, NXDOMAIN, no usable endpoint. */
  | { readonly kind: 'empty' }
  /** The source could not answer: an error, a timeout, a broken watch, invalid data. */
  | { readonly kind: 'failed'; readonly error: Error };

/** What the failure rules remember between answers. */
export interface HoldState {
  /** The set published last; `undefined` before the first answer. */
  readonly current: readonly DiscoveredBackend[] | undefined;
  /** Whether `current` is a kept set rather than the source's latest word. */
  readonly stale: boolean;
  /** When the run of empty answers that is being held began (ms). */
  readonly emptySince: number | undefined;
}

/** The outcome of one answer. */
export interface HoldDecision {
  readonly state: HoldState;
  /** Whether listeners must hear of the new state: the set changed, or it became stale or fresh. */
  readonly publish: boolean;
  /** Why the set is kept rather than replaced, for the `error` callback. */
  readonly error?: Error;
  /** When to decide again if nothing else is heard, to end a hold (ms). */
  readonly recheckAt?: number;
}

/** The state before any answer. */
export const initialHoldState: HoldState = { current: undefined, stale: false, emptySince: undefined };

/**
 * Applies the failure rules every source shares: an error freezes the last good set (stale), never empties it;
 * an empty answer empties a non-empty set only once answers have been empty for `holdMs` (as HAProxy's
 * `hold nx`); anything else replaces the set. Pure: time comes in as `now`.
 */
export function decideHold(
  state: HoldState,
  answer: DiscoveryAnswer,
  now: number,
  holdMs: number,
): HoldDecision {
  if (answer.kind === 'backends') {
    const next: HoldState = { current: answer.backends, stale: false, emptySince: undefined };
    const changed =
      state.current === undefined || state.stale || !sameBackends(state.current, answer.backends);
    return { state: next, publish: changed };
  }
  if (answer.kind === 'failed') {
    const error = answer.error;
    return { state: { ...state, current: state.current ?? [], stale: true }, publish: !state.stale, error };
  }
  if (state.current === undefined || state.current.length === 0) {
    const publish = state.current === undefined || state.stale;
    return { state: { current: [], stale: false, emptySince: undefined }, publish };
  }
  const emptySince = state.emptySince ?? now;
  if (now - emptySince >= holdMs) {
    return { state: { current: [], stale: false, emptySince: undefined }, publish: true };
  }
  const error = new LbError(
    'LB_ERR_DISCOVERY_EMPTY',
    `The source answered with no backends; the last ${state.current.length} are kept until the hold of ${holdMs} ms passes`,
  );
  return {
    state: { current: state.current, stale: true, emptySince },
    publish: !state.stale,
    error,
    recheckAt: emptySince + holdMs,
  };
}
