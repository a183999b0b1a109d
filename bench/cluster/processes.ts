// Process helpers the cluster benchmarks (run.ts, underLoad.ts) share: ports, the peers' scripts, their workers,
// and a PM2 with its own home directory.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const here = fileURLToPath(new URL('.', import.meta.url));
export const pm2Bin = join(here, '..', 'node_modules', '.bin', 'pm2');
/** PM2's state for this run only, so the benchmark never touches a PM2 the user runs (removed at the end). */
export const pm2Home = mkdtempSync(join(tmpdir(), 'lb-bench-pm2-'));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a node script of this folder that prints `{"pids":[…]}` when ready. */
export async function spawnReady(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; pids: number[] }> {
  const child = spawn(process.execPath, [join(here, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (line.startsWith('{')) return { child, pids: (JSON.parse(line) as { pids: number[] }).pids };
  }
  throw new Error(`${script} exited before it was ready`);
}

/** SIGTERM, so a primary stops its workers too; SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Live children of a primary (its workers), from `ps`. */
export function childPids(parent: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0);
}

export function pm2(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(pm2Bin, args, { env: { ...process.env, ...env, PM2_HOME: pm2Home }, encoding: 'utf8' });
}
