import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { ClusterConfig, type ClusterConfigOptions, LbError, type TypedEventEmitter } from '@lb/core';
import { assertInteger } from '@lb/core/internal';
import { type AdminServer, LoadBalancer } from '@lb/proxy';
import { balancerConfig, clusterAdmin, primaryProcessMetrics } from './clusterAdmin.js';
import { ClusterControl } from './clusterControl.js';
import { clusterDashboardRows, dashboardEventOf } from './clusterDashboard.js';
import type { ClusterManagerEvents } from './clusterEvents.js';
import { assertControlName, currentControlEnvironment, defaultControlName } from './controlAddress.js';
import { formatDuration } from './humanUnits.js';
import { logWorkerEvents } from './lifecycleLog.js';
import { mergeMetrics } from './mergeMetrics.js';
import { PrimaryLog } from './primaryLog.js';
import { reportMetrics } from './reportMetrics.js';
import { SharedPortServer } from './sharedPortServer.js';
import { SignalHandlers } from './signalHandlers.js';
import { currentProcessId, currentWorkerPort, inClusterMode, inWorker } from './workerEnv.js';
import type { WorkerInfo } from './workerInfo.js';
import { workerMetrics } from './workerMetrics.js';
import { reloadHint, WorkerSupervisor } from './workerSupervisor.js';

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
  /**
   * Serve `lb status|logs|reload|stop|scale` on a control socket private to this user, under `name` (default:
   * the script's file name). `start()` fails with `LB_ERR_CONTROL_NAME_IN_USE` if a running primary has the name.
   * @default false
   */
  control?: boolean | { name?: string };
}

type RunState = 'idle' | 'starting' | 'running' | 'stopping';

/**
 * Runs one script as N worker processes, behind the `@lb/proxy` load balancer, on one shared port, or each on
 * its own port, and keeps them serving: readiness before traffic, restarts with backoff, zero-downtime reloads,
 * memory limits, graceful shutdown. The static helpers tell a process whether it is a worker, as in the Dart
 * original.
 *
 * @example
 * ```ts
 * const processId = ClusterManager.processId;
 * const workerPort = ClusterManager.workerPort;
 * if (processId !== undefined && workerPort !== undefined) startWorker(workerPort);
 * else await new ClusterManager(new ClusterConfig({ processes: 4, basePort: 8080, enableLoadBalancer: true,
 *   loadBalancerPort: 3000, strategy: LoadBalancingStrategy.roundRobin })).start();
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
  /** True inside a cluster worker (`LB_SCALING_MODE=worker`). */
  static get isWorker(): boolean {
    return inWorker();
  }
  /** True inside a process started by a cluster (`LB_SCALING_MODE` is set). */
  static get isClusterMode(): boolean {
    return inClusterMode();
  }

  /** The validated configuration. */
  readonly config: ClusterConfig;
  private readonly supervisor: WorkerSupervisor;
  private readonly signals: SignalHandlers;
  private readonly log: PrimaryLog;
  /** The worker script, named in the start line. */
  private readonly script: string;
  private readonly handleSignals: boolean;
  private readonly control: ClusterControl | undefined;
  private state: RunState = 'idle';
  private memoryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** The admin server with `adminPort`, in every mode: up from the start of `start()` to the end of `stop()`. */
  private admin: AdminServer | undefined;
  /** `config` without `adminPort`: the cluster serves the admin routes itself, its balancer does not. */
  private readonly balancerConfig: ClusterConfig;
  /** Stops copying the primary's lines and the balancer's backend events into the dashboard's event log. */
  private readonly unobserve: Array<() => void> = [];

  /**
   * @param config The cluster configuration, as a `ClusterConfig` or its options.
   * @param args The worker script and its arguments. @default the current script and its arguments
   * @param options How workers run and where their output goes.
   */
  constructor(
    config: ClusterConfig | ClusterConfigOptions,
    args: readonly string[] = process.argv.slice(1),
    options: ClusterManagerOptions = {},
  ) {
    super();
    this.config = config instanceof ClusterConfig ? config : new ClusterConfig(config);
    if (args[0] === undefined) {
      throw new LbError(
        'LB_ERR_WORKER_SPAWN_FAILED',
        'ClusterManager needs a worker script: pass [script, ...args].',
      );
    }
    this.script = args[0];
    const control = options.control ?? false;
    this.control =
      control === false
        ? undefined
        : new ClusterControl(
            this,
            control === true || control.name === undefined
              ? defaultControlName(args[0])
              : assertControlName(control.name),
            currentControlEnvironment(),
          );
    // With control, everything the cluster prints is also kept for `lb logs`, its own lines included.
    const stdout = this.tap(options.stdout ?? process.stdout, 'stdout');
    const stderr = this.tap(options.stderr ?? process.stderr, 'stderr');
    this.log = new PrimaryLog(stderr, this.config.logFormat);
    this.supervisor = new WorkerSupervisor({
      config: this.config,
      args,
      execArgv: options.execArgv ?? process.execArgv,
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdout,
      stderr,
      log: this.log,
      events: this,
      active: () => this.state === 'starting' || this.state === 'running',
      running: () => this.state === 'running',
      allGivenUp: (error) => this.onAllGivenUp(error),
    });
    logWorkerEvents(this, this.log, this.config);
    this.balancerConfig = balancerConfig(this.config);
    // Created up front so listeners can be attached to its events before start().
    if (this.config.enableLoadBalancer) this.supervisor.balancer = new LoadBalancer(this.balancerConfig);
    this.handleSignals = options.handleSignals ?? true;
    this.signals = new SignalHandlers(this, this.log);
  }

  /** The name `lb status|logs|reload|stop|scale --name` reaches this cluster by; `undefined` without `control`. */
  get controlName(): string | undefined {
    return this.control?.name;
  }

  /**
   * A snapshot of every live worker, including old ones still draining during a reload, and of every slot
   * without a process (`waiting` for its restart, or `errored`: given up).
   */
  get workers(): WorkerInfo[] {
    return [...this.supervisor.live]
      .map((worker) => worker.info())
      .concat(this.supervisor.idleSlots())
      .sort((a, b) => a.id - b.id);
  }

  /** The public address: the balancer's or the shared port's; `undefined` in per-port mode or before start. */
  get address(): { host: string; port: number } | undefined {
    return this.supervisor.balancer?.address ?? this.supervisor.shared?.address;
  }

  /**
   * The load balancer with `enableLoadBalancer`, for its `stats()`, `metrics()` and events (available from the
   * constructor on; a new one is created when the cluster starts again after `stop()`).
   */
  get balancer(): LoadBalancer | undefined {
    return this.supervisor.balancer;
  }

  /**
   * In a worker: hands the application's own Prometheus text to the primary, which serves it at the admin
   * `/metrics` under a `worker` label (see `reportMetrics`). Does nothing outside a worker.
   */
  static reportMetrics(text: string): void {
    reportMetrics(text);
  }

  /** Where the admin server listens, once `start()` has begun; `undefined` without `adminPort`. */
  get adminAddress(): { host: string; port: number } | undefined {
    return this.admin?.address;
  }

  /** Whether a worker takes traffic: the balancer has a backend up (proxy mode), or a worker is ready. */
  private healthy(): boolean {
    const balancer = this.supervisor.balancer;
    if (balancer !== undefined) return balancer.healthy();
    return this.workers.some((worker) => worker.state === 'ready');
  }

  /** Starts every worker, waits until all are ready, then starts the balancer; rejects if a worker cannot. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new LbError('LB_ERR_ALREADY_STARTED', 'The cluster is already started.');
    this.state = 'starting';
    const { config, supervisor } = this;
    this.log.write('start', `starting ${config.processes} workers of ${this.script}`, {
      processes: config.processes,
      script: this.script,
    });
    try {
      // First, so a second primary with the same name is refused before it starts any worker.
      await this.control?.listen();
      // Next, before any worker: `/livez` answers from here on, `/readyz` 503 until every worker is ready.
      if (config.adminPort !== undefined) {
        const admin = clusterAdmin(
          this,
          {
            metrics: () => this.workerMetrics(supervisor.balancer?.metrics() ?? primaryProcessMetrics()),
            healthy: () => this.healthy(),
            ready: () => this.state === 'running' && this.healthy(),
          },
          { host: config.adminHost, port: config.adminPort },
        );
        await admin.start();
        this.admin = admin;
        this.showOnDashboard(admin);
      }
      supervisor.slots = Array.from({ length: config.processes }, (_, id) => supervisor.newSlot(id));
      if (config.enableLoadBalancer) supervisor.balancer ??= new LoadBalancer(this.balancerConfig);
      if (this.admin !== undefined && supervisor.balancer !== undefined) {
        this.unobserve.push(supervisor.balancer.logEventsTo(this.admin));
      }
      if (config.sharedPort !== undefined) {
        supervisor.shared = new SharedPortServer(config.sharedPort, config.loadBalancerHost);
      }
      await supervisor.startAll(
        supervisor.slots.map((slot) => () => supervisor.spawnInto(slot, config.workerPort(slot.id))),
      );
      await supervisor.balancer?.start();
      await supervisor.shared?.listen();
      // A worker that died after it was ready but before start() finished is not restarted (restarts begin once
      // running): failing here is what keeps start() from resolving with a slot short.
      const lost = supervisor.slots.find((slot) => slot.current?.state !== 'ready');
      if (lost !== undefined) {
        throw new LbError(
          'LB_ERR_WORKER_NOT_READY',
          `Worker ${lost.id} exited while the cluster was starting, after it was ready; see its output above.`,
        );
      }
    } catch (err) {
      await this.teardown(0);
      this.control?.close();
      this.state = 'idle';
      throw err;
    }
    this.state = 'running';
    this.memoryTimer = setInterval(() => supervisor.checkMemory(), memoryCheckInterval).unref();
    if (this.handleSignals) this.signals.install();
    const workers = this.workers;
    const address = this.address;
    const where = address === undefined ? '' : ` on ${address.host}:${address.port}`;
    const admin = this.adminAddress;
    const adminWhere = admin === undefined ? '' : `; admin on ${admin.host}:${admin.port}`;
    this.log.write(
      'started',
      `${workers.length} workers ready${where} (pids ${workers.map((w) => w.pid).join(', ')})${adminWhere}`,
      {
        address,
        admin,
        pids: workers.map((w) => w.pid),
      },
    );
    this.emit('ready');
  }

  /**
   * Stops: at once the admin `/readyz` answers 503 while the cluster keeps serving for `drainDelay`; then it
   * stops accepting, lets in-flight requests finish, and stops every worker (SIGKILL after `shutdownTimeout`).
   * `/livez` answers 200 until the end. A second call while stopping returns the same promise.
   */
  stop(): Promise<void> {
    if (this.state === 'idle') return Promise.resolve();
    this.stopping ??= this.shutDown().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    // From here `/readyz` answers 503.
    this.state = 'stopping';
    clearInterval(this.memoryTimer);
    const { drainDelay, shutdownTimeout: timeout } = this.config;
    if (drainDelay > 0) {
      this.log.write(
        'notReady',
        `not ready: /readyz answers 503; still serving for ${formatDuration(drainDelay)} (drainDelay) until load balancers stop sending traffic here`,
        { drainDelay },
      );
      await new Promise((resolve) => setTimeout(resolve, drainDelay));
    }
    this.log.write(
      'stop',
      `stopping: finishing in-flight requests, then SIGTERM to every worker (SIGKILL after ${formatDuration(timeout)})`,
    );
    await this.teardown(timeout);
    // Only now: a second SIGINT/SIGTERM during the drain must reach our handler (kill, exit 1), not Node's default.
    this.signals.uninstall();
    this.control?.close();
    this.state = 'idle';
    this.log.write('stopped', 'stopped');
    this.emit('stopped');
  }

  /** Replaces every worker, one at a time, with no request lost: start, wait ready, add, drain the old, stop it. */
  async reload(): Promise<void> {
    this.assertRunning('reload');
    const slots = [...this.supervisor.slots];
    this.log.write('reload', `reloading ${slots.length} workers one at a time`, { step: 'begin' });
    for (const slot of slots) {
      const before = slot.current?.pid;
      try {
        slot.policy.reset();
        if (slot.failed || slot.current === undefined) {
          slot.failed = false;
          clearTimeout(slot.timer);
          await this.supervisor.spawnInto(slot, 0);
        } else {
          await this.supervisor.replace(slot);
        }
      } catch (err) {
        this.log.write(
          'reload',
          `reload stopped at worker ${slot.id}, the workers not replaced yet keep serving: ${err instanceof Error ? err.message : String(err)}`,
          { worker: slot.id, step: 'failed' },
        );
        throw err;
      }
      const after = slot.current?.pid;
      this.log.write('reload', `worker ${slot.id} reloaded (pid ${before ?? 'none'} → ${after})`, {
        worker: slot.id,
        pid: after,
        previousPid: before,
        step: 'replaced',
      });
    }
    this.log.write('reload', 'reload complete', { step: 'done' });
  }

  /** Changes the number of workers: new ones start (and are awaited); surplus ones drain and stop. */
  async scale(processes: number): Promise<void> {
    this.assertRunning('scale');
    assertInteger(processes, 'processes', 1, 'LB_ERR_INVALID_PROCESS_COUNT');
    const { supervisor } = this;
    const slots = supervisor.slots;
    if (processes > slots.length) {
      const added = Array.from({ length: processes - slots.length }, (_, i) =>
        supervisor.newSlot(slots.length + i),
      );
      slots.push(...added);
      await supervisor.startAll(added.map((slot) => () => supervisor.spawnInto(slot, 0)));
    } else {
      const removed = slots.splice(processes);
      await Promise.all(
        removed.map((slot) => {
          clearTimeout(slot.timer);
          return slot.current === undefined ? undefined : supervisor.retire(slot.current);
        }),
      );
    }
  }

  /** SIGKILLs every worker at once, without draining (what a second Ctrl-C during shutdown does). */
  kill(): void {
    this.supervisor.killAll();
  }

  /** Every slot gave up: fail loudly (stop, and exit 1 when we own the process), or wait for a reload. */
  private onAllGivenUp(error: LbError): void {
    const exit = this.handleSignals ? ' and exiting with code 1' : '';
    const next = this.config.exitWhenAllGivenUp
      ? `Stopping${exit}.`
      : `Waiting with no worker for a reload (exitWhenAllGivenUp: false): ${reloadHint()}.`;
    this.log.write('failed', `${error.message} ${next}`, { error: error.code });
    this.emit('failed', error);
    if (!this.config.exitWhenAllGivenUp) return;
    void this.stop().then(() => {
      if (this.handleSignals) process.exit(1);
    });
  }

  /** Makes the admin dashboard show one row per worker and the primary's lifecycle events. */
  private showOnDashboard(admin: AdminServer): void {
    admin.dashboard.rows = () => clusterDashboardRows(this.workers, this.supervisor.balancer?.stats());
    this.unobserve.push(this.log.observe(dashboardEventOf(admin.dashboard.events)));
  }

  /**
   * The primary's exposition: `own` (the balancer's series, or without one the primary's `process_*` series)
   * first and unchanged, then the `lb_worker_*` series, then the series the workers' apps reported, each under
   * its `worker` label. A family both have (`process_*`, which prom-client's defaults report too) is written
   * once, with every sample, as the format requires.
   */
  private workerMetrics(own: string): string {
    const { supervisor } = this;
    const apps = [...supervisor.live]
      .filter((worker) => worker.state === 'ready' && worker.appMetrics !== undefined)
      .map((worker) => ({ worker: worker.slot, text: worker.appMetrics as string }));
    const workers = workerMetrics(this.workers, { handedOver: supervisor.shared?.handedOver });
    return mergeMetrics([{ text: own }, { text: workers }, ...apps]);
  }

  private tap(sink: Writable, stream: 'stdout' | 'stderr'): Writable {
    return this.control?.tap(sink, stream) ?? sink;
  }

  private assertRunning(what: string): void {
    if (this.state !== 'running') {
      throw new LbError('LB_ERR_NOT_STARTED', `Cannot ${what}: the cluster is not running.`);
    }
  }

  /** Stops the balancer or shared listener first (finishing in-flight requests), then every worker. */
  private async teardown(timeout: number): Promise<void> {
    const { supervisor } = this;
    for (const slot of supervisor.slots) clearTimeout(slot.timer);
    const { balancer, shared } = supervisor;
    supervisor.balancer = undefined;
    supervisor.shared = undefined;
    await balancer?.stop({ timeout }).catch(() => {});
    shared?.close();
    await Promise.all([...supervisor.live].map((worker) => supervisor.retire(worker, timeout)));
    supervisor.slots = [];
    // Last: `/livez` answers through the whole drain.
    const admin = this.admin;
    this.admin = undefined;
    for (const stop of this.unobserve.splice(0)) stop();
    await admin?.stop();
  }
}
