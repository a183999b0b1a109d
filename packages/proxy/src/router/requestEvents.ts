import type { LbError } from '@lb/core';
import type { BackendStatus } from '../backends/backendStatus.js';

/** What the request path announces, the same for HTTP requests and TCP connections. */
export type RequestEvents = {
  /** A request to a backend failed (it may have been retried); `backend` is unset when none was chosen. */
  proxyError: [error: LbError, backend: BackendStatus | undefined];
  /**
   * The listener failed after it started, a strategy threw, or handling a client connection threw where no rule
   * expected it (that request or connection is lost, nothing else). Optional: nothing throws when nobody listens.
   */
  error: [error: Error];
};
