import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, get, track } from './helpers.js';
import { runLb, spawnLb, tempDir } from './lbSpawn.js';

afterEach(cleanUp);

interface Status {
  name: string;
  pid: number;
  workers: Array<{ id: number; pid: number; state: string; cpu?: number; cpuPercent?: number }>;
}

/** Sends raw bytes on the control socket and resolves with every line the primary sent before it closed. */
async function rawExchange(socketPath: string, payload: string | Buffer, endAfter = 1): Promise<unknown[]> {
  const socket = createConnection(socketPath);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    if (text.split('\n').length - 1 >= endAfter) socket.end();
  });
  socket.write(payload);
  await once(socket, 'close');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

describe('lb control commands', () => {
  it('status, logs, logs -f, scale, reload and stop reach a running lb by name; a second one is refused', async () => {
    const runtime = tempDir();
    const env = { XDG_RUNTIME_DIR: runtime };
    const lb = spawnLb(
      [
        'start',
        fixture('app.mjs'),
        '-i',
        '2',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--name',
        'web',
        '--env',
        'FIXTURE_GREETING=hi',
      ],
      env,
    );
    const port = Number((await lb.waitFor(/2 workers ready on [^ ]+:(\d+)/))[1]);
    const socketPath = join(runtime, 'lb', 'web.sock');
    expect(statSync(join(runtime, 'lb')).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);

    const status = async (): Promise<Status> => {
      const result = await runLb(['status', '--json', '--name', 'web'], env);
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as Status;
    };
    const before = await status();
    expect(before).toMatchObject({ name: 'web', pid: lb.child.pid });
    expect(before.workers.map((w) => [w.id, w.state])).toEqual([
      [0, 'ready'],
      [1, 'ready'],
    ]);
    for (const worker of before.workers) track(worker.pid);

    // CPU comes from the workers' usage reports, a second apart: a share once two have arrived.
    let usage = before;
    for (let i = 0; i < 100 && !usage.workers.every((w) => w.cpuPercent !== undefined); i++)
      usage = await status();
    for (const worker of usage.workers) {
      expect(worker.cpu).toBeGreaterThan(0);
      expect(worker.cpuPercent).toBeGreaterThanOrEqual(0);
    }

    // Without --name: the table of every running lb, as pm2 ls.
    const table = await runLb(['status'], env);
    expect(table.stdout).toMatch(/^name\s+slot\s+pid\s+state\s+restarts\s+uptime\s+cpu\s+memory\n/);
    expect(table.stdout).toMatch(/\nweb\s+1\s+\d+\s+ready\s+0\s+.*\s\d+%\s+[\d.]+ MB\n/);

    // --env and NODE_APP_INSTANCE reach the app.
    const seenSlots = new Set<string>();
    for (let i = 0; i < 20 && seenSlots.size < 2; i++) {
      const workerEnv = JSON.parse((await get(port, '/env')).body) as Record<string, string>;
      expect(workerEnv.NODE_APP_INSTANCE).toBe(workerEnv.LB_PROCESS_ID);
      expect(workerEnv.FIXTURE_GREETING).toBe('hi');
      seenSlots.add(workerEnv.NODE_APP_INSTANCE as string);
    }
    expect([...seenSlots].sort()).toEqual(['0', '1']);

    const logs = await runLb(['logs', 'web'], env);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toMatch(/\[worker [01]\] listening on \d+/);

    const follower = spawnLb(['logs', '-f', '--name', 'web', '--lines', '5'], env);
    // The recent lines come first; the follower is subscribed before they reach it, so what is logged next follows.
    await follower.waitFor(/listening on/, 'stdout');
    await get(port, '/slow?ms=1');
    await follower.waitFor(/\[worker [01]\] slow request started/, 'stdout');

    const second = await runLb(['start', fixture('app.mjs'), '-i', '1', '-p', '0', '--name', 'web'], env);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('Another lb named "web" is running');

    expect((await runLb(['scale', '3', '--name', 'web'], env)).status).toBe(0);
    const scaled = await status();
    expect(scaled.workers.map((w) => w.id)).toEqual([0, 1, 2]);
    for (const worker of scaled.workers) track(worker.pid);

    const reload = await runLb(['reload', 'web'], env);
    expect(reload.status).toBe(0);
    expect(reload.stderr).toContain('web: reloaded');
    const reloaded = await status();
    expect(reloaded.workers.map((w) => w.state)).toEqual(['ready', 'ready', 'ready']);
    const oldPids = scaled.workers.map((w) => w.pid);
    expect(reloaded.workers.some((w) => oldPids.includes(w.pid))).toBe(false);
    for (const worker of reloaded.workers) track(worker.pid);

    const stop = await runLb(['stop'], env);
    expect(stop.status).toBe(0);
    expect(stop.stderr).toContain('web: stopped');
    expect(await lb.exited).toBe(0);
    expect(await follower.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
    expect(reloaded.workers.map((w) => w.pid).some(alive)).toBe(false);
    const gone = await runLb(['status', '--name', 'web'], env);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('No lb named "web" is running');
  }, 60_000);

  it('answers malformed, oversized and unknown requests with errors and keeps serving', async () => {
    const runtime = tempDir();
    const env = { XDG_RUNTIME_DIR: runtime };
    const lb = spawnLb(
      ['start', fixture('app.mjs'), '-i', '1', '-p', '0', '--host', '127.0.0.1', '--name', 'api'],
      env,
    );
    await lb.waitFor(/1 workers ready/);
    const socketPath = join(runtime, 'lb', 'api.sock');

    expect(await rawExchange(socketPath, '{oops\n')).toMatchObject([
      { v: 1, id: null, ok: false, error: { code: 'LB_ERR_INVALID_CONTROL_REQUEST', message: /not JSON/ } },
    ]);
    expect(await rawExchange(socketPath, '{"v":1,"id":4,"cmd":"shutdown-everything"}\n')).toMatchObject([
      { id: 4, ok: false, error: { message: /unknown command/ } },
    ]);
    expect(await rawExchange(socketPath, '{"v":9,"id":5,"cmd":"status"}\n')).toMatchObject([
      { id: 5, ok: false, error: { message: /version 9/ } },
    ]);
    // A line past the cap is refused and the connection closed, without the primary buffering it.
    expect(await rawExchange(socketPath, Buffer.alloc(200 * 1024, 'a'), 2)).toMatchObject([
      { ok: false, error: { message: /longer than 65536 bytes/ } },
    ]);
    // Two requests on one connection, answered in order.
    const both = await rawExchange(
      socketPath,
      '{"v":1,"id":1,"cmd":"status"}\n{"v":1,"id":2,"cmd":"logs","lines":1}\n',
      2,
    );
    expect(both).toMatchObject([
      { id: 1, ok: true, result: { name: 'api' } },
      { id: 2, ok: true },
    ]);

    const status = await runLb(['status', '--json', '--name', 'api'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'api', workers: [{ state: 'ready' }] });
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(0);
  }, 30_000);

  it('takes over the socket a crashed lb left behind', async () => {
    const runtime = tempDir();
    const env = { XDG_RUNTIME_DIR: runtime };
    const socketPath = join(runtime, 'lb', 'api.sock');
    // A process that binds the socket and dies without closing it, as a SIGKILLed primary does.
    const crashed = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').mkdirSync(${JSON.stringify(join(runtime, 'lb'))}, { mode: 0o700 });
         require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'));`,
      ],
      { stdio: 'ignore' },
    );
    await once(crashed, 'exit');
    expect(existsSync(socketPath)).toBe(true);
    const lb = spawnLb(
      ['start', fixture('app.mjs'), '-i', '1', '-p', '0', '--host', '127.0.0.1', '--name', 'api'],
      env,
    );
    await lb.waitFor(/1 workers ready/);
    const status = await runLb(['status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject([{ name: 'api', pid: lb.child.pid }]);
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(0);
  }, 30_000);
});
