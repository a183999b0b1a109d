import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { LbError, type LogFormat, type ReadinessMode, type TypedEventEmitter } from '@lb/core';
import { type StatusClass, statusClasses } from '@lb/proxy';
import { type IpcMessage, isIpcMessage } from './ipcMessage.js';
import { LineSplitter } from './lineSplitter.js';
import { formatLogLine } from './logLine.js';
import type { WorkerInfo, WorkerState } from './workerInfo.js';

/** After an exit, time for IPC messages already in the pipe to be read. */
const goneGrace = 20;

type Usage = { cpu: number; lag: number; at: number; cpuPercent?: number };

/** The five status-class counts of a usage report, or `undefined` when it has none or they are not counts. */
function responseCounts(value: unknown): Record<StatusClass, number> | undefined {
  if (!Array.isArray(value) || value.length !== statusClasses.length) return undefined;
  if (!value.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return undefined;
  return Object.fromEntries(statusClasses.map((c, i) => [c, value[i] as number])) as Record<
    StatusClass,
    number
  >;
}

/** `next` with the share of one core the worker used since `previous`, the report before it (as `pm2 ls` shows). */
function withCpuPercent(previous: Usage | undefined, next: Usage): Usage {
  const elapsed = previous === undefined ? 0 : (next.at - previous.at) / 1000;
  if (previous === undefined || elapsed <= 0 || next.cpu < previous.cpu) return next;
  return { ...next, cpuPercent: (100 * (next.cpu - previous.cpu)) / elapsed };
}

/** Everything needed to spawn one worker. */
export interface WorkerSpawnOptions {
  readonly slot: number;
  readonly generation: number;
  readonly port: number;
  /** Host the balancer connects to. */
  readonly connectHost: string;
  readonly command: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string | undefined;
  readonly readiness: ReadinessMode;
  readonly readinessTimeout: number;
  readonly logFormat: LogFormat;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

interface WorkerProcessEvents {
  [event: string]: unknown[];
  exit: [code: number | null, signal: NodeJS.Signals | null];
  /**
   * The worker is gone and every message it sent has been read: its IPC channel closed, or 20 ms passed after
   * its exit. (Node holds back 'disconnect' while a socket handoff awaits the dead worker's acknowledgement, the
   * very hang this exists to avoid, hence the fallback.)
   */
  gone: [];
  memory: [rss: number];
  accepted: [seq: number];
  drained: [];
}

/** One worker child process: spawn, readiness, log forwarding, IPC and a bounded stop. Used by the cluster. */
export class WorkerProcess extends (EventEmitter as new () => TypedEventEmitter<WorkerProcessEvents>) {
  readonly slot: number;
  readonly port: number;
  readonly backendId: string;
  readonly connectHost: string;
  state: WorkerState = 'starting';
  restarts = 0;
  memory: number | undefined;
  private usage: Usage | undefined;
  /** Responses the worker's HTTP servers sent, by status class, as of its last usage report. */
  private responses: Record<StatusClass, number> | undefined;
  /** The application's last Prometheus text from `reportMetrics()`, if it reports any. */
  appMetrics: string | undefined;
  private child: ChildProcess | undefined;
  private spawnedAt = Date.now();
  private exited: Promise<void> | undefined;

  constructor(private readonly options: WorkerSpawnOptions) {
    super();
    this.slot = options.slot;
    this.port = options.port;
    this.connectHost = options.connectHost;
    this.backendId = `${options.slot}.${options.generation}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True while the worker's IPC channel is open. */
  get connected(): boolean {
    return this.child?.connected === true;
  }

  info(): WorkerInfo {
    return {
      id: this.slot,
      pid: this.pid,
      port: this.port,
      state: this.state,
      restarts: this.restarts,
      uptime: Date.now() - this.spawnedAt,
      memory: this.memory,
      ...(this.usage && { cpu: this.usage.cpu, eventLoopLag: this.usage.lag }),
      ...(this.usage?.cpuPercent !== undefined && { cpuPercent: this.usage.cpuPercent }),
      ...(this.responses && { responses: this.responses }),
      backendId: this.backendId,
    };
  }

  /** Milliseconds since spawn. */
  get uptime(): number {
    return Date.now() - this.spawnedAt;
  }

  /** Spawns the process and resolves once it is ready; rejects (and kills it) if it cannot become ready. */
  start(): Promise<void> {
    const o = this.options;
    this.spawnedAt = Date.now();
    const child = spawn(o.command, o.argv, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: a terminal's Ctrl-C reaches only the primary, which then drains before stopping workers.
      detached: process.platform !== 'win32',
    });
    this.child = child;
    this.forward(child, 'stdout', o.stdout);
    this.forward(child, 'stderr', o.stderr);
    child.on('message', (message: unknown) => this.onMessage(message));
    let gone = false;
    const markGone = () => {
      if (gone) return;
      gone = true;
      this.emit('gone');
    };
    child.once('disconnect', markGone);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.state = 'exited';
        this.emit('exit', code, signal);
        setTimeout(markGone, goneGrace);
        resolve();
      });
    });
    return this.waitReady(child);
  }

  private waitReady(child: ChildProcess): Promise<void> {
    const o = this.options;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: LbError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        if (error === undefined) {
          this.state = 'ready';
          resolve();
        } else {
          this.kill();
          reject(error);
        }
      };
      // Only the worker can say which port it bound: a TCP probe would take any process on that port for it.
      const onMessage = (message: unknown) => {
        if (!isIpcMessage(message)) return;
        if (o.readiness === 'port' && message.__lb === 'listenError' && message.port === this.port) {
          finish(
            new LbError(
              'LB_ERR_WORKER_NOT_READY',
              `Worker ${this.slot} could not listen on port ${this.port} (its PORT): ${message.code}${message.code === 'EADDRINUSE' ? ', another process holds that port: free it or choose another basePort' : ''}.`,
            ),
          );
        } else if (
          o.readiness === 'signal'
            ? message.__lb === 'ready'
            : message.__lb === 'listening' && message.port === this.port
        ) {
          finish();
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(
          new LbError(
            'LB_ERR_WORKER_NOT_READY',
            `Worker ${this.slot} exited (${signal ?? `code ${code}`}) before it was ready${o.readiness === 'port' ? ` (expected it to listen on port ${this.port}, given as PORT)` : ''}; see its output above.`,
          ),
        );
      const onError = (err: Error) =>
        finish(
          new LbError(
            'LB_ERR_WORKER_SPAWN_FAILED',
            `Worker ${this.slot} could not be spawned: ${err.message}`,
            {
              cause: err,
            },
          ),
        );
      const what = o.readiness === 'signal' ? 'call ready()' : `listen on port ${this.port} (its PORT)`;
      const timer = setTimeout(
        () =>
          finish(
            new LbError(
              'LB_ERR_WORKER_NOT_READY',
              `Worker ${this.slot} did not ${what} within readinessTimeout (${o.readinessTimeout} ms).`,
            ),
          ),
        o.readinessTimeout,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  private onMessage(message: unknown): void {
    if (!isIpcMessage(message)) return;
    if (message.__lb === 'memory') {
      this.memory = message.rss;
      this.usage = withCpuPercent(this.usage, { cpu: message.cpu, lag: message.lag, at: Date.now() });
      this.responses = responseCounts(message.responses) ?? this.responses;
      this.emit('memory', message.rss);
    } else if (message.__lb === 'accepted') {
      this.emit('accepted', message.seq);
    } else if (message.__lb === 'metrics' && typeof message.text === 'string') {
      this.appMetrics = message.text;
    } else if (message.__lb === 'drained') {
      this.emit('drained');
    }
  }

  private forward(child: ChildProcess, stream: 'stdout' | 'stderr', sink: Writable): void {
    const source = child[stream];
    if (source === null) return;
    const format = this.options.logFormat;
    const splitter = new LineSplitter();
    const write = (lines: string[]) => {
      if (lines.length === 0) return;
      const meta = { workerId: this.slot, pid: child.pid, stream };
      sink.write(`${lines.map((line) => formatLogLine(line, meta, format)).join('\n')}\n`);
    };
    source.on('data', (chunk: Buffer) => write(splitter.push(chunk)));
    source.on('end', () => write(splitter.flush()));
  }

  /** Sends an IPC message; returns false when the channel is closed. */
  send(message: IpcMessage, socket?: Socket): boolean {
    const child = this.child;
    if (child === undefined || !child.connected) return false;
    try {
      child.send(message, socket, { keepOpen: true }, () => {});
      return true;
    } catch {
      return false;
    }
  }

  /** Asks the worker for its memory; the answer arrives as a `memory` event. */
  queryMemory(): void {
    this.send({ __lb: 'memoryQuery' });
  }

  /**
   * Shared-port mode: asks the worker to end the client connections it was handed, gracefully, before it is
   * stopped; a SIGTERM with kept-alive connections open would reset the requests clients are sending on them.
   * Resolves when it reports them closed, when it is gone, or after `timeout` ms, whichever comes first.
   */
  async drainConnections(timeout: number): Promise<void> {
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const timer = setTimeout(finish, timeout);
    this.once('drained', finish);
    this.once('gone', finish);
    if (!this.send({ __lb: 'drain' })) finish();
    await done;
    clearTimeout(timer);
    this.off('drained', finish);
    this.off('gone', finish);
  }

  /** SIGTERM, then SIGKILL after `timeout` ms; resolves when the process has exited. */
  async stop(timeout: number): Promise<void> {
    if (this.child === undefined || this.exited === undefined) return;
    if (this.state !== 'exited') {
      this.state = 'stopping';
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), timeout);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** SIGKILL at once. */
  kill(): void {
    this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
