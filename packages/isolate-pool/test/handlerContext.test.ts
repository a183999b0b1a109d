/// <reference lib="es2024.sharedmemory" />
import { describe, expect, it } from 'vitest';
import type { TaskContext } from '../src/index.js';
import { startPool } from './pools.js';

type Marks = { __thread?: string; __kept?: Uint8Array };

/**
 * Raises flag 0 once it is waiting, then waits for its signal; on abort it writes 2 (aborted) or 3 (timed out) to
 * flag 0 and returns normally, keeping its thread.
 */
const cooperative = async (flag: unknown, context: TaskContext) => {
  const view = new Int32Array(flag as SharedArrayBuffer);
  // Raised after the handler has returned its promise, so the abort finds it waiting, not on the stack.
  await null;
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
  return new Promise((resolve) => {
    context.signal.addEventListener('abort', () => {
      Atomics.store(view, 0, (context.signal.reason as DOMException).name === 'TimeoutError' ? 3 : 2);
      Atomics.notify(view, 0);
      resolve('stopped');
    });
  });
};

async function flagBecomes(flag: SharedArrayBuffer, from: number): Promise<number> {
  const view = new Int32Array(flag);
  const result = Atomics.waitAsync(view, 0, from, 10_000);
  expect(await result.value).not.toBe('timed-out');
  return Atomics.load(view, 0);
}

describe('the handler context', () => {
  it('gives the handler a signal that aborts with the task, and the thread stays', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    await pool.processWork(() => {
      (globalThis as Marks).__thread = 'original';
    }, null);
    const controller = new AbortController();
    const flag = new SharedArrayBuffer(4);
    const task = pool.processWork(cooperative, flag, { signal: controller.signal });
    expect(await flagBecomes(flag, 0)).toBe(1);
    controller.abort(new Error('user gave up'));
    await expect(task).rejects.toMatchObject({ code: 'LB_ERR_TASK_ABORTED' });
    expect(await flagBecomes(flag, 1)).toBe(2);
    await expect(pool.processWork(() => (globalThis as Marks).__thread, null)).resolves.toBe('original');
  });

  it('aborts the signal with a TimeoutError when the task’s timeout passes', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const flag = new SharedArrayBuffer(4);
    const task = pool.processWork(cooperative, flag, { timeout: 100 });
    await expect(task).rejects.toMatchObject({ code: 'LB_ERR_TASK_TIMEOUT' });
    // The handler started (flag 1) before the timeout; it then sees a TimeoutError (flag 3).
    expect(await flagBecomes(flag, 1)).toBe(3);
  });

  it('keeps the context keys beside the signal', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const seen = await pool.processWork(
      (_data, context) => [context.factor, context.signal instanceof AbortSignal, context.signal.aborted],
      null,
      { context: { factor: 3 } },
    );
    expect(seen).toEqual([3, true, false]);
  });

  it('moves the result’s buffers back when asked, and copies them otherwise', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const make = () => {
      const bytes = new Uint8Array(1 << 16).fill(7);
      (globalThis as Marks).__kept = bytes;
      return { bytes };
    };
    const keptLength = () => (globalThis as Marks).__kept?.byteLength;
    const moved = await pool.processWork(make, null, { transferResult: true });
    expect(moved.bytes.byteLength).toBe(1 << 16);
    expect(moved.bytes[100]).toBe(7);
    // Moved: the thread's copy is detached.
    await expect(pool.processWork(keptLength, null)).resolves.toBe(0);
    const copied = await pool.processWork(make, null);
    expect(copied.bytes.byteLength).toBe(1 << 16);
    await expect(pool.processWork(keptLength, null)).resolves.toBe(1 << 16);
  });
});
