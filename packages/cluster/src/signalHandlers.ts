import { LbError } from '@lb/core';
import type { PrimaryLog } from './primaryLog.js';

/** What the signal handlers drive; `ClusterManager` provides it. */
export interface SignalTarget {
  stop(): Promise<void>;
  reload(): Promise<void>;
  kill(): void;
}

/**
 * SIGINT/SIGTERM: graceful stop, then exit 0 (a second one kills the workers and exits 1 at once). SIGHUP:
 * zero-downtime reload. A primary that dies any other way needs no handler: its workers see their IPC channel
 * close and shut down on their own.
 */
export class SignalHandlers {
  private stopping = false;
  private installed = false;

  constructor(
    private readonly target: SignalTarget,
    private readonly log: PrimaryLog,
  ) {}

  private readonly onStop = (signal: NodeJS.Signals) => {
    if (this.stopping) {
      this.log.write('signal', `${signal} again: killing every worker now, exit code 1`, { signal });
      this.target.kill();
      process.exit(1);
    }
    this.stopping = true;
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
    if (!this.installed) return;
    this.installed = false;
    process.off('SIGINT', this.onStop);
    process.off('SIGTERM', this.onStop);
    process.off('SIGHUP', this.onReload);
  }
}
