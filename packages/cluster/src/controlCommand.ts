import type { Writable } from 'node:stream';
import { LbError } from '@lb/core';
import type { ControlEnvironment } from './controlAddress.js';
import type { ControlCommand } from './controlArgs.js';
import { type ControlCall, controlCall, runningControlNames } from './controlClient.js';
import type { ControlStatus, LogEntry } from './controlProtocol.js';
import { statusTable } from './statusTable.js';

/** Where a control command writes. */
export interface ControlOutput {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** How long `status` and `logs` wait for a primary whose event loop is stuck before saying so. */
const quickAnswer = 10_000;

/**
 * The primary a command without `--name` means: the only one running. With none or several, it says which to
 * pick rather than guessing.
 */
function soleName(env: ControlEnvironment): string {
  const names = runningControlNames(env);
  if (names.length === 1) return names[0] as string;
  throw new LbError(
    'LB_ERR_CONTROL_UNAVAILABLE',
    names.length === 0
      ? 'No lb is running for this user (start one with "lb start").'
      : `Several lb are running (${names.join(', ')}): pick one with --name.`,
  );
}

/**
 * Runs `lb status|logs|reload|stop|scale` against running primaries. `status` without `--name` shows every
 * running one, as `pm2 ls` does; the others need an unambiguous target. Resolves when done (for `logs -f`: when
 * the primary stops).
 */
export async function runControlCommand(
  command: ControlCommand,
  env: ControlEnvironment,
  out: ControlOutput,
): Promise<void> {
  if (command.command === 'status') {
    const names = command.name === undefined ? runningControlNames(env) : [command.name];
    const results = await Promise.allSettled(
      names.map((name) =>
        controlCall(name, { cmd: 'status' }, env, undefined, quickAnswer).then(
          (r) => r.result as ControlStatus,
        ),
      ),
    );
    const clusters = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // A named primary that does not answer is an error; a stale socket in the listing of all is not.
    const failure = results.find((r) => r.status === 'rejected');
    if (command.name !== undefined && failure?.status === 'rejected') throw failure.reason;
    if (command.json) {
      out.stdout.write(`${JSON.stringify(command.name === undefined ? clusters : clusters[0], null, 2)}\n`);
    } else if (clusters.length === 0) {
      out.stderr.write('lb: no lb is running for this user\n');
    } else {
      out.stdout.write(statusTable(clusters));
    }
    return;
  }
  const name = command.name ?? soleName(env);
  const call: ControlCall =
    command.command === 'scale'
      ? { cmd: 'scale', processes: command.processes }
      : command.command === 'logs'
        ? { cmd: 'logs', lines: command.lines, follow: command.follow }
        : { cmd: command.command };
  const print = (entry: LogEntry) =>
    (entry.stream === 'stderr' ? out.stderr : out.stdout).write(`${entry.line}\n`);
  // New lines may arrive in the same read as the answer; they wait until the recent ones are printed.
  const early: LogEntry[] = [];
  let live = false;
  const reply = await controlCall(
    name,
    call,
    env,
    (entry) => (live ? print(entry) : early.push(entry)),
    call.cmd === 'logs' ? quickAnswer : undefined,
  );
  if (command.command === 'logs') {
    for (const entry of [...(reply.result as { lines: LogEntry[] }).lines, ...early]) print(entry);
    live = true;
    if (command.follow) await reply.ended;
    return;
  }
  const done = {
    reload: `${name}: reloaded (every worker replaced)`,
    stop: `${name}: stopped`,
    scale: `${name}: scaled to ${command.command === 'scale' ? command.processes : 0} workers`,
  }[command.command];
  out.stderr.write(`[lb] ${done}\n`);
}
