import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './helpers.js';

/** The built `lb` command. */
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A fresh private directory; as XDG_RUNTIME_DIR it keeps each test's control sockets apart from any real ones. */
export const tempDir = (prefix = 'lb-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/** A running `lb` (any command) with its output collected, and a way to wait for a line of it. */
export interface LbProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr (or stdout), rejecting if `lb` exits first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

/** Spawns `lb …args` (tracked for clean-up) in `cwd` with `env` added to this process's environment. */
export function spawnLb(args: string[], env: NodeJS.ProcessEnv, cwd?: string): LbProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child.pid);
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      text[stream] += chunk.toString();
      for (const waiter of waiters) waiter();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor(pattern, stream = 'stderr') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text[stream]);
          if (match === null) return;
          waiters.delete(check);
          resolve(match);
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          reject(new Error(`lb exited (${code}) before ${pattern}: ${text.stderr}${text.stdout}`));
        });
      });
    },
  };
}

/** Runs `lb …args` to completion. */
export async function runLb(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const lb = spawnLb(args, env, cwd);
  const status = await lb.exited;
  return { status, stdout: lb.stdout(), stderr: lb.stderr() };
}
