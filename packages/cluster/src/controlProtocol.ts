import type { ErrorCode } from '@lb/core';
import type { WorkerInfo } from './workerInfo.js';

/**
 * The control protocol between `lb status|logs|reload|stop|scale` and a running primary: one JSON object per
 * line each way. Every message carries `v`; a primary refuses versions it does not speak instead of guessing.
 */
export const controlProtocolVersion = 1;

/** Longest request line the primary reads; a longer one is refused and its connection closed. */
export const maxControlLineBytes = 64 * 1024;

/** Most recent log lines `lb logs` may ask for (the primary keeps this many). */
export const maxLogLines = 1_000;

/** A request from a control client. `id` is echoed in the response so a client can match them. */
export type ControlRequest =
  | { readonly v: 1; readonly id: number; readonly cmd: 'status' | 'reload' | 'stop' }
  | { readonly v: 1; readonly id: number; readonly cmd: 'scale'; readonly processes: number }
  | {
      readonly v: 1;
      readonly id: number;
      readonly cmd: 'logs';
      readonly lines: number;
      readonly follow: boolean;
    };

/** One line of the primary's output, as kept for `lb logs`. */
export interface LogEntry {
  /** ISO 8601 time the primary wrote it. */
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  /** The line as the primary printed it (after `logFormat`), without its newline. */
  readonly line: string;
}

/** What `status` answers: the primary and every live worker. */
export interface ControlStatus {
  readonly name: string;
  /** The primary's process id. */
  readonly pid: number;
  /** Milliseconds since the primary started the cluster. */
  readonly uptime: number;
  readonly address: { host: string; port: number } | undefined;
  readonly workers: readonly WorkerInfo[];
}

/** A message from the primary: the answer to a request, or (after `logs` with `follow`) one new log line. */
export type ControlResponse =
  | { readonly v: 1; readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly v: 1;
      readonly id: number | null;
      readonly ok: false;
      readonly error: { readonly code: ErrorCode; readonly message: string };
    }
  | { readonly v: 1; readonly id: number; readonly log: LogEntry };

/** The outcome of {@link parseControlRequest}: a request, or why it was refused and the id to answer to. */
export type ParsedControlRequest =
  | { readonly ok: true; readonly request: ControlRequest }
  | { readonly ok: false; readonly id: number | null; readonly message: string };

const commands: ReadonlySet<string> = new Set(['status', 'reload', 'stop', 'scale', 'logs']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isCount = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Validates one request line. Pure and total: any input, however hostile, gives a request or a refusal, never
 * an exception, so a bad client cannot take the primary down.
 */
export function parseControlRequest(line: string): ParsedControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, message: 'not JSON: send one JSON object per line' };
  }
  if (!isRecord(value)) return { ok: false, id: null, message: 'a request must be a JSON object' };
  const id = isCount(value.id, 0, Number.MAX_SAFE_INTEGER) ? value.id : null;
  const refuse = (message: string): ParsedControlRequest => ({ ok: false, id, message });
  if (id === null) return refuse('"id" must be a non-negative integer');
  if (value.v !== controlProtocolVersion) {
    return refuse(
      `unsupported protocol version ${JSON.stringify(value.v)} (this lb speaks ${controlProtocolVersion})`,
    );
  }
  const cmd = value.cmd;
  if (typeof cmd !== 'string' || !commands.has(cmd)) {
    return refuse(`unknown command ${JSON.stringify(cmd)} (known: ${[...commands].join(', ')})`);
  }
  const v = controlProtocolVersion;
  if (cmd === 'scale') {
    if (!isCount(value.processes, 1, 1_024))
      return refuse('scale needs "processes", an integer from 1 to 1024');
    return { ok: true, request: { v, id, cmd, processes: value.processes } };
  }
  if (cmd === 'logs') {
    const lines = value.lines ?? 100;
    if (!isCount(lines, 0, maxLogLines))
      return refuse(`logs "lines" must be an integer from 0 to ${maxLogLines}`);
    const follow = value.follow ?? false;
    if (typeof follow !== 'boolean') return refuse('logs "follow" must be true or false');
    return { ok: true, request: { v, id, cmd, lines, follow } };
  }
  return { ok: true, request: { v, id, cmd: cmd as 'status' | 'reload' | 'stop' } };
}

/** Serialises one message as a protocol line. */
export function controlLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Checks the shape of a line from the primary, for the client. Returns `undefined` for anything that is not a
 * message of this protocol version, so the client reports a mismatch instead of misreading it.
 */
export function parseControlResponse(line: string): ControlResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.v !== controlProtocolVersion) return undefined;
  if (value.ok === true && typeof value.id === 'number') return value as ControlResponse;
  if (value.ok === false && isRecord(value.error) && typeof value.error.message === 'string') {
    return value as ControlResponse;
  }
  if (isRecord(value.log) && typeof value.log.line === 'string') return value as ControlResponse;
  return undefined;
}
