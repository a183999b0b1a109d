import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startPool } from './pools.js';

const run = promisify(execFile);
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('task modules', () => {
  it('runs named and default exports of .mjs, .js and .cjs modules', async () => {
    const pool = await startPool();
    await expect(pool.processWork({ module: fixture('tasks.mjs'), name: 'fibonacci' }, 20)).resolves.toBe(
      6765,
    );
    await expect(pool.processWork({ module: fixture('tasks.mjs') }, 'x')).resolves.toEqual({
      format: 'mjs',
      value: 'x',
    });
    await expect(
      pool.processWork({ module: fixture('tasks.js'), name: 'fileName' }, '/a/b/c.txt'),
    ).resolves.toBe('c.txt');
    await expect(pool.processWork({ module: fixture('tasks.cjs'), name: 'sha1' }, 'abc')).resolves.toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    );
    // A path string works too, and async exports are awaited.
    const path = fileURLToPath(fixture('tasks.mjs'));
    await expect(pool.processWork({ module: path, name: 'slowDouble' }, 21)).resolves.toBe(42);
  });

  it('rejects a missing export or module with LB_ERR_TASK_MODULE', async () => {
    const pool = await startPool();
    const noExport = pool.processWork({ module: fixture('tasks.mjs'), name: 'notAFunction' }, 1);
    await expect(noExport).rejects.toMatchObject({ code: 'LB_ERR_TASK_MODULE' });
    await expect(noExport).rejects.toThrow(/no exported function 'notAFunction'/);
    const noFile = pool.processWork({ module: fixture('missing.mjs'), name: 'x' }, 1);
    await expect(noFile).rejects.toMatchObject({ code: 'LB_ERR_TASK_MODULE' });
    await expect(noFile).rejects.toThrow(/could not be loaded/);
    await expect(pool.processWork({ module: '' }, 1)).rejects.toMatchObject({ code: 'LB_ERR_TASK_MODULE' });
    // The pool is fine afterwards.
    await expect(pool.processWork((x) => x, 'ok')).resolves.toBe('ok');
  });

  it('runs a .ts task module when the parent runs under a TypeScript loader', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(fixture('tsModule.ts'))],
      {
        timeout: 50_000,
      },
    );
    expect(JSON.parse(stdout)).toEqual({ result: 5 });
  }, 60_000);
});
