import type { DiscoveryListener, DiscoverySnapshot, DiscoverySource } from '@lb/core';

/** A subscription that records every snapshot and error, and lets a test wait for the one it expects. */
export class SnapshotRecorder {
  readonly snapshots: DiscoverySnapshot[] = [];
  readonly errors: Error[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly unsubscribe: () => void;

  constructor(source: DiscoverySource) {
    const listener: DiscoveryListener = {
      snapshot: (s) => {
        this.snapshots.push(s);
        this.wake();
      },
      error: (e) => {
        this.errors.push(e);
        this.wake();
      },
    };
    this.unsubscribe = source.subscribe(listener);
  }

  get latest(): DiscoverySnapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** Resolves with the first snapshot, from now on or already seen after `from`, that satisfies `match`. */
  async next(match: (s: DiscoverySnapshot) => boolean, from = 0): Promise<DiscoverySnapshot> {
    for (;;) {
      const found = this.snapshots.slice(from).find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves with the first error reported that satisfies `match`. */
  async error(match: (e: Error) => boolean): Promise<Error> {
    for (;;) {
      const found = this.errors.find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** The `host:port` list of a snapshot, for compact assertions. */
export function addresses(s: DiscoverySnapshot): string[] {
  return s.backends.map((b) => `${b.host}:${b.port}`);
}
