import type { ResolvedOptions } from './hybridProcessorOptions.js';
import { type SlotEvents, ThreadSlot } from './threadSlot.js';
import { rejectedFlags, withoutFlags } from './workerExecArgv.js';

/**
 * Starts a thread. Flags in `execArgv` that a thread refuses are dropped (with one process warning) and it is
 * tried again; returns the thread and the `execArgv` that worked, for the next spawn.
 */
export function spawnThread(
  file: URL,
  execArgv: string[] | undefined,
  options: ResolvedOptions,
  events: SlotEvents,
): [ThreadSlot, string[] | undefined] {
  let argv = execArgv;
  for (;;) {
    try {
      return [new ThreadSlot(file, argv, options, events), argv];
    } catch (error) {
      const rejected = rejectedFlags(error);
      if (rejected === undefined || argv === undefined) throw error;
      const kept = withoutFlags(argv, rejected);
      if (kept.length === argv.length) throw error;
      argv = kept;
      process.emitWarning(
        `HybridProcessor: worker threads do not accept ${rejected.join(', ')}; starting them without.`,
        { code: 'LB_EXEC_ARGV_DROPPED' },
      );
    }
  }
}
