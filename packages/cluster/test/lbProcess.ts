import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A running `lb` process and what it printed so far. */
export interface LbProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the first match of `pattern` in stderr (now or later); rejects if `lb` exits first. */
  readonly waitForStderr: (pattern: RegExp) => Promise<RegExpExecArray>;
  /** Resolves with the exit code, or the signal name. */
  readonly exited: Promise<number | string>;
}

/** Starts `lb start <args>`; its pid and the worker pids it prints are killed after the test. */
export function startLb(args: readonly string[], env: NodeJS.ProcessEnv = {}): LbProcess {
  const child = spawn(process.execPath, [cli, 'start', ...args], { env: { ...process.env, ...env } });
  track(child.pid);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const check of waiters) check();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const check of waiters) check();
    }),
  );
  const waitForStderr = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stderr);
        if (match !== null) {
          waiters.delete(check);
          resolve(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`lb exited before printing ${pattern}:\n${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitForStderr, exited };
}

/** Waits for the "N workers ready" line and returns the public port and the worker pids (tracked for clean-up). */
export async function lbReady(lb: LbProcess): Promise<{ port: number; pids: number[] }> {
  const match = await lb.waitForStderr(/workers ready on [^ ]+:(\d+) \(pids ([\d, ]+)\)/);
  const pids = (match[2] as string).split(', ').map(Number);
  for (const pid of pids) track(pid);
  return { port: Number(match[1]), pids };
}
