import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  assertInteger,
  ClusterConfig,
  type ClusterConfigOptions,
  LbError,
  type TypedEventEmitter,
} from '@lb/core';
import { type ClusterBalancer, createBalancer } from './balancer.js';
import type { ClusterManagerEvents } from './clusterEvents.js';
import { connectHost, freePort } from './freePort.js';
import { RestartPolicy } from './restartPolicy.js';
import { SharedPortServer } from './sharedPortServer.js';
import { SignalHandlers } from './signalHandlers.js';
import { workerCommand } from './workerCommand.js';
import { currentProcessId, currentWorkerPort, inClusterMode, inWorker } from './workerEnv.js';
import type { WorkerInfo } from './workerInfo.js';
import { WorkerProcess } from './workerProcess.js';

const memoryCheckInterval = 1_000;

/** Options of a {@link ClusterManager} beyond its `ClusterConfig`: how workers are run and where output goes. */
export interface ClusterManagerOptions {
  /** Where worker stdout lines go. @default process.stdout */
  stdout?: Writable;
  /** Where worker stderr lines and cluster notices go. @default process.stderr */
  stderr?: Writable;
  /** Environment inherited by workers (the `LB_*` variables and `PORT` are added). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Working directory of workers. @default process.cwd() */
  cwd?: string;
  /** Node flags for workers, such as `['--import', 'tsx']`. @default process.execArgv */
  execArgv?: readonly string[];
  /** Stop on SIGINT/SIGTERM (then exit 0) and reload on SIGHUP. @default true */
  handleSignals?: boolean;
}

interface Slot {
  readonly id: number;
  readonly policy: RestartPolicy;
  current: WorkerProcess | undefined;
  generation: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
  failed: boolean;
  replacing: boolean;
}

type RunState = 'idle' | 'starting' | 'running' | 'stopping';

/**
 * Runs one script as N worker processes, optionally behind the `@lb/proxy` load balancer or on one shared port,
 * and keeps them serving: readiness before traffic, restarts with backoff, zero-downtime reloads, memory limits,
 * graceful shutdown. The static helpers tell a process whether it is a worker, as in the Dart original.
 *
 * @example
 * ```ts
 * if (ClusterManager.isWorker) startServer(ClusterManager.workerPort);
 * else await new ClusterManager(new ClusterConfig({ processes: 4, enableLoadBalancer: true, loadBalancerPort: 3000 })).start();
 * ```
 */
export class ClusterManager extends (EventEmitter as new () => TypedEventEmitter<ClusterManagerEvents>) {
  /** This worker's slot id (`LB_PROCESS_ID`), `undefined` outside a worker. */
  static get processId(): number | undefined {
    return currentProcessId();
  }
  /** The port this worker should listen on (`LB_WORKER_PORT`), `undefined` outside a worker. */
  static get workerPort(): number | undefined {
    return currentWorkerPort();
  }
  /** True inside a cluster worker. */
  static get isWorker(): boolean {
    return inWorker();
  }
  /** True inside a process started by a cluster. */
  static get isClusterMode(): boolean {
    return inClusterMode();
  }

  /** The validated configuration. */
  readonly config: ClusterConfig;
  private readonly args: readonly string[];
  private readonly options: ClusterManagerOptions;
  private readonly live = new Set<WorkerProcess>();
  private readonly expectedExit = new WeakSet<WorkerProcess>();
  private readonly attached = new WeakSet<WorkerProcess>();
  private slots: Slot[] = [];
  private state: RunState = 'idle';
  private balancerInstance: ClusterBalancer | undefined;
  private shared: SharedPortServer | undefined;
  private memoryTimer: NodeJS.Timeout | undefined;
  private readonly signals: SignalHandlers;

  /**
   * @param config The cluster configuration (a `ClusterConfig` or its options).
   * @param args The worker script and its arguments. @default the current script and its arguments
   */
  constructor(
    config: ClusterConfig | ClusterConfigOptions,
    args?: readonly string[],
    options: ClusterManagerOptions = {},
  ) {
    super();
    this.config = config instanceof ClusterConfig ? config : new ClusterConfig(config);
    this.args = args ?? process.argv.slice(1);
    if (this.args.length === 0 || this.args[0] === undefined) {
      throw new LbError(
        'LB_ERR_WORKER_SPAWN_FAILED',
        'ClusterManager needs a worker script: pass [script, ...args].',
      );
    }
    this.options = options;
    this.signals = new SignalHandlers(this, options.stderr ?? process.stderr);
  }

  /** A snapshot of every live worker, including old ones still draining during a reload. */
  get workers(): WorkerInfo[] {
    return [...this.live].map((worker) => worker.info()).sort((a, b) => a.id - b.id);
  }

  /** The public address: the balancer's, or the shared port's; `undefined` in per-port mode or before start. */
  get address(): { host: string; port: number } | undefined {
    return this.balancerInstance?.address ?? this.shared?.address;
  }

  /** The load balancer, when `enableLoadBalancer` is on and the cluster runs. */
  get balancer(): ClusterBalancer | undefined {
    return this.balancerInstance;
  }

  /** Starts every worker, waits until all are ready, then starts the balancer; rejects if a worker cannot. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new LbError('LB_ERR_ALREADY_STARTED', 'The cluster is already started.');
    this.state = 'starting';
    const config = this.config;
    try {
      this.slots = Array.from({ length: config.processes }, (_, id) => this.newSlot(id));
      if (config.enableLoadBalancer) this.balancerInstance = await createBalancer(config);
      if (config.sharedPort !== undefined) {
        this.shared = new SharedPortServer(config.sharedPort, config.loadBalancerHost);
      }
      const ports = this.slots.map((slot) => config.workerPort(slot.id));
      await this.startAll(this.slots.map((slot, i) => () => this.spawnInto(slot, ports[i] ?? 0)));
      await this.balancerInstance?.start();
      await this.shared?.listen();
    } catch (err) {
      await this.teardown(0);
      this.state = 'idle';
      throw err;
    }
    this.state = 'running';
    this.memoryTimer = setInterval(() => this.checkMemory(), memoryCheckInterval).unref();
    if (this.options.handleSignals ?? true) this.signals.install();
    this.emit('ready');
  }

  /** Stops accepting, lets in-flight requests finish, then stops every worker (SIGKILL after `shutdownTimeout`). */
  async stop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.signals.uninstall();
    clearInterval(this.memoryTimer);
    await this.teardown(this.config.shutdownTimeout);
    this.state = 'idle';
    this.emit('stopped');
  }

  /** Replaces every worker, one at a time, with no request lost: start, wait ready, add, drain the old, stop it. */
  async reload(): Promise<void> {
    this.assertRunning('reload');
    for (const slot of [...this.slots]) {
      slot.policy.reset();
      if (slot.failed || slot.current === undefined) {
        slot.failed = false;
        clearTimeout(slot.timer);
        await this.spawnInto(slot, await freePort(this.config.host));
      } else {
        await this.replace(slot);
      }
    }
  }

  /** Changes the number of workers: new ones start (and are awaited); surplus ones drain and stop. */
  async scale(processes: number): Promise<void> {
    this.assertRunning('scale');
    assertInteger(processes, 'processes', 1, 'LB_ERR_INVALID_PROCESS_COUNT');
    if (processes > this.slots.length) {
      const added = Array.from({ length: processes - this.slots.length }, (_, i) =>
        this.newSlot(this.slots.length + i),
      );
      this.slots.push(...added);
      await this.startAll(
        added.map((slot) => async () => this.spawnInto(slot, await freePort(this.config.host))),
      );
    } else {
      const removed = this.slots.splice(processes);
      await Promise.all(
        removed.map((slot) => {
          clearTimeout(slot.timer);
          return slot.current === undefined ? undefined : this.retire(slot.current);
        }),
      );
    }
  }

  private assertRunning(what: string): void {
    if (this.state !== 'running')
      throw new LbError('LB_ERR_NOT_STARTED', `Cannot ${what}: the cluster is not running.`);
  }

  private newSlot(id: number): Slot {
    const c = this.config;
    return {
      id,
      policy: new RestartPolicy(c),
      current: undefined,
      generation: 0,
      restarts: 0,
      timer: undefined,
      failed: false,
      replacing: false,
    };
  }

  /** Runs spawns in parallel; on the first failure kills the others and rethrows it. */
  private async startAll(spawns: Array<() => Promise<WorkerProcess>>): Promise<void> {
    const started = spawns.map((spawn) => spawn());
    try {
      await Promise.all(started);
    } catch (err) {
      const settled = await Promise.allSettled(started);
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? this.retire(s.value, 0) : undefined)));
      throw err;
    }
  }

  private createWorker(slot: Slot, port: number): WorkerProcess {
    const c = this.config;
    slot.generation += 1;
    const { argv, env } = workerCommand({
      args: this.args,
      execArgv: this.options.execArgv ?? process.execArgv,
      preload: preloadPath(),
      slot: slot.id,
      port,
      host: c.host,
      processCount: this.slots.length,
      shutdownTimeout: c.shutdownTimeout,
      sharedPort: c.sharedPort,
      baseEnv: this.options.env ?? process.env,
    });
    const worker = new WorkerProcess({
      slot: slot.id,
      generation: slot.generation,
      port,
      connectHost: connectHost(c.host),
      command: process.execPath,
      argv,
      env,
      cwd: this.options.cwd,
      readiness: c.readiness,
      readinessTimeout: c.readinessTimeout,
      logFormat: c.logFormat,
      stdout: this.options.stdout ?? process.stdout,
      stderr: this.options.stderr ?? process.stderr,
    });
    worker.restarts = slot.restarts;
    worker.on('gone', () => this.detach(worker));
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal));
    worker.on('memory', (rss) => this.onMemory(slot, worker, rss));
    this.live.add(worker);
    return worker;
  }

  /** Starts a worker as the slot's current one (first start, restart, or revival of a failed slot). */
  private async spawnInto(slot: Slot, port: number): Promise<WorkerProcess> {
    const worker = this.createWorker(slot, port === 0 ? await freePort(this.config.host) : port);
    slot.current = worker;
    const ready = worker.start();
    this.emit('workerStart', worker.info());
    await ready;
    if (this.state !== 'starting' && this.state !== 'running')
      throw new LbError('LB_ERR_NOT_STARTED', 'Stopped.');
    this.attach(worker);
    return worker;
  }

  /** The reload path for one slot; the old worker keeps serving until the new one is ready. */
  private async replace(slot: Slot): Promise<void> {
    if (slot.replacing) return;
    slot.replacing = true;
    try {
      const old = slot.current;
      const next = this.createWorker(slot, await freePort(this.config.host));
      const ready = next.start();
      this.emit('workerStart', next.info());
      await ready;
      if (this.state !== 'running') {
        await this.retire(next, 0);
        return;
      }
      slot.current = next;
      this.attach(next);
      if (old !== undefined && old.state !== 'exited') await this.retire(old);
    } finally {
      slot.replacing = false;
      if (slot.current === undefined && this.state === 'running') this.scheduleRestart(slot, 0);
    }
  }

  private attach(worker: WorkerProcess): void {
    this.attached.add(worker);
    this.balancerInstance?.addBackend({ id: worker.backendId, host: worker.connectHost, port: worker.port });
    this.shared?.addWorker(worker);
    this.emit('workerReady', worker.info());
  }

  /** Takes a dead or leaving worker out of rotation at once, before a request can fail on it. */
  private detach(worker: WorkerProcess): void {
    if (!this.attached.has(worker)) return;
    this.attached.delete(worker);
    this.shared?.removeWorker(worker);
    try {
      this.balancerInstance?.removeBackend(worker.backendId);
    } catch {
      // Already removed.
    }
  }

  /** Drains a worker out of the balancer, then stops it. */
  private async retire(worker: WorkerProcess, timeout = this.config.shutdownTimeout): Promise<void> {
    this.expectedExit.add(worker);
    if (worker.state === 'exited') return;
    if (this.attached.has(worker)) {
      worker.state = 'draining';
      this.shared?.removeWorker(worker);
      const balancer = this.balancerInstance;
      if (balancer !== undefined && timeout > 0) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        });
        await Promise.race([balancer.drain(worker.backendId).catch(() => {}), deadline]);
        clearTimeout(timer);
      }
      this.detach(worker);
    }
    await worker.stop(timeout);
  }

  private onExit(
    slot: Slot,
    worker: WorkerProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    this.detach(worker);
    this.live.delete(worker);
    this.emit('workerExit', worker.info(), code, signal);
    if (this.state !== 'running' || this.expectedExit.has(worker) || slot.current !== worker) return;
    slot.current = undefined;
    // A replacement already on its way takes the slot; it restarts the slot itself if it fails.
    if (!slot.replacing && this.slots.includes(slot)) this.scheduleRestart(slot, worker.uptime);
  }

  private scheduleRestart(slot: Slot, uptime: number): void {
    const decision = slot.policy.onExit(uptime);
    if (decision.action === 'giveUp') {
      slot.failed = true;
      const error = new LbError(
        'LB_ERR_WORKER_CRASH_LOOP',
        `Worker ${slot.id} exited ${decision.attempts + 1} times in a row without staying up ${this.config.stableUptime} ms; it is not restarted (maxRestarts: ${this.config.maxRestarts}). The other workers keep serving; reload() revives it.`,
      );
      (this.options.stderr ?? process.stderr).write(`[lb] ${error.message}\n`);
      this.emit('workerCrashLoop', slot.id, error);
      return;
    }
    slot.restarts += 1;
    this.emit('workerRestart', slot.id, decision.delay, decision.attempt);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.state !== 'running' || !this.slots.includes(slot) || slot.current !== undefined) return;
      // A failed start ends in an exit, and onExit schedules the next attempt with a longer delay.
      void this.spawnInto(slot, 0).catch(() => {});
    }, decision.delay);
  }

  private checkMemory(): void {
    for (const worker of this.live) if (worker.state === 'ready') worker.queryMemory();
  }

  private onMemory(slot: Slot, worker: WorkerProcess, rss: number): void {
    const limit = this.config.maxMemory;
    if (limit === undefined || rss <= limit || this.state !== 'running') return;
    if (slot.current !== worker || slot.replacing) return;
    this.emit('workerMemoryLimit', worker.info(), rss);
    this.replace(slot).catch((err: unknown) => {
      (this.options.stderr ?? process.stderr).write(
        `[lb] memory replacement of worker ${slot.id} failed: ${String(err)}\n`,
      );
    });
  }

  /** Stops the balancer or shared listener first (finishing in-flight requests), then every worker. */
  private async teardown(timeout: number): Promise<void> {
    for (const slot of this.slots) clearTimeout(slot.timer);
    const balancer = this.balancerInstance;
    const shared = this.shared;
    this.balancerInstance = undefined;
    this.shared = undefined;
    await balancer?.stop({ timeout }).catch(() => {});
    shared?.close();
    await Promise.all([...this.live].map((worker) => this.retire(worker, timeout)));
    this.slots = [];
  }

  /** SIGKILLs every worker at once, without draining (what a second Ctrl-C during shutdown does). */
  kill(): void {
    for (const worker of this.live) worker.kill();
  }
}

function preloadPath(): string {
  const path = fileURLToPath(new URL('../dist/workerPreload.cjs', import.meta.url));
  if (!existsSync(path)) {
    throw new LbError(
      'LB_ERR_WORKER_SPAWN_FAILED',
      `The worker preload is missing at ${path}: build @lb/cluster first.`,
    );
  }
  return path;
}
