import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, get, track } from './helpers.js';
import { tempDir } from './lbProcess.js';

afterEach(cleanUp);

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
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
    const lb = spawn(
      process.execPath,
      [
        cli,
        'start',
        fixture('app.mjs'),
        '-i',
        '2',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--strategy',
        'leastConnections',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    track(lb.pid);
    let stderr = '';
    let stdout = '';
    lb.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const ready = new Promise<{ port: number; pids: number[] }>((resolve, reject) => {
      lb.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /2 workers ready on [^ ]+:(\d+) \(pids ([\d, ]+)\)/.exec(stderr);
        if (match) resolve({ port: Number(match[1]), pids: (match[2] as string).split(', ').map(Number) });
      });
      lb.once('exit', () => reject(new Error(`lb exited early: ${stderr}`)));
    });
    const { port, pids } = await ready;
    for (const pid of pids) track(pid);
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++)
      seen.add(Number(/pid=(\d+)/.exec((await get(port)).body)?.[1]));
    expect([...seen].sort()).toEqual([...pids].sort());
    expect(stdout).toMatch(/\[worker [01]\] listening on \d+/);
    const exited = once(lb, 'exit');
    lb.kill('SIGINT');
    expect((await exited)[0]).toBe(0);
    expect(pids.some(alive)).toBe(false);
  });
});
