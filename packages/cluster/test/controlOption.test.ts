import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, cluster } from './helpers.js';
import { runLb, tempDir } from './lbSpawn.js';

const runtimeDir = process.env.XDG_RUNTIME_DIR;
afterEach(async () => {
  await cleanUp();
  if (runtimeDir === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = runtimeDir;
});

describe('ClusterManager control option', () => {
  it('serves lb status and lb stop, and refuses a second cluster with the name before spawning workers', async () => {
    const env = { XDG_RUNTIME_DIR: tempDir() };
    // The manager reads the control directory from this process's environment.
    process.env.XDG_RUNTIME_DIR = env.XDG_RUNTIME_DIR;
    const manager = cluster({ processes: 1 }, undefined, { control: { name: 'lib' } });
    await manager.start();
    expect(manager.controlName).toBe('lib');

    const twin = cluster({ processes: 1 }, undefined, { control: { name: 'lib' } });
    let spawned = 0;
    twin.on('workerStart', () => {
      spawned += 1;
    });
    await expect(twin.start()).rejects.toMatchObject({ code: 'LB_ERR_CONTROL_NAME_IN_USE' });
    expect(spawned).toBe(0);

    const status = await runLb(['status', '--json', '--name', 'lib'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({
      name: 'lib',
      pid: process.pid,
      workers: [{ state: 'ready' }],
    });
    const stopped = once(manager, 'stopped');
    expect((await runLb(['stop', 'lib'], env)).status).toBe(0);
    await stopped;
    expect(manager.workers).toEqual([]);
  }, 30_000);
});
