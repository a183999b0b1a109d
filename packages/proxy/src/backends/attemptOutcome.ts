/** How one attempt against a backend ended, as health and load-aware strategies learn from it. */
export interface AttemptOutcome {
  /** `true` when the backend answered (any status) or a TCP connect succeeded; `false` on a failure. */
  readonly ok: boolean;
  readonly latencyMs: number;
  /** The backend's status code, when it answered over HTTP. */
  readonly status: number | undefined;
}
