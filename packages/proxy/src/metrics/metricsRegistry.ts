import type { BackendId } from '@lb/core';
import { type BackendGauges, BackendMetrics, errorKinds, statusClasses } from './backendMetrics.js';
import { Histogram } from './histogram.js';
import { writeProcessMetrics } from './processMetrics.js';
import { PrometheusWriter } from './prometheusText.js';

/** Latency quantiles in milliseconds; `null` before the first observation. */
export interface LatencySnapshot {
  readonly count: number;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
}

/** One backend in {@link MetricsSnapshot}. */
export interface BackendMetricsSnapshot {
  readonly id: BackendId;
  /** The backend group, for backends of a named group. */
  readonly group?: string;
  readonly up: boolean;
  readonly ejected: boolean;
  readonly weight: number;
  readonly activeRequests: number;
  readonly activeConnections: number;
  readonly connections: number;
  /** Responses by status class, such as `{ '2xx': 10, '5xx': 1, … }`. */
  readonly responses: Readonly<Record<(typeof statusClasses)[number], number>>;
  /** Failures by kind, such as `{ connect: 2, timeout: 0, … }`. */
  readonly errors: Readonly<Record<(typeof errorKinds)[number], number>>;
  readonly retries: number;
  readonly ejections: number;
  readonly healthCheckFailures: number;
  /** The last active health check (ms since the epoch), with health checks on. */
  readonly lastHealthCheck?: { readonly ok: boolean; readonly at: number; readonly reason?: string };
  readonly latency: LatencySnapshot;
}

/** The JSON view of every metric, for `lb.stats()` and the admin `/status` page. */
export interface MetricsSnapshot {
  readonly uptimeSeconds: number;
  readonly activeClientConnections: number;
  readonly clientConnections: number;
  readonly noBackend: number;
  readonly activeRequests: number;
  /** Sum of every backend's responses. */
  readonly responses: number;
  /** Sum of every backend's errors. */
  readonly errors: number;
  /** Latency over every backend together. */
  readonly latency: LatencySnapshot;
  readonly backends: readonly BackendMetricsSnapshot[];
}

/** Options of {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Latency bucket bounds in seconds. @default defaultLatencyBuckets (1 ms … 10 s) */
  buckets?: readonly number[];
  /** Clock in milliseconds, for uptime. @default Date.now */
  now?: () => number;
}

function latencyOf(h: Histogram): LatencySnapshot {
  const ms = (q: number) => (h.count === 0 ? null : h.quantile(q) * 1000);
  return {
    count: h.count,
    meanMs: h.count === 0 ? null : (h.sum / h.count) * 1000,
    p50Ms: ms(0.5),
    p90Ms: ms(0.9),
    p99Ms: ms(0.99),
  };
}

/** Backends of different groups may share an id; a group's backends are keyed apart. */
function keyOf(id: BackendId, group: string | undefined): BackendId {
  return group === undefined ? id : `${group}\u0000${String(id)}`;
}

/** The series a backend's counters go to: its group and metrics name. */
function seriesOf(m: BackendMetrics): string {
  return `${m.group ?? ''}\u0000${m.metricsName}`;
}

/** Options of {@link MetricsRegistry.addBackend}. */
export interface AddBackendMetricsOptions {
  /** Where its state gauges are read from; without it the counters keep a plain object of their own. */
  readonly gauges?: BackendGauges;
  /** Its backend group, the `group` label. */
  readonly group?: string;
  /** The `backend` label of its series (default `String(id)`); backends sharing one are summed. */
  readonly metricsName?: string;
}

/**
 * Every metric of one load balancer: per-backend {@link BackendMetrics} created when a backend is added (so the
 * request path only touches pre-created counters), balancer-wide counters, a JSON {@link snapshot} and the
 * Prometheus {@link prometheus} text.
 *
 * @example
 * ```ts
 * const metrics = new MetricsRegistry();
 * const m = metrics.addBackend('a');
 * m.requestEnd(200, 0.012);
 * metrics.prometheus(); // lb_backend_requests_total{backend="a",code_class="2xx"} 1 …
 * ```
 */
export class MetricsRegistry {
  private readonly byId = new Map<BackendId, BackendMetrics>();
  /** Counts of removed backends whose series another backend still carries, by series. */
  private readonly carried = new Map<string, BackendMetrics>();
  /** How many backends share each series, so a removal knows without scanning every backend. */
  private readonly sharing = new Map<string, number>();
  private readonly buckets: readonly number[] | undefined;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Client connections open now. */
  activeClientConnections = 0;
  /** Client connections accepted. */
  clientConnections = 0;
  /** Requests (or TCP connections) refused because no backend could take them. */
  noBackend = 0;
  /** Requests the HTTP listener answered with an error before dispatch, by status (a handful of codes). */
  private readonly rejected = new Map<number, number>();
  /** Connections of trusted peers closed for a missing, malformed or late PROXY protocol header. */
  proxyHeaderRefused = 0;

  constructor(options: MetricsRegistryOptions = {}) {
    this.buckets = options.buckets;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /**
   * Creates the counters of `id` (in `options.group`), or returns the existing ones. Backends of one group that
   * share a `metricsName` (a cluster worker and its replacement) are summed into one set of series.
   */
  addBackend(id: BackendId, options: AddBackendMetricsOptions = {}): BackendMetrics {
    const key = keyOf(id, options.group);
    let metrics = this.byId.get(key);
    if (metrics === undefined) {
      metrics = new BackendMetrics(id, { ...options, buckets: this.buckets });
      this.byId.set(key, metrics);
      const series = seriesOf(metrics);
      this.sharing.set(series, (this.sharing.get(series) ?? 0) + 1);
    }
    return metrics;
  }

  /**
   * Drops the counters of `id` (in `group`). Its series leave the exposition, unless another backend shares
   * them: then its counts are carried into the shared series, so counters never go backwards (a worker
   * replaced by a reload hands its totals to its successor).
   */
  removeBackend(id: BackendId, group?: string): void {
    const key = keyOf(id, group);
    const metrics = this.byId.get(key);
    if (metrics === undefined) return;
    this.byId.delete(key);
    const series = seriesOf(metrics);
    const left = (this.sharing.get(series) ?? 1) - 1;
    if (left === 0) {
      this.sharing.delete(series);
      this.carried.delete(series);
      return;
    }
    this.sharing.set(series, left);
    let carry = this.carried.get(series);
    if (carry === undefined) {
      carry = new BackendMetrics(metrics.metricsName, {
        buckets: this.buckets,
        group: metrics.group,
        metricsName: metrics.metricsName,
      });
      this.carried.set(series, carry);
    }
    carry.absorb(metrics, false);
  }

  /** One {@link BackendMetrics} per series, in insertion order: shared series summed, carried counts added. */
  private series(): BackendMetrics[] {
    const bySeries = new Map<string, BackendMetrics[]>();
    for (const m of this.byId.values()) {
      const parts = bySeries.get(seriesOf(m));
      if (parts === undefined) bySeries.set(seriesOf(m), [m]);
      else parts.push(m);
    }
    return [...bySeries].map(([series, parts]) => {
      const carry = this.carried.get(series);
      if (parts.length === 1 && carry === undefined) return parts[0]!;
      const first = parts[0]!;
      // Together the parts are up when any is, ejected only when all are, and carry the sum of their load.
      const gauges: BackendGauges = {
        up: parts.some((p) => p.gauges.up),
        ejected: parts.every((p) => p.gauges.ejected),
        effectiveWeight: parts.reduce((sum, p) => sum + p.gauges.effectiveWeight, 0),
        inFlight: parts.reduce((sum, p) => sum + p.gauges.inFlight, 0),
      };
      const sum = new BackendMetrics(first.metricsName, {
        buckets: this.buckets,
        gauges,
        group: first.group,
        metricsName: first.metricsName,
      });
      for (const part of parts) sum.absorb(part, true);
      if (carry !== undefined) sum.absorb(carry, false);
      return sum;
    });
  }

  /** The counters of `id` (in `group`), or `undefined` when it is unknown. */
  backend(id: BackendId, group?: string): BackendMetrics | undefined {
    return this.byId.get(keyOf(id, group));
  }

  /** Every backend's counters, in insertion order. */
  get backends(): IterableIterator<BackendMetrics> {
    return this.byId.values();
  }

  /** A client connection was accepted. */
  clientConnected(): void {
    this.clientConnections++;
    this.activeClientConnections++;
  }

  /** The listener refused a request with `status` (400, 408, 431, …) before it reached a route. */
  clientRejected(status: number): void {
    this.rejected.set(status, (this.rejected.get(status) ?? 0) + 1);
  }

  /** A trusted peer's connection was closed for its PROXY protocol header (malformed, missing or too late). */
  proxyHeaderFailed(): void {
    this.proxyHeaderRefused++;
  }

  /** A client connection closed. */
  clientDisconnected(): void {
    if (this.activeClientConnections > 0) this.activeClientConnections--;
  }

  /** A JSON snapshot of every counter, with latency quantiles. */
  snapshot(): MetricsSnapshot {
    const all = new Histogram(this.buckets);
    const backends: BackendMetricsSnapshot[] = [];
    let activeRequests = 0;
    let responses = 0;
    let errors = 0;
    for (const m of this.byId.values()) {
      all.merge(m.latency);
      activeRequests += m.gauges.inFlight;
      const byClass = Object.fromEntries(statusClasses.map((c, i) => [c, m.responses[i]!]));
      const byKind = Object.fromEntries(errorKinds.map((k, i) => [k, m.errors[i]!]));
      responses += m.responses.reduce((a, b) => a + b, 0);
      errors += m.errors.reduce((a, b) => a + b, 0);
      backends.push({
        id: m.id,
        ...(m.group === undefined ? {} : { group: m.group }),
        up: m.gauges.up,
        ejected: m.gauges.ejected,
        weight: m.gauges.effectiveWeight,
        activeRequests: m.gauges.inFlight,
        activeConnections: m.activeConnections,
        connections: m.connections,
        responses: byClass as BackendMetricsSnapshot['responses'],
        errors: byKind as BackendMetricsSnapshot['errors'],
        retries: m.retries,
        ejections: m.ejections,
        healthCheckFailures: m.healthCheckFailures,
        ...(m.lastHealthCheck !== undefined && { lastHealthCheck: m.lastHealthCheck }),
        latency: latencyOf(m.latency),
      });
    }
    return {
      uptimeSeconds: (this.now() - this.startedAt) / 1000,
      activeClientConnections: this.activeClientConnections,
      clientConnections: this.clientConnections,
      noBackend: this.noBackend,
      activeRequests,
      responses,
      errors,
      latency: latencyOf(all),
      backends,
    };
  }

  /** The Prometheus text exposition (0.0.4) of every metric; `docs/metrics.md` lists them. */
  prometheus(): string {
    const out = new PrometheusWriter();
    const ms = this.series();
    const label = (m: BackendMetrics, extra?: Record<string, string>) =>
      m.group === undefined
        ? { backend: m.metricsName, ...extra }
        : { group: m.group, backend: m.metricsName, ...extra };
    const perBackend = (
      name: string,
      type: 'counter' | 'gauge',
      help: string,
      value: (m: BackendMetrics) => number,
    ) => {
      out.family(name, type, help);
      for (const m of ms) out.sample(name, label(m), value(m));
    };
    out.family('lb_backend_requests_total', 'counter', 'Responses from the backend by status class.');
    for (const m of ms) {
      statusClasses.forEach((cls, i) => {
        out.sample('lb_backend_requests_total', label(m, { code_class: cls }), m.responses[i]!);
      });
    }
    perBackend(
      'lb_backend_active_requests',
      'gauge',
      'Requests in flight to the backend.',
      (m) => m.gauges.inFlight,
    );
    out.family(
      'lb_backend_request_duration_seconds',
      'histogram',
      'Time from sending a request to the end of its response (TCP mode: connection length).',
    );
    for (const m of ms) out.histogram('lb_backend_request_duration_seconds', label(m), m.latency);
    out.family('lb_backend_errors_total', 'counter', 'Failed requests or connections by kind.');
    for (const m of ms) {
      errorKinds.forEach((kind, i) => {
        out.sample('lb_backend_errors_total', label(m, { kind }), m.errors[i]!);
      });
    }
    perBackend(
      'lb_backend_connections_total',
      'counter',
      'Connections opened to the backend.',
      (m) => m.connections,
    );
    perBackend(
      'lb_backend_active_connections',
      'gauge',
      'Open connections to the backend.',
      (m) => m.activeConnections,
    );
    perBackend(
      'lb_backend_retries_total',
      'counter',
      'Retries away from the backend after it failed.',
      (m) => m.retries,
    );
    perBackend('lb_backend_ejections_total', 'counter', 'Outlier-detection ejections.', (m) => m.ejections);
    perBackend('lb_backend_ejected', 'gauge', '1 while outlier detection has the backend ejected.', (m) =>
      m.gauges.ejected ? 1 : 0,
    );
    perBackend(
      'lb_backend_health_check_failures_total',
      'counter',
      'Failed active health checks.',
      (m) => m.healthCheckFailures,
    );
    perBackend('lb_backend_up', 'gauge', '1 while the backend takes new traffic, else 0.', (m) =>
      m.gauges.up ? 1 : 0,
    );
    perBackend(
      'lb_backend_weight',
      'gauge',
      'Effective weight, slow start included.',
      (m) => m.gauges.effectiveWeight,
    );
    out.family('lb_client_connections_total', 'counter', 'Client connections accepted.');
    out.sample('lb_client_connections_total', undefined, this.clientConnections);
    out.family('lb_client_active_connections', 'gauge', 'Client connections open now.');
    out.sample('lb_client_active_connections', undefined, this.activeClientConnections);
    out.family('lb_no_backend_total', 'counter', 'Requests refused because no backend could take them.');
    out.sample('lb_no_backend_total', undefined, this.noBackend);
    out.family(
      'lb_client_rejected_total',
      'counter',
      'Requests the listener refused before dispatch (bad framing, timeouts, limits), by status.',
    );
    for (const [status, count] of [...this.rejected].sort((a, b) => a[0] - b[0]))
      out.sample('lb_client_rejected_total', { status: String(status) }, count);
    out.family(
      'lb_proxy_protocol_rejected_total',
      'counter',
      'Connections of trusted peers closed for a malformed, missing or late PROXY protocol header.',
    );
    out.sample('lb_proxy_protocol_rejected_total', undefined, this.proxyHeaderRefused);
    out.family('lb_start_time_seconds', 'gauge', 'Unix time the load balancer started, in seconds.');
    out.sample('lb_start_time_seconds', undefined, this.startedAt / 1000);
    writeProcessMetrics(out);
    return out.toString();
  }
}
