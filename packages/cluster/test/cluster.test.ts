import { ClusterManager, type WorkerInfo } from '@lb/cluster';
import { LbError } from '@lb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, cluster, fixture, get, waitFor } from './helpers.js';

afterEach(cleanUp);

describe('ClusterManager processes', () => {
  it('gives workers their env variables and reports them in the snapshot', async () => {
    const manager = cluster({ processes: 2 });
    await manager.start();
    const workers = manager.workers;
    expect(workers.map((w) => w.id)).toEqual([0, 1]);
    for (const worker of workers) {
      expect(worker.state).toBe('ready');
      expect(worker.restarts).toBe(0);
      expect(alive(worker.pid as number)).toBe(true);
      const env = JSON.parse((await get(worker.port, '/env')).body);
      expect(env).toEqual({
        LB_PROCESS_ID: String(worker.id),
        LB_WORKER_PORT: String(worker.port),
        LB_SCALING_MODE: 'worker',
        LB_PROCESS_COUNT: '2',
        PORT: String(worker.port),
        LB_WORKER_HOST: '127.0.0.1',
        NODE_APP_INSTANCE: String(worker.id),
      });
    }
    expect(new Set(workers.map((w) => w.port)).size).toBe(2);
  });

  it('reads the static helpers from the environment', () => {
    const saved = { ...process.env };
    try {
      expect(ClusterManager.isWorker).toBe(false);
      expect(ClusterManager.processId).toBeUndefined();
      Object.assign(process.env, { LB_PROCESS_ID: '2', LB_WORKER_PORT: '8082', LB_SCALING_MODE: 'worker' });
      expect(ClusterManager.processId).toBe(2);
      expect(ClusterManager.workerPort).toBe(8082);
      expect(ClusterManager.isWorker).toBe(true);
      expect(ClusterManager.isClusterMode).toBe(true);
    } finally {
      for (const key of ['LB_PROCESS_ID', 'LB_WORKER_PORT', 'LB_SCALING_MODE']) {
        if (saved[key] === undefined) delete process.env[key];
      }
    }
  });

  it('runs CommonJS worker scripts too', async () => {
    const manager = cluster({ processes: 1 }, [fixture('app.cjs')]);
    await manager.start();
    const [worker] = manager.workers;
    expect((await get(worker?.port as number)).body).toBe(`cjs pid=${worker?.pid} port=${worker?.port}`);
  });

  it('fails start() clearly when a worker never listens, and leaves no process behind', async () => {
    const manager = cluster({ processes: 2, readinessTimeout: 400 }, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_NEVER_LISTEN: '1' },
    });
    const pids: number[] = [];
    manager.on('workerStart', (w) => pids.push(w.pid as number));
    const error = await manager.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LbError);
    expect((error as LbError).code).toBe('LB_ERR_WORKER_NOT_READY');
    expect((error as LbError).message).toMatch(
      /did not listen on port \d+ \(its PORT\) within readinessTimeout/,
    );
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every((pid) => !alive(pid)), 5_000, 'workers to exit');
    expect(manager.workers).toEqual([]);
  });

  it('fails start() when a worker exits before it is ready', async () => {
    const manager = cluster({ processes: 1 }, [fixture('app.mjs')], {
      env: { ...process.env, FIXTURE_EXIT_AT_START: '1' },
    });
    await expect(manager.start()).rejects.toMatchObject({
      code: 'LB_ERR_WORKER_NOT_READY',
      message: expect.stringMatching(/exited \(code 3\) before it was ready/),
    });
  });

  it('restarts a killed worker at once on a fresh port', async () => {
    const manager = cluster({ processes: 2, restartDelay: 50 });
    await manager.start();
    const [victim] = manager.workers;
    const restart = new Promise<[number, number]>((resolve) =>
      manager.once('workerRestart', (id, delay) => resolve([id, delay])),
    );
    const replaced = new Promise<number>((resolve) =>
      manager.once('workerReady', (w) => resolve(w.pid as number)),
    );
    process.kill(victim?.pid as number, 'SIGKILL');
    const [id, delay] = await restart;
    expect(id).toBe(victim?.id);
    expect(delay).toBe(0);
    const newPid = await replaced;
    const replacement = manager.workers.find((w) => w.pid === newPid);
    expect(replacement).toMatchObject({ id: victim?.id, state: 'ready', restarts: 1 });
    expect((await get(replacement?.port as number)).body).toContain(`pid=${newPid}`);
  });

  it('stops restarting a crash-looping slot, reports it, and keeps the others', async () => {
    const manager = cluster({ processes: 2, maxRestarts: 2, restartDelay: 10, maxRestartDelay: 20 });
    await manager.start();
    const [victim, survivor] = manager.workers;
    const crashLoop = new Promise<[number, LbError]>((resolve) =>
      manager.once('workerCrashLoop', (id, error) => resolve([id, error])),
    );
    // Every replacement of slot 0 is killed as soon as it starts, so the slot never stays up.
    const killer = (w: WorkerInfo) => {
      if (w.id === victim?.id && w.pid !== undefined) process.kill(w.pid, 'SIGKILL');
    };
    manager.on('workerStart', killer);
    process.kill(victim?.pid as number, 'SIGKILL');
    const [id, error] = await crashLoop;
    expect(id).toBe(victim?.id);
    expect(error.code).toBe('LB_ERR_WORKER_CRASH_LOOP');
    expect(error.message).toMatch(/maxRestarts: 2/);
    // The given-up slot stays in view, with no process, until a reload.
    expect(manager.workers.map((w) => [w.id, w.state, w.pid])).toEqual([
      [victim?.id, 'errored', undefined],
      [survivor?.id, 'ready', survivor?.pid],
    ]);
    expect((await get(survivor?.port as number)).status).toBe(200);
    // reload() revives the given-up slot once the cause is gone.
    manager.off('workerStart', killer);
    await manager.reload();
    expect(manager.workers.map((w) => [w.id, w.state])).toEqual([
      [0, 'ready'],
      [1, 'ready'],
    ]);
  });

  it('scales up and down', async () => {
    const manager = cluster({ processes: 1 });
    await manager.start();
    await manager.scale(3);
    expect(manager.workers.map((w) => w.id)).toEqual([0, 1, 2]);
    for (const w of manager.workers) expect((await get(w.port)).status).toBe(200);
    const gone = manager.workers.slice(1).map((w) => w.pid as number);
    await manager.scale(1);
    expect(manager.workers.map((w) => w.id)).toEqual([0]);
    expect(gone.some(alive)).toBe(false);
    await expect(manager.scale(0)).rejects.toMatchObject({ code: 'LB_ERR_INVALID_PROCESS_COUNT' });
  });

  it('rejects operations before start and a second start', async () => {
    const manager = cluster({ processes: 1 });
    await expect(manager.reload()).rejects.toMatchObject({ code: 'LB_ERR_NOT_STARTED' });
    await expect(manager.scale(2)).rejects.toMatchObject({ code: 'LB_ERR_NOT_STARTED' });
    await manager.start();
    await expect(manager.start()).rejects.toMatchObject({ code: 'LB_ERR_ALREADY_STARTED' });
  });

  it('forwards worker output line by line with a [worker N] prefix', async () => {
    const { captureOutput } = await import('./helpers.js');
    const out = captureOutput();
    const manager = cluster({ processes: 2 }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    await waitFor(() => (out.text().match(/listening on/g) ?? []).length === 2, 5_000, 'log lines');
    for (const w of manager.workers)
      expect(out.text()).toContain(`[worker ${w.id}] listening on ${w.port}\n`);
  });

  it('forwards worker output as JSON lines with logFormat json', async () => {
    const { captureOutput } = await import('./helpers.js');
    const out = captureOutput();
    const manager = cluster({ processes: 1, logFormat: 'json' }, [fixture('app.mjs')], {
      stdout: out.stdout,
      stderr: out.stderr,
    });
    await manager.start();
    await waitFor(() => out.text().includes('listening on'), 5_000, 'a log line');
    const [worker] = manager.workers;
    const line = out
      .text()
      .split('\n')
      .find((l) => l.includes('listening on')) as string;
    expect(JSON.parse(line)).toMatchObject({
      worker: 0,
      pid: worker?.pid,
      stream: 'stdout',
      msg: `listening on ${worker?.port}`,
    });
  });
});
