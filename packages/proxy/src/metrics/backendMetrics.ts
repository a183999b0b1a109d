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
 * The state gauges of one backend, read when metrics are taken. They belong to whoever runs the backend (the
 * balancer's backend record), so the metrics never hold a copy that could fall behind.
 */
export interface BackendGauges {
  /** `true` while the backend takes traffic (not down, draining or ejected). */
  readonly up: boolean;
  /** `true` while outlier detection has it ejected. */
  readonly ejected: boolean;
  /** Effective weight, including slow start. */
  readonly effectiveWeight: number;
  /** Requests (or TCP connections) in flight. */
  readonly inFlight: number;
}

/** Options of {@link BackendMetrics}. */
export interface BackendMetricsOptions {
  /** Latency histogram bounds in seconds. @default defaultLatencyBuckets */
  readonly buckets?: readonly number[];
  /** Where the state gauges are read from. @default a plain object: up, not ejected, weight 1, nothing in flight */
  readonly gauges?: BackendGauges;
  /** The backend group, for the `group` label. */
  readonly group?: string;
  /** The `backend` label of its series. @default String(id) */
  readonly metricsName?: string;
}

/**
 * The counters of one backend. The request path keeps a reference (from `MetricsRegistry.backend(id)`) and
 * calls these methods per request; none of them allocates. Its gauges are read from a {@link BackendGauges}
 * owned elsewhere; standalone, it keeps a plain object of its own that the caller sets.
 */
export class BackendMetrics {
  /** Responses per status class, index 0 = `1xx` … 4 = `5xx`. */
  readonly responses = new Float64Array(5);
  /** Failures per {@link ErrorKind}, in {@link errorKinds} order. */
  readonly errors = new Float64Array(errorKinds.length);
  /** Request latency in seconds (HTTP), or connection length (TCP mode). */
  readonly latency: Histogram;
  /** Open connections to the backend (TCP mode: proxied connections; HTTP: pooled upstream sockets). */
  activeConnections = 0;
  /** Connections opened to the backend. */
  connections = 0;
  /** Retries that moved a request away from this backend after it failed. */
  retries = 0;
  /** Times outlier detection ejected this backend. */
  ejections = 0;
  /** Failed active health checks. */
  healthCheckFailures = 0;
  /** The last active health check: passed or not, when (ms since the epoch), and why it failed. */
  lastHealthCheck: { readonly ok: boolean; readonly at: number; readonly reason?: string } | undefined;

  /** Where `up`, `ejected`, the effective weight and the in-flight count are read from. */
  readonly gauges: BackendGauges;
  /** The backend group, the `group` label; absent for a balancer's single list. */
  readonly group: string | undefined;
  /** The `backend` label of its series; backends sharing one (in one group) are summed. */
  readonly metricsName: string;

  constructor(
    readonly id: BackendId,
    options: BackendMetricsOptions = {},
  ) {
    this.latency = new Histogram(options.buckets);
    this.gauges = options.gauges ?? { up: true, ejected: false, effectiveWeight: 1, inFlight: 0 };
    this.group = options.group;
    this.metricsName = options.metricsName ?? String(id);
  }

  /**
   * Adds `other`'s counters to these; `live` when `other` still runs, so its open connections count too (the
   * state gauges are summed where the series are read).
   */
  absorb(other: BackendMetrics, live: boolean): void {
    for (let i = 0; i < this.responses.length; i++) this.responses[i]! += other.responses[i]!;
    for (let i = 0; i < this.errors.length; i++) this.errors[i]! += other.errors[i]!;
    this.latency.merge(other.latency);
    this.connections += other.connections;
    if (live) this.activeConnections += other.activeConnections;
    this.retries += other.retries;
    this.ejections += other.ejections;
    this.healthCheckFailures += other.healthCheckFailures;
  }

  /**
   * A request ended. `status` is the response status (`0` or less when there was none: count the failure with
   * {@link error}); `seconds` its latency, observed only when there was a response.
   */
  requestEnd(status: number, seconds: number): void {
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
