import type { BackendId } from '@lb/core';
import { Histogram } from './histogram.js';

/** Why a request to a backend failed, the `kind` label of `lb_backend_errors_total`. */
export type ErrorKind = 'connect' | 'timeout' | 'reset' | 'protocol' | 'other';

/** Every {@link ErrorKind}, in label order. */
export const errorKinds: readonly ErrorKind[] = Object.freeze([
  'connect',
  'timeout',
  'reset',
  'protocol',
  'other',
]);

/** The `code_class` label values, index `i` holding `${i + 1}xx`. */
export const statusClasses = Object.freeze(['1xx', '2xx', '3xx', '4xx', '5xx'] as const);

/** A status class such as `2xx`. */
export type StatusClass = (typeof statusClasses)[number];

const errorIndex: Readonly<Record<ErrorKind, number>> = {
  connect: 0,
  timeout: 1,
  reset: 2,
  protocol: 3,
  other: 4,
};

/**
 * The counters of one backend. The request path keeps a reference (from `MetricsRegistry.backend(id)`) and
 * calls these methods per request; none of them allocates.
 */
export class BackendMetrics {
  /** Responses per status class, index 0 = `1xx` … 4 = `5xx`. */
  readonly responses = new Float64Array(5);
  /** Failures per {@link ErrorKind}, in {@link errorKinds} order. */
  readonly errors = new Float64Array(errorKinds.length);
  /** Request latency in seconds (HTTP), or connection length (TCP mode). */
  readonly latency: Histogram;
  /** Requests in flight. */
  activeRequests = 0;
  /** Open connections to the backend (TCP mode: proxied connections; HTTP: upstream sockets). */
  activeConnections = 0;
  /** Connections opened to the backend. */
  connections = 0;
  /** Retries that moved a request away from this backend after it failed. */
  retries = 0;
  /** Times outlier detection ejected this backend. */
  ejections = 0;
  /** Failed active health checks. */
  healthCheckFailures = 0;
  /** `true` while the backend takes traffic (not down, draining or ejected). */
  up = true;
  /** `true` while outlier detection has it ejected. */
  ejected = false;
  /** Effective weight, including slow start. */
  weight = 1;

  /**
   * @param metricsName the `backend` label of its series; backends sharing one are summed
   */
  constructor(
    readonly id: BackendId,
    buckets?: readonly number[],
    readonly metricsName: string = String(id),
  ) {
    this.latency = new Histogram(buckets);
  }

  /**
   * Adds `other`'s counters to these; with `gauges`, its gauges too: active counts and weights add up, the sum
   * is up when any part is and ejected only when every part is (start from up `false`, ejected `true`).
   */
  absorb(other: BackendMetrics, gauges: boolean): void {
    for (let i = 0; i < this.responses.length; i++) this.responses[i]! += other.responses[i]!;
    for (let i = 0; i < this.errors.length; i++) this.errors[i]! += other.errors[i]!;
    this.latency.merge(other.latency);
    this.connections += other.connections;
    this.retries += other.retries;
    this.ejections += other.ejections;
    this.healthCheckFailures += other.healthCheckFailures;
    if (!gauges) return;
    this.activeRequests += other.activeRequests;
    this.activeConnections += other.activeConnections;
    this.weight += other.weight;
    this.up ||= other.up;
    this.ejected &&= other.ejected;
  }

  /** A request was sent. */
  requestStart(): void {
    this.activeRequests++;
  }

  /**
   * A request ended. `status` is the response status (`0` or less when there was none: count the failure with
   * {@link error}); `seconds` its latency, observed only when there was a response.
   */
  requestEnd(status: number, seconds: number): void {
    if (this.activeRequests > 0) this.activeRequests--;
    if (status <= 0) return;
    const cls = Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1;
    this.responses[cls]!++;
    this.latency.observe(seconds);
  }

  /** A request or connection failed for `kind`. */
  error(kind: ErrorKind): void {
    this.errors[errorIndex[kind]]!++;
  }

  /** A connection to the backend opened. */
  connectionOpened(): void {
    this.connections++;
    this.activeConnections++;
  }

  /** A connection to the backend closed; `seconds` (TCP mode) is observed as its length. */
  connectionClosed(seconds?: number): void {
    if (this.activeConnections > 0) this.activeConnections--;
    if (seconds !== undefined) this.latency.observe(seconds);
  }
}
