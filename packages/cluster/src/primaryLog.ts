import type { Writable } from 'node:stream';
import type { LogFormat } from '@lb/core';

/** What a line of the primary is about: its `event` field in JSON. */
export type PrimaryLogEvent =
  | 'start'
  | 'spawn'
  | 'ready'
  | 'started'
  | 'exit'
  | 'restart'
  | 'giveUp'
  | 'failed'
  | 'memory'
  | 'memoryLimitTooLow'
  | 'reload'
  | 'signal'
  | 'notReady'
  | 'stop'
  | 'stopped'
  | 'control';

/** Fields of one line: the worker it is about, if any, and event-specific values (ports, codes, sizes in bytes, times in ms). */
export interface PrimaryLogFields {
  readonly worker?: number;
  /** The worker's pid for a worker event; the primary's own pid otherwise. */
  readonly pid?: number | undefined;
  readonly [field: string]: unknown;
}

/** Told of every line of a {@link PrimaryLog}, as it is written. */
export type PrimaryLogObserver = (event: PrimaryLogEvent, msg: string, fields: PrimaryLogFields) => void;

/**
 * The primary's own lines (lifecycle of the cluster and its workers), on the stream of cluster notices. As
 * text: `[lb] worker 1 exited …`. With `logFormat: 'json'`: one JSON object per line with the fields of a worker
 * line (`time`, `worker`, `pid`, `stream`, `msg`) plus `event` and the event's own fields, so a log shipper
 * reads both kinds with one parser. A line about the whole cluster has `worker: null` and the primary's `pid`.
 */
export class PrimaryLog {
  private readonly observers = new Set<PrimaryLogObserver>();

  /**
   * @param sink Where lines go (the cluster's `stderr`).
   * @param format The cluster's `logFormat`: `'json'` gives JSON lines, anything else text.
   * @param prefix What starts a text line.
   */
  constructor(
    private readonly sink: Writable,
    private readonly format: LogFormat,
    private readonly prefix = '[lb] ',
  ) {}

  /** Calls `observer` with every line written from now on; returns what stops it. */
  observe(observer: PrimaryLogObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Writes one line. */
  write(event: PrimaryLogEvent, msg: string, fields: PrimaryLogFields = {}, now = new Date()): void {
    for (const observer of this.observers) observer(event, msg, fields);
    if (this.format !== 'json') {
      this.sink.write(`${this.prefix}${msg}\n`);
      return;
    }
    const { worker, pid, ...rest } = fields;
    // Every key always there (`worker: null` on a line about the whole cluster): one schema for a log shipper.
    const line = {
      time: now.toISOString(),
      worker: worker ?? null,
      pid: pid ?? process.pid,
      stream: 'stderr',
      event,
      msg,
      ...rest,
    };
    this.sink.write(`${JSON.stringify(line)}\n`);
  }
}
