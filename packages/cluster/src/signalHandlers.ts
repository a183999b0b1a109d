import { LbError } from '@lb/core';
import type { PrimaryLog } from './primaryLog.js';

/** What the signal handlers drive; `ClusterManager` provides it. */
export interface SignalTarget {
  stop(): Promise<void>;
  reload(): Promise<void>;
  kill(): void;
}

/**
 * How long after the first stop signal another one is still the same request. A terminal's Ctrl-C reaches the
 * whole foreground process group, and npm and pnpm also relay it to the script they run, so a primary started
 * through `pnpm start` gets SIGINT twice within milliseconds, and pnpm sends SIGTERM when it is itself
 * interrupted twice. Only a signal after this long asks to force the stop.
 */
const SAME_STOP_REQUEST_MS = 1000;

/**
 * SIGINT/SIGTERM: graceful stop, then exit 0 (another one, a second or more later, kills the workers and exits
 * 1 at once). SIGHUP: zero-downtime reload. A primary that dies any other way needs no handler: its workers see
 * their IPC channel close and shut down on their own.
 */
export class SignalHandlers {
  /** `performance.now()` of the first stop signal. */
  private stoppingSince: number | undefined;
  private installed = false;

  constructor(
    private readonly target: SignalTarget,
    private readonly log: PrimaryLog,
  ) {}

  private readonly onStop = (signal: NodeJS.Signals) => {
    if (this.stoppingSince !== undefined) {
      if (performance.now() - this.stoppingSince < SAME_STOP_REQUEST_MS) return;
      this.log.write('signal', `${signal} again: killing every worker now, exit code 1`, { signal });
      this.target.kill();
      process.exit(1);
    }
    this.stoppingSince = performance.now();
    this.log.write('signal', `${signal}: stopping (finishing in-flight requests; repeat to force)`, {
      signal,
    });
    this.target.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        this.log.write('stop', `stop failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };

  private readonly onReload = () => {
    this.log.write('signal', 'SIGHUP: reload', { signal: 'SIGHUP' });
    // reload() logs its own steps and failures; only one that never began is left to say.
    this.target.reload().catch((err: unknown) => {
      if (err instanceof LbError && err.code === 'LB_ERR_NOT_STARTED') {
        this.log.write('signal', 'SIGHUP ignored: the cluster is stopping', { signal: 'SIGHUP' });
      }
    });
  };

  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('SIGINT', this.onStop);
    process.on('SIGTERM', this.onStop);
    if (process.platform !== 'win32') process.on('SIGHUP', this.onReload);
  }

  uninstall(): void {
    // A stop these handlers started ends in process.exit; until then a repeated signal must still reach onStop
    // rather than kill the process by its default action.
    if (!this.installed || this.stoppingSince !== undefined) return;
    this.installed = false;
    process.off('SIGINT', this.onStop);
    process.off('SIGTERM', this.onStop);
    process.off('SIGHUP', this.onReload);
  }
}
