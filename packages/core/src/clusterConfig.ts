import { availableCpus } from './availableCpus.js';
import { loadBalancerDefaults } from './loadBalancerDefaults.js';
import { type LoadBalancerOptions, loadBalancerOptionKeys } from './loadBalancerOptions.js';
import { LoadBalancingStrategy, type LoadBalancingStrategyName } from './loadBalancingStrategy.js';
import type { Strategy } from './strategy.js';
import {
  assertBoolean,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  assertPort,
  assertString,
  fail,
} from './validate.js';
import { validateLoadBalancerOptions } from './validateLoadBalancerOptions.js';
import { validateStrategyOption } from './validateStrategyOption.js';

/** The longest delay a Node.js timer keeps (about 24.8 days). */
const maxTimerDelay = 2 ** 31 - 1;

/** How a cluster decides that a worker is ready for traffic. */
export type ReadinessMode = 'port' | 'signal';

/** How worker output reaches the primary's stdout and stderr. */
export type LogFormat = 'prefix' | 'json' | 'inherit';

/** Options for {@link ClusterConfig}. The first five are the Dart original's. */
export interface ClusterConfigOptions extends LoadBalancerOptions {
  /** Number of worker processes. @default the CPUs this process may use ({@link availableCpus}) */
  processes?: number;
  /** Port of the first worker; worker `i` listens on `basePort + i`. `0` picks free ports. @default 8080 */
  basePort?: number;
  /** Put the built-in load balancer in front of the workers. @default false */
  enableLoadBalancer?: boolean;
  /** Port of the load balancer; required when `enableLoadBalancer` is true. `0` picks a free port. */
  loadBalancerPort?: number;
  /** A built-in strategy name or your own {@link Strategy}. @default LoadBalancingStrategy.roundRobin */
  strategy?: LoadBalancingStrategyName | Strategy;
  /** Interface the workers bind (passed as `LB_WORKER_HOST`). @default '127.0.0.1' */
  host?: string;
  /** Shared-port mode: every worker serves this port with no proxy hop. Needs `enableLoadBalancer: false`. */
  sharedPort?: number;
  /** Milliseconds a worker may take to finish in-flight work after SIGTERM before SIGKILL. @default 10000 */
  shutdownTimeout?: number;
  /**
   * Milliseconds the cluster keeps accepting and serving after a stop begins (`SIGTERM`, `stop()`), with the admin
   * `/readyz` already answering 503, before it stops accepting and drains. Load balancers in front (a Kubernetes
   * Service, an ingress) stop sending new connections only some time after the stop began; this covers that lag.
   * `0` drains at once, right for anything that does not route by readiness. @default 0
   */
  drainDelay?: number;
  /** Milliseconds a worker may take to become ready; past it, start or replacement fails. @default 30000 */
  readinessTimeout?: number;
  /** `'port'`: ready when the worker reports that it listens on its port. `'signal'`: when it calls `ready()`. @default 'port' */
  readiness?: ReadinessMode;
  /** Restarts of one worker slot in a row (without a stable uptime between) before it is given up. @default 10 */
  maxRestarts?: number;
  /**
   * Restart backoff base in milliseconds: the first crash after a stable run restarts at once, the n-th crash in
   * a row waits `restartDelay × 2^(n−2)` (with jitter, half to all of it). @default 100
   */
  restartDelay?: number;
  /** Longest restart delay in milliseconds. @default 30000 */
  maxRestartDelay?: number;
  /** Milliseconds of uptime after which a worker's crash count resets. @default 30000 */
  stableUptime?: number;
  /**
   * When every worker slot has given up after `maxRestarts` crashes in a row, stop the cluster and fail (a
   * `failed` event; `lb` and any primary that handles signals exit 1), so a supervisor such as systemd or
   * Kubernetes sees it. `false` keeps the primary running with no worker until a reload (`SIGHUP`). @default true
   */
  exitWhenAllGivenUp?: boolean;
  /** Resident memory in bytes above which a worker is replaced gracefully. Off when unset. */
  maxMemory?: number;
  /** `'prefix'` adds `[worker N]` to each line, `'json'` emits JSON lines, `'inherit'` passes output through. @default 'prefix' */
  logFormat?: LogFormat;
}

/** The options only a cluster has: a `LoadBalancer` given one of them says it belongs to `ClusterConfig`. */
export const clusterOnlyOptionKeys: readonly string[] = Object.keys({
  processes: true,
  basePort: true,
  enableLoadBalancer: true,
  loadBalancerPort: true,
  strategy: true,
  host: true,
  sharedPort: true,
  shutdownTimeout: true,
  drainDelay: true,
  readinessTimeout: true,
  readiness: true,
  maxRestarts: true,
  restartDelay: true,
  maxRestartDelay: true,
  stableUptime: true,
  exitWhenAllGivenUp: true,
  maxMemory: true,
  logFormat: true,
} satisfies Record<Exclude<keyof ClusterConfigOptions, keyof LoadBalancerOptions>, true>).filter(
  // Both balancers take these two as well.
  (key) => key !== 'loadBalancerPort' && key !== 'strategy',
);

const knownKeys: ReadonlySet<string> = new Set([
  ...clusterOnlyOptionKeys,
  'loadBalancerPort',
  'strategy',
  ...loadBalancerOptionKeys,
]);

/**
 * Configuration of a cluster and its load balancer, validated on construction: a bad value throws a
 * {@link ConfigError} whose `code` is stable and whose message says what to change.
 *
 * @example
 * ```ts
 * const config = new ClusterConfig({
 *   processes: 4,
 *   basePort: 8080,
 *   enableLoadBalancer: true,
 *   loadBalancerPort: 3000,
 *   strategy: LoadBalancingStrategy.roundRobin,
 * });
 * ```
 */
// The load-balancer options a config carries (only the ones that were set; the balancer applies the defaults
// of `loadBalancerDefaults`) are copied on in the constructor: this declaration gives them their types.
export interface ClusterConfig extends Readonly<LoadBalancerOptions> {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns exactly the fields the interface adds.
export class ClusterConfig implements Readonly<ClusterConfigOptions> {
  readonly processes: number;
  readonly basePort: number;
  readonly enableLoadBalancer: boolean;
  readonly loadBalancerPort: number | undefined;
  readonly strategy: LoadBalancingStrategyName | Strategy;
  readonly host: string;
  readonly sharedPort: number | undefined;
  readonly shutdownTimeout: number;
  readonly drainDelay: number;
  readonly readinessTimeout: number;
  readonly readiness: ReadinessMode;
  readonly maxRestarts: number;
  readonly restartDelay: number;
  readonly maxRestartDelay: number;
  readonly stableUptime: number;
  readonly exitWhenAllGivenUp: boolean;
  readonly maxMemory: number | undefined;
  readonly logFormat: LogFormat;
  readonly loadBalancerHost: string | undefined;
  readonly adminPort: number | undefined;
  readonly adminHost: string;

  constructor(options: ClusterConfigOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      fail('LB_ERR_INVALID_OPTION', 'ClusterConfig', 'needs an options object', options);
    }
    assertKnownKeys(options, knownKeys, 'ClusterConfig');
    const o = options;
    this.processes =
      o.processes === undefined
        ? availableCpus()
        : assertInteger(o.processes, 'processes', 1, 'LB_ERR_INVALID_PROCESS_COUNT');
    this.basePort = assertPort(o.basePort ?? 8080, 'basePort', true);
    if (this.basePort !== 0 && this.basePort + this.processes - 1 > 65535) {
      fail(
        'LB_ERR_INVALID_PORT',
        'basePort',
        `leaves no room for ${this.processes} workers below port 65535`,
        this.basePort,
      );
    }
    this.enableLoadBalancer = assertBoolean(o.enableLoadBalancer ?? false, 'enableLoadBalancer');
    this.loadBalancerPort =
      o.loadBalancerPort === undefined ? undefined : assertPort(o.loadBalancerPort, 'loadBalancerPort', true);
    if (this.enableLoadBalancer && this.loadBalancerPort === undefined) {
      fail(
        'LB_ERR_MISSING_LOAD_BALANCER_PORT',
        'loadBalancerPort',
        'is required when enableLoadBalancer is true: set loadBalancerPort (for example 3000) or enableLoadBalancer: false',
        o.loadBalancerPort,
      );
    }
    this.strategy = validateStrategyOption(o.strategy ?? LoadBalancingStrategy.roundRobin);
    this.host = assertString(o.host ?? '127.0.0.1', 'host');
    this.sharedPort = o.sharedPort === undefined ? undefined : assertPort(o.sharedPort, 'sharedPort', true);
    this.shutdownTimeout = assertNumber(o.shutdownTimeout ?? 10_000, 'shutdownTimeout');
    this.drainDelay = assertNumber(o.drainDelay ?? 0, 'drainDelay');
    // Node fires a longer timer at once (with a warning): a typo in the unit would skip the delay silently.
    if (this.drainDelay > maxTimerDelay) {
      fail('LB_ERR_INVALID_OPTION', 'drainDelay', `must be at most ${maxTimerDelay} ms`, this.drainDelay);
    }
    this.readinessTimeout = assertNumber(o.readinessTimeout ?? 30_000, 'readinessTimeout', 1);
    this.readiness = assertOneOf(o.readiness ?? 'port', 'readiness', ['port', 'signal']);
    this.maxRestarts = assertInteger(o.maxRestarts ?? 10, 'maxRestarts');
    this.restartDelay = assertNumber(o.restartDelay ?? 100, 'restartDelay');
    this.maxRestartDelay = assertNumber(o.maxRestartDelay ?? 30_000, 'maxRestartDelay', this.restartDelay);
    this.stableUptime = assertNumber(o.stableUptime ?? 30_000, 'stableUptime');
    this.exitWhenAllGivenUp = assertBoolean(o.exitWhenAllGivenUp ?? true, 'exitWhenAllGivenUp');
    this.maxMemory = o.maxMemory === undefined ? undefined : assertNumber(o.maxMemory, 'maxMemory', 1);
    this.logFormat = assertOneOf(o.logFormat ?? 'prefix', 'logFormat', ['prefix', 'json', 'inherit']);
    this.loadBalancerHost =
      o.loadBalancerHost === undefined ? undefined : assertString(o.loadBalancerHost, 'loadBalancerHost');
    this.adminPort = o.adminPort === undefined ? undefined : assertPort(o.adminPort, 'adminPort', true);
    this.adminHost = assertString(o.adminHost ?? loadBalancerDefaults.adminHost, 'adminHost');
    Object.assign(this, validateLoadBalancerOptions(o));
    this.checkPortConflicts();
    Object.freeze(this);
  }

  /** The port of worker `index` under the base-port scheme (before any reload moved it). */
  workerPort(index: number): number {
    return this.basePort === 0 ? 0 : this.basePort + index;
  }

  private checkPortConflicts(): void {
    if (this.sharedPort !== undefined && this.enableLoadBalancer) {
      fail(
        'LB_ERR_PORT_CONFLICT',
        'sharedPort',
        'needs enableLoadBalancer: false (shared-port mode has no proxy hop)',
        this.sharedPort,
      );
    }
    const first = this.basePort;
    const last = this.basePort + this.processes - 1;
    const inWorkerRange = (port: number | undefined): port is number =>
      port !== undefined && port !== 0 && first !== 0 && port >= first && port <= last;
    for (const field of ['loadBalancerPort', 'adminPort', 'sharedPort'] as const) {
      const port = this[field];
      if (inWorkerRange(port)) {
        fail(
          'LB_ERR_PORT_CONFLICT',
          field,
          `must lie outside the worker ports ${first}–${last}: move it or change basePort`,
          port,
        );
      }
    }
    if (this.adminPort !== undefined && this.adminPort !== 0 && this.adminPort === this.loadBalancerPort) {
      fail('LB_ERR_PORT_CONFLICT', 'adminPort', 'must differ from loadBalancerPort', this.adminPort);
    }
  }
}
