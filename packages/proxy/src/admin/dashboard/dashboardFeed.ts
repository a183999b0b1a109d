import { statusClasses } from '../../metrics/backendMetrics.js';
import type { DashboardRow } from './dashboardRow.js';
import { type DashboardEvent, EventLog } from './eventLog.js';
import { RingBuffer } from './ringBuffer.js';

/** The counters of one row in one sample: what the charts and per-window counts are computed from. */
export interface DashboardSampleRow {
  /** Cumulative responses by status class, `1xx` … `5xx`; absent without a source. */
  readonly r?: readonly number[];
  /** Cumulative failed requests, every kind together. */
  readonly e?: number;
  /** CPU, percent of one core. */
  readonly cpu?: number;
  /** Resident memory in bytes. */
  readonly mem?: number;
}

/** One sample of every row, taken by the server at server time `t` (ms since the epoch). */
export interface DashboardSample {
  readonly t: number;
  readonly rows: Readonly<Record<string, DashboardSampleRow>>;
}

/** What `/dashboard.json` answers. */
export interface DashboardSnapshot {
  /** Server time of this answer, ms since the epoch: the page draws its time axes in it. */
  readonly now: number;
  /** Time between samples, in ms. */
  readonly intervalMs: number;
  /** Every worker or backend now. */
  readonly rows: readonly DashboardRow[];
  /** The recent samples, oldest first. */
  readonly samples: readonly DashboardSample[];
  /** The event log, newest first. */
  readonly events: readonly DashboardEvent[];
}

/** Options of {@link DashboardFeed}. */
export interface DashboardFeedOptions {
  /** Time between samples, in ms. @default 1000 */
  readonly intervalMs?: number;
  /** Samples kept. @default 120 (two minutes at the default interval) */
  readonly samples?: number;
  /** Events kept. @default 200 */
  readonly events?: number;
  /** The server clock, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

function sampleOf(row: DashboardRow): DashboardSampleRow {
  const errors = row.errors === undefined ? undefined : Object.values(row.errors).reduce((a, b) => a + b, 0);
  return {
    ...(row.responses && { r: statusClasses.map((c) => row.responses?.[c] ?? 0) }),
    ...(errors !== undefined && { e: errors }),
    ...(row.cpuPercent !== undefined && { cpu: row.cpuPercent }),
    ...(row.memory !== undefined && { mem: row.memory }),
  };
}

/**
 * The data behind the admin dashboard: a bounded history of every row's counters, sampled by the server at a
 * fixed interval with server timestamps (so rates and time axes do not depend on the browser's clock or
 * polling), and the {@link EventLog}. Rows are read from their owners at each sample; only the samples are kept.
 */
export class DashboardFeed {
  /** The event log; whoever knows of an event adds it here. */
  readonly events: EventLog;
  /**
   * Where the rows come from. An admin server's provider gives the first one; a cluster replaces it to show its
   * workers joined with their backends.
   */
  rows: () => readonly DashboardRow[];
  readonly intervalMs: number;
  private readonly history: RingBuffer<DashboardSample>;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(rows: () => readonly DashboardRow[], options: DashboardFeedOptions = {}) {
    this.rows = rows;
    this.intervalMs = options.intervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.history = new RingBuffer(options.samples ?? 120);
    this.events = new EventLog(options.events ?? 200, this.now);
  }

  /** Takes one sample now. */
  sample(): void {
    // No prototype: a key is built from a backend id, which could be `__proto__`.
    const rows = Object.create(null) as Record<string, DashboardSampleRow>;
    for (const row of this.rows()) rows[row.key] = sampleOf(row);
    this.history.push({ t: this.now(), rows });
  }

  /** Samples now and then every `intervalMs` until {@link stop}; the timer does not keep the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the history is kept. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The JSON served at `/dashboard.json`. */
  snapshot(): DashboardSnapshot {
    return {
      now: this.now(),
      intervalMs: this.intervalMs,
      rows: this.rows(),
      samples: this.history.toArray(),
      events: this.events.newestFirst(),
    };
  }
}
