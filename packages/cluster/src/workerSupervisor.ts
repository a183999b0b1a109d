import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { type ClusterConfig, LbError, type TypedEventEmitter } from '@lb/core';
import type { LoadBalancer } from '@lb/proxy';
import type { ClusterManagerEvents } from './clusterEvents.js';
import { connectHost, freePort } from './freePort.js';
import { preloadPath } from './preloadPath.js';
import type { PrimaryLog } from './primaryLog.js';
import { RestartPolicy } from './restartPolicy.js';
import type { SharedPortServer } from './sharedPortServer.js';
import { workerCommand } from './workerCommand.js';
import type { WorkerInfo } from './workerInfo.js';
import { WorkerProcess } from './workerProcess.js';

/** One worker position (`LB_PROCESS_ID`); its process is replaced on crashes and reloads. */
export interface WorkerSlot {
  readonly id: number;
  readonly policy: RestartPolicy;
  current: WorkerProcess | undefined;
  /** The last worker that exited unexpectedly, shown while the slot has no process, and how it exited. */
  last: WorkerInfo | undefined;
  lastExit: string | undefined;
  generation: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
  failed: boolean;
  replacing: boolean;
}

/** How the supervisor runs workers; filled by `ClusterManager`. */
export interface SupervisorSettings {
  readonly config: ClusterConfig;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string | undefined;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The primary's own lines. */
  readonly log: PrimaryLog;
  readonly events: TypedEventEmitter<ClusterManagerEvents> & EventEmitter;
  /** True from `start()` until `stop()` begins: workers may be spawned and attached. */
  readonly active: () => boolean;
  /** True once `start()` succeeded, until `stop()` begins: crashed workers are restarted (not during start). */
  readonly running: () => boolean;
  /** Every slot has given up: the cluster decides whether to stop (`exitWhenAllGivenUp`). */
  readonly allGivenUp: (error: LbError) => void;
}

/**
 * Keeps every slot filled with a ready worker: spawns, attaches ready workers to the balancer or shared port,
 * detaches dead ones at once, restarts with backoff, gives up on crash loops, and replaces workers through the
 * reload path (new one ready first, then drain and stop the old one).
 */
export class WorkerSupervisor {
  readonly live = new Set<WorkerProcess>();
  slots: WorkerSlot[] = [];
  balancer: LoadBalancer | undefined;
  shared: SharedPortServer | undefined;
  private readonly expectedExit = new WeakSet<WorkerProcess>();
  private readonly attached = new WeakSet<WorkerProcess>();
  /** Workers started to replace one over `maxMemory`; those measured at least once; those left alone. */
  private readonly memoryReplacements = new WeakSet<WorkerProcess>();
  private readonly measured = new WeakSet<WorkerProcess>();
  private readonly bornTooBig = new WeakSet<WorkerProcess>();

  constructor(private readonly settings: SupervisorSettings) {}

  newSlot(id: number): WorkerSlot {
    const policy = new RestartPolicy(this.settings.config);
    return {
      id,
      policy,
      current: undefined,
      last: undefined,
      lastExit: undefined,
      generation: 0,
      restarts: 0,
      timer: undefined,
      failed: false,
      replacing: false,
    };
  }

  /** Runs spawns in parallel; on the first failure stops the others and rethrows it. */
  async startAll(spawns: Array<() => Promise<WorkerProcess>>): Promise<void> {
    const started = spawns.map((spawn) => spawn());
    try {
      await Promise.all(started);
    } catch (err) {
      const settled = await Promise.allSettled(started);
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? this.retire(s.value, 0) : undefined)));
      throw err;
    }
  }

  /** Starts a worker as the slot's current one (first start, restart, or revival); `0` picks a free port. */
  async spawnInto(slot: WorkerSlot, port: number): Promise<WorkerProcess> {
    const worker = this.createWorker(slot, port === 0 ? await freePort(this.settings.config.host) : port);
    slot.current = worker;
    const ready = worker.start();
    this.settings.events.emit('workerStart', worker.info());
    await ready;
    if (!this.settings.active()) {
      throw new LbError('LB_ERR_NOT_STARTED', `The cluster stopped while worker ${slot.id} was starting.`);
    }
    this.attach(worker);
    return worker;
  }

  /** The reload path for one slot; the old worker keeps serving until the new one is ready. */
  async replace(slot: WorkerSlot, forMemory = false): Promise<void> {
    if (slot.replacing) return;
    slot.replacing = true;
    try {
      const old = slot.current;
      const next = this.createWorker(slot, await freePort(this.settings.config.host));
      if (forMemory) this.memoryReplacements.add(next);
      const ready = next.start();
      this.settings.events.emit('workerStart', next.info());
      await ready;
      if (!this.settings.running()) {
        await this.retire(next, 0);
        return;
      }
      slot.current = next;
      this.attach(next);
      if (old !== undefined && old.state !== 'exited') await this.retire(old);
    } finally {
      slot.replacing = false;
      if (slot.current === undefined && this.settings.running()) this.scheduleRestart(slot, 0);
    }
  }

  /** Drains a worker out of the balancer or shared port, then stops it (SIGKILL after `timeout`). */
  async retire(worker: WorkerProcess, timeout = this.settings.config.shutdownTimeout): Promise<void> {
    this.expectedExit.add(worker);
    if (worker.state === 'exited') return;
    if (this.attached.has(worker)) {
      worker.state = 'draining';
      this.shared?.removeWorker(worker);
      const balancer = this.balancer;
      if (balancer !== undefined && timeout > 0) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        });
        await Promise.race([balancer.drain(worker.backendId).catch(() => {}), deadline]);
        clearTimeout(timer);
      }
      // Shared-port connections belong to the worker itself: it ends them, then it gets its SIGTERM, all
      // within the one shutdownTimeout.
      if (this.settings.config.sharedPort !== undefined && timeout > 0) {
        const started = Date.now();
        await worker.drainConnections(timeout);
        timeout = Math.max(0, timeout - (Date.now() - started));
      }
      this.detach(worker);
    }
    await worker.stop(timeout);
  }

  /** One entry per slot without a process (waiting for a restart, or given up), so no slot goes unseen. */
  idleSlots(): WorkerInfo[] {
    return this.slots
      .filter((slot) => slot.current === undefined)
      .map((slot) => ({
        id: slot.id,
        pid: undefined,
        port: slot.last?.port ?? 0,
        state: slot.failed ? 'errored' : 'waiting',
        restarts: slot.restarts,
        uptime: 0,
        memory: undefined,
        backendId: slot.last?.backendId ?? `${slot.id}.${slot.generation}`,
      }));
  }

  /** Asks every ready worker for its memory; answers arrive through `onMemory`. */
  checkMemory(): void {
    for (const worker of this.live) if (worker.state === 'ready') worker.queryMemory();
  }

  /** SIGKILLs every worker at once. */
  killAll(): void {
    for (const worker of this.live) worker.kill();
  }

  private createWorker(slot: WorkerSlot, port: number): WorkerProcess {
    const { config, events } = this.settings;
    slot.generation += 1;
    const { argv, env } = workerCommand({
      args: this.settings.args,
      execArgv: this.settings.execArgv,
      preload: preloadPath(),
      slot: slot.id,
      port,
      host: config.host,
      processCount: this.slots.length,
      shutdownTimeout: config.shutdownTimeout,
      sharedPort: config.sharedPort,
      baseEnv: this.settings.env,
    });
    const worker = new WorkerProcess({
      slot: slot.id,
      generation: slot.generation,
      port,
      connectHost: connectHost(config.host),
      command: process.execPath,
      argv,
      env,
      cwd: this.settings.cwd,
      readiness: config.readiness,
      readinessTimeout: config.readinessTimeout,
      logFormat: config.logFormat,
      stdout: this.settings.stdout,
      stderr: this.settings.stderr,
    });
    worker.restarts = slot.restarts;
    worker.on('gone', () => this.detach(worker));
    worker.on('exit', (code, signal) => {
      this.detach(worker);
      this.live.delete(worker);
      // Reported before the restart it may cause, so the lines read in order: exit, then restart.
      events.emit('workerExit', worker.info(), code, signal);
      this.onExit(slot, worker, signal ?? `code ${code}`);
    });
    worker.on('memory', (rss) => this.onMemory(slot, worker, rss));
    this.live.add(worker);
    return worker;
  }

  private attach(worker: WorkerProcess): void {
    this.attached.add(worker);
    // The id changes with each generation (a reload runs two side by side); the metrics name is the slot, so a
    // worker's series keep their label across restarts.
    this.balancer?.addBackend({
      id: worker.backendId,
      metricsName: String(worker.slot),
      host: worker.connectHost,
      port: worker.port,
    });
    this.shared?.addWorker(worker);
    this.settings.events.emit('workerReady', worker.info());
  }

  /** Takes a dead or leaving worker out of rotation at once, before a request can fail on it. */
  private detach(worker: WorkerProcess): void {
    if (!this.attached.has(worker)) return;
    this.attached.delete(worker);
    this.shared?.removeWorker(worker);
    try {
      this.balancer?.removeBackend(worker.backendId);
    } catch {
      // Already removed.
    }
  }

  private onExit(slot: WorkerSlot, worker: WorkerProcess, how: string): void {
    if (!this.settings.running() || this.expectedExit.has(worker) || slot.current !== worker) return;
    slot.current = undefined;
    slot.last = worker.info();
    slot.lastExit = how;
    // A replacement already on its way takes the slot; it restarts the slot itself if it fails.
    if (!slot.replacing && this.slots.includes(slot)) this.scheduleRestart(slot, worker.uptime);
  }

  private scheduleRestart(slot: WorkerSlot, uptime: number): void {
    const { config, events } = this.settings;
    const decision = slot.policy.onExit(uptime);
    if (decision.action === 'giveUp') {
      slot.failed = true;
      const error = new LbError(
        'LB_ERR_WORKER_CRASH_LOOP',
        `Worker ${slot.id} exited ${decision.attempts + 1} times in a row without staying up ${config.stableUptime} ms; it is not restarted (maxRestarts: ${config.maxRestarts}). The other workers keep serving; once the cause is fixed, a reload revives it: ${reloadHint()}.`,
      );
      events.emit('workerCrashLoop', slot.id, error);
      if (this.slots.every((s) => s.failed)) this.settings.allGivenUp(allGivenUpError(this.slots));
      return;
    }
    slot.restarts += 1;
    events.emit('workerRestart', slot.id, decision.delay, decision.attempt);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.settings.running() || !this.slots.includes(slot) || slot.current !== undefined) return;
      // A failed start ends in an exit, and onExit schedules the next attempt with a longer delay.
      void this.spawnInto(slot, 0).catch(() => {});
    }, decision.delay);
  }

  private onMemory(slot: WorkerSlot, worker: WorkerProcess, rss: number): void {
    const limit = this.settings.config.maxMemory;
    const first = !this.measured.has(worker);
    this.measured.add(worker);
    if (limit === undefined || !this.settings.running()) return;
    if (rss <= limit) {
      // Back under (its first reading was a burst, not its size): it may be replaced again if it grows.
      this.bornTooBig.delete(worker);
      return;
    }
    if (slot.current !== worker || slot.replacing || this.bornTooBig.has(worker)) return;
    if (first && this.memoryReplacements.has(worker)) {
      // A replacement already over the limit as it starts: replacing it again would loop every second, forever.
      this.bornTooBig.add(worker);
      this.settings.events.emit('memoryLimitTooLow', worker.info(), rss);
      return;
    }
    this.settings.events.emit('workerMemoryLimit', worker.info(), rss);
    this.replace(slot, true).catch((err: unknown) => {
      this.settings.log.write(
        'memory',
        `replacing worker ${slot.id} for memory failed, it keeps serving: ${err instanceof Error ? err.message : String(err)}`,
        { worker: slot.id, pid: worker.pid },
      );
    });
  }
}

/** What an operator runs to reload the cluster: a signal to this primary, or the `lb` command. */
export function reloadHint(): string {
  return `kill -HUP ${process.pid} (or lb reload)`;
}

function allGivenUpError(slots: readonly WorkerSlot[]): LbError {
  const last = slots.map(
    (slot) => `worker ${slot.id}: ${slot.restarts} restarts, last exit ${slot.lastExit ?? 'unknown'}`,
  );
  return new LbError(
    'LB_ERR_ALL_WORKERS_GIVEN_UP',
    `Every worker has given up after crashing maxRestarts times in a row (${last.join('; ')}); nothing is serving. The workers' output above says why.`,
  );
}
