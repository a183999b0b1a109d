import type { Writable } from 'node:stream';

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
    private readonly stderr: Writable,
  ) {}

  private readonly onStop = (signal: NodeJS.Signals) => {
    if (this.stopping) {
      this.target.kill();
      process.exit(1);
    }
    this.stopping = true;
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
    if (!this.installed) return;
    this.installed = false;
    process.off('SIGINT', this.onStop);
    process.off('SIGTERM', this.onStop);
    process.off('SIGHUP', this.onReload);
  }
}
