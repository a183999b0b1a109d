import { LbError } from '@lb/core';
import { assertControlName } from './controlAddress.js';
import { maxLogLines } from './controlProtocol.js';

/** A command for a running `lb`: `status`, `logs`, `reload`, `stop` or `scale`. */
export type ControlCommand =
  | { readonly command: 'status'; readonly name: string | undefined; readonly json: boolean }
  | { readonly command: 'reload' | 'stop'; readonly name: string | undefined }
  | { readonly command: 'scale'; readonly name: string | undefined; readonly processes: number }
  | {
      readonly command: 'logs';
      readonly name: string | undefined;
      readonly lines: number;
      readonly follow: boolean;
    };

/** The commands {@link parseControlArgs} handles. */
export const controlCommands: ReadonlySet<string> = new Set([
  'status',
  'ls',
  'logs',
  'reload',
  'stop',
  'scale',
]);

function bad(message: string): never {
  throw new LbError('LB_ERR_INVALID_CLI_ARGUMENT', message);
}

function count(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    bad(`${flag} expects an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Parses the arguments of a control command (after the command word). Pure; `ls` is accepted as `status` for
 * PM2 habits. `scale` takes the count as its one positional argument.
 */
export function parseControlArgs(command: string, args: readonly string[]): ControlCommand {
  let name: string | undefined;
  let json = false;
  let follow = false;
  let lines = 100;
  const positional: string[] = [];
  const allowed: Record<string, readonly string[]> = {
    status: ['--name', '--json'],
    ls: ['--name', '--json'],
    logs: ['--name', '-f', '--follow', '-n', '--lines'],
    reload: ['--name'],
    stop: ['--name'],
    scale: ['--name'],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!allowed[command]?.includes(flag)) bad(`unknown option "${flag}" for ${command}`);
    if (flag === '--json' || flag === '-f' || flag === '--follow') {
      if (eq !== -1) bad(`${flag} takes no value`);
      if (flag === '--json') json = true;
      else follow = true;
      continue;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) bad(`${flag} needs a value`);
    if (flag === '--name') name = assertControlName(value, '--name');
    else lines = count(flag, value, 0, maxLogLines);
  }
  if (command === 'scale') {
    // `lb scale 4`, or `lb scale api 4` as in PM2.
    const raw = positional.pop();
    const [scaleName, ...extra] = positional;
    if (raw === undefined || extra.length > 0 || (scaleName !== undefined && name !== undefined)) {
      bad('scale takes the number of workers, as in: lb scale 4 (or lb scale <name> 4)');
    }
    const target = scaleName === undefined ? name : assertControlName(scaleName, '--name');
    return { command, name: target, processes: count('scale', raw, 1, 1_024) };
  }
  // `lb logs api` and `lb stop api` read like PM2's `pm2 logs api`: a lone positional is the name.
  const [positionalName, ...extra] = positional;
  if (extra.length > 0 || (positionalName !== undefined && name !== undefined)) {
    bad(`unexpected argument "${extra[0] ?? positionalName}"`);
  }
  if (positionalName !== undefined) name = assertControlName(positionalName, '--name');
  if (command === 'status' || command === 'ls') return { command: 'status', name, json };
  if (command === 'logs') return { command, name, lines, follow };
  if (command === 'reload' || command === 'stop') return { command, name };
  return bad(`unknown command "${command}"`);
}
