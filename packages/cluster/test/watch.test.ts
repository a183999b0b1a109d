import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, cleanUp, fixture, track } from './helpers.js';
import { runLb, spawnLb, tempDir } from './lbSpawn.js';

afterEach(cleanUp);

describe('lb start --watch', () => {
  it('reloads the workers after a file in the app directory changes', async () => {
    const dir = tempDir();
    const env = { XDG_RUNTIME_DIR: tempDir() };
    copyFileSync(fixture('app.mjs'), join(dir, 'app.mjs'));
    mkdirSync(join(dir, 'lib'));
    const lb = spawnLb(
      ['start', 'app.mjs', '--watch', '-i', '1', '-p', '0', '--host', '127.0.0.1'],
      env,
      dir,
    );
    await lb.waitFor(/watch: reloading on changes in \S+/);
    const status = async () =>
      (
        JSON.parse((await runLb(['status', '--json', '--name', 'app'], env)).stdout) as {
          workers: Array<{ pid: number }>;
        }
      ).workers;
    const [before] = await status();
    track(before?.pid);
    writeFileSync(join(dir, 'lib', 'helper.js'), 'export const changed = true;\n');
    await lb.waitFor(/watch: lib[\\/]helper\.js changed, reloading/);
    await lb.waitFor(/watch: reload complete/);
    const [after] = await status();
    track(after?.pid);
    expect(after?.pid).not.toBe(before?.pid);
    expect(alive(before?.pid as number)).toBe(false);
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(0);
  }, 30_000);
});
