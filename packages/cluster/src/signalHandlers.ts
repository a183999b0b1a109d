import type { Writable } from 'node:stream';

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
    private readonly stderr: Writable,
  ) {}

  private readonly onStop = (signal: NodeJS.Signals) => {
    if (this.stoppingSince !== undefined) {
      if (performance.now() - this.stoppingSince < SAME_STOP_REQUEST_MS) return;
      this.target.kill();
      process.exit(1);
    }
    this.stoppingSince = performance.now();
    this.stderr.write(`[lb] ${signal}: stopping (finishing in-flight requests; repeat to force)\n`);
    this.target.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        this.stderr.write(`[lb] stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };

  private readonly onReload = () => {
    this.stderr.write('[lb] SIGHUP: reloading workers one at a time\n');
    this.target.reload().then(
      () => this.stderr.write('[lb] reload complete\n'),
      (err: unknown) => this.stderr.write(`[lb] reload failed, old workers keep serving: ${String(err)}\n`),
    );
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
