import type { LogFormat } from '@lb/core';

/** Where a worker's output line came from. */
export interface LogLineSource {
  /** The worker slot id (`LB_PROCESS_ID`). */
  readonly workerId: number;
  /** The worker's process id. */
  readonly pid: number | undefined;
  /** The stream the line was written to. */
  readonly stream: 'stdout' | 'stderr';
}

/**
 * Formats one worker output line for the primary's output. `'prefix'` gives `[worker 2] text`. `'json'` gives
 * one JSON object per line with `time`, `worker`, `pid`, `stream`; a line that already is a JSON object (pino,
 * bunyan) is kept as an object with those fields added, anything else goes under `msg`. `'inherit'` keeps the
 * line as written.
 */
export function formatLogLine(
  line: string,
  source: LogLineSource,
  format: LogFormat,
  now = new Date(),
): string {
  if (format === 'inherit') return line;
  if (format === 'prefix') return `[worker ${source.workerId}] ${line}`;
  const meta = { time: now.toISOString(), worker: source.workerId, pid: source.pid, stream: source.stream };
  const parsed = parseObject(line);
  return JSON.stringify(parsed === undefined ? { ...meta, msg: line } : { ...meta, ...parsed });
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
