import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, get, track, waitFor } from './helpers.js';
import { tempDir } from './lbSpawn.js';

afterEach(cleanUp);

// The package's bin entry, which runs the built dist/cli.js.
const cli = fileURLToPath(new URL('../bin/lb.js', import.meta.url));
// Control sockets of these runs stay out of the user's own directory, where an lb named "app" may be running.
const env = { ...process.env, XDG_RUNTIME_DIR: tempDir() };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000, env });

describe('the lb command', () => {
  it('prints help and exits 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: lb start <app>/);
    expect(result.stdout).toContain('--strategy');
  });

  it('is reachable through @lb/all', () => {
    const viaAll = fileURLToPath(new URL('../../all/bin/lb.js', import.meta.url));
    const result = spawnSync(process.execPath, [viaAll, '--help'], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: lb start <app>/);
  });

  it('rejects bad flags with a clear message and exit code 2', () => {
    const unknown = run('start', 'app.js', '--turbo');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('lb: unknown option "--turbo"');
    expect(unknown.stderr).toContain('lb --help');
    expect(run('start', 'app.js', '--strategy', 'fastest').status).toBe(2);
    expect(run('start').status).toBe(2);
    expect(run('start', 'app.js', '-i', '0', '--max-restarts', '-1').status).toBe(2);
  });

  it('exits 1 with the reason when the app cannot start', () => {
    const result = run('start', '/nonexistent/app.js', '-i', '1', '--shared-port', '--port', '0');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/lb: Worker 0 exited \(code 1\) before it was ready/);
    expect(result.stderr).toContain('Cannot find module');
  });

  it('runs an unmodified app behind the balancer and stops on SIGINT with exit 0', async () => {
    const { lb, port, pids, stdout } = await startApp(2);
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++)
      seen.add(Number(/pid=(\d+)/.exec((await get(port)).body)?.[1]));
    expect([...seen].sort()).toEqual([...pids].sort());
    expect(stdout()).toMatch(/\[worker [01]\] listening on \d+/);
    const exited = once(lb, 'exit');
    lb.kill('SIGINT');
    expect((await exited)[0]).toBe(0);
    expect(pids.some(alive)).toBe(false);
  });

  it('takes a Ctrl-C relayed by a package manager (SIGINT, SIGINT, SIGTERM in quick succession) as one graceful stop', async () => {
    const { lb, port, pids, stdout } = await startApp(1);
    // A request in flight keeps the stop going while the relayed signals arrive.
    const slow = get(port, '/slow?ms=400');
    await waitFor(() => stdout().includes('slow request started'), 5_000, 'the slow request to start');
    const exited = once(lb, 'exit');
    // The terminal's SIGINT, pnpm's relayed SIGINT, then the SIGTERM pnpm sends when interrupted twice.
    for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM'] as const) {
      lb.kill(signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await slow).status).toBe(200);
    expect((await exited)[0]).toBe(0);
    expect(pids.some(alive)).toBe(false);
  });
});

/** `lb start` on the app.mjs fixture with `workers` workers, once every worker is ready. */
async function startApp(
  workers: number,
): Promise<{ lb: ChildProcess; port: number; pids: number[]; stdout: () => string }> {
  const args = ['start', fixture('app.mjs'), '-i', String(workers), '--port', '0', '--host', '127.0.0.1'];
  const lb = spawn(process.execPath, [cli, ...args, '--strategy', 'leastConnections'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  track(lb.pid);
  let stderr = '';
  let stdout = '';
  lb.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const ready = /(\d+) workers? ready on [^ ]+:(\d+) \(pids? ([\d, ]+)\)/;
  const { port, pids } = await new Promise<{ port: number; pids: number[] }>((resolve, reject) => {
    lb.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = ready.exec(stderr);
      if (match) resolve({ port: Number(match[2]), pids: (match[3] as string).split(', ').map(Number) });
    });
    lb.once('exit', () => reject(new Error(`lb exited early: ${stderr}`)));
  });
  for (const pid of pids) track(pid);
  return { lb, port, pids, stdout: () => stdout };
}
