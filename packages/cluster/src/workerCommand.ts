import { WorkerEnv } from './workerEnv.js';

/** Inputs of {@link workerCommand}. */
export interface WorkerCommandInput {
  /** The worker script followed by its arguments. */
  readonly args: readonly string[];
  /** The primary's `process.execArgv`: loaders such as tsx and flags carry over to workers. */
  readonly execArgv: readonly string[];
  /** Absolute path of the worker preload. */
  readonly preload: string;
  readonly slot: number;
  readonly port: number;
  readonly host: string;
  readonly processCount: number;
  readonly shutdownTimeout: number;
  readonly sharedPort: number | undefined;
  /** The primary's environment, inherited by every worker. */
  readonly baseEnv: NodeJS.ProcessEnv;
}

// Two processes cannot share an inspector port, and a debugger attached to the primary is not meant for workers.
const inspectorFlag = /^--(inspect|inspect-brk|inspect-wait|debug|debug-brk)(=|$)/;

/** The `execArgv`, script arguments and environment of one worker. Pure, so it is tested without spawning. */
export function workerCommand(input: WorkerCommandInput): { argv: string[]; env: NodeJS.ProcessEnv } {
  const execArgv = input.execArgv.filter((flag) => !inspectorFlag.test(flag));
  const env: NodeJS.ProcessEnv = {
    ...input.baseEnv,
    [WorkerEnv.processId]: String(input.slot),
    [WorkerEnv.workerPort]: String(input.port),
    [WorkerEnv.workerHost]: input.host,
    [WorkerEnv.scalingMode]: 'worker',
    [WorkerEnv.processCount]: String(input.processCount),
    // PM2's name for the slot index, which apps moved from PM2 use to elect one instance for cron jobs and such.
    NODE_APP_INSTANCE: String(input.slot),
    LB_SHUTDOWN_TIMEOUT: String(input.shutdownTimeout),
    PORT: String(input.port),
  };
  if (input.sharedPort !== undefined) env[WorkerEnv.sharedPort] = String(input.sharedPort);
  else delete env[WorkerEnv.sharedPort];
  return { argv: [...execArgv, '--require', input.preload, ...input.args], env };
}
