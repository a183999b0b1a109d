import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The examples workspace, where `@lb/all` and the framework packages resolve. */
export const examplesDir = fileURLToPath(new URL('..', import.meta.url));

/** A running example: everything it printed so far, and ways to wait on it and stop it. */
export interface RunningExample {
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeout` ms or if the process exits. */
  waitFor(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL if it is still running after `timeout` ms; resolves once it has exited. */
  stop(timeout?: number): Promise<number | NodeJS.Signals | null>;
}

const running = new Set<RunningExample>();

/**
 * Starts `file` (relative to `examples/`) as a user would with `tsx`: `node --import tsx file`, so cluster workers
 * inherit the loader through `process.execArgv`. `env` adds variables such as port overrides.
 */
export function runExample(file: string, env: Record<string, string> = {}): RunningExample {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: examplesDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve(code ?? signal);
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const example: RunningExample = {
    output: () => text,
    waitFor(pattern, timeout = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) finish(() => resolve(match));
          else if (gone())
            finish(() => reject(new Error(`${file} exited before printing ${pattern}:\n${text}`)));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(`timed out after ${timeout} ms waiting for ${pattern} from ${file}:\n${text}`),
              ),
            ),
          timeout,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(timeout = 15_000) {
      running.delete(example);
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  running.add(example);
  return example;
}

/** Stops every example still running (for `afterAll`), so no process outlives the test file. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((example) => example.stop()));
}
