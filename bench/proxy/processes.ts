// What the proxy benchmarks share about the processes they measure: free ports, waiting for a port, stopping a
// child, pinning to a CPU and reading a process's CPU time from /proc.
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus } from 'node:os';

const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** Whether `tool` is on the PATH. */
export const has = (tool: string): boolean => spawnSync('which', [tool]).status === 0;

/** Whether pinning is possible: `taskset` exists and there are two CPUs or more. */
export const canPin = has('taskset') && cpus().length >= 2;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** User and system CPU seconds of a process so far (one clock tick of resolution, usually 10 ms). */
export function cpuTimes(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticks, sys: Number(fields[12]) / ticks };
}

/** User plus system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const { user, sys } = cpuTimes(pid);
  return user + sys;
}

/** Moves every thread of `pid` to `cpu`. */
export function pinTo(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Resolves once `port` accepts a connection; rejects if `child` exits first or after 200 tries 25 ms apart. */
export async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.destroy() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`port ${port} never opened`);
}
