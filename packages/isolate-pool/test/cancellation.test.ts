/// <reference lib="es2024.sharedmemory" />
import { describe, expect, it } from 'vitest';
import { startPool, within } from './pools.js';

const spin = () => {
  for (;;) {
    // Never returns: only terminating the thread stops it.
  }
};

/** A flag the handler raises when it starts, so the test knows the loop is running in the thread. */
const spinAfterSignal = (flag: unknown) => {
  const view = new Int32Array(flag as SharedArrayBuffer);
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
  for (;;) {
    // Never returns.
  }
};

async function raised(flag: SharedArrayBuffer): Promise<void> {
  const result = Atomics.waitAsync(new Int32Array(flag), 0, 0, 10_000);
  expect(await result.value).not.toBe('timed-out');
}

/** Resolves once the pool reports `count` tasks running in threads. */
async function runningTasks(pool: Awaited<ReturnType<typeof startPool>>, count: number): Promise<void> {
  while (pool.stats().running < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('cancellation, timeouts and backpressure', () => {
  it('stops a running infinite loop on abort, replaces the thread and carries on', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const controller = new AbortController();
    const flag = new SharedArrayBuffer(4);
    const looping = pool.processWork(spinAfterSignal, flag, { signal: controller.signal });
    const behind = pool.processWork((x) => x, 'queued behind the loop');
    await raised(flag);
    controller.abort(new Error('user gave up'));
    await expect(looping).rejects.toMatchObject({
      code: 'LB_ERR_TASK_ABORTED',
      cause: { message: 'user gave up' },
    });
    // The task sent after the loop had not started: it runs on the replacement thread.
    await expect(within(behind, 10_000, 'task behind the loop')).resolves.toBe('queued behind the loop');
    await expect(
      within(
        pool.processWork((x) => (x as number) + 1, 1),
        10_000,
        'next task',
      ),
    ).resolves.toBe(2);
    expect(pool.stats().threads).toBe(1);
  });

  it('drops an aborted queued task without running it', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const blocker = pool.processWork(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'blocker';
    }, 0);
    const controller = new AbortController();
    const dropped = pool.processWork(
      () => {
        (globalThis as { __ran?: boolean }).__ran = true;
      },
      0,
      { signal: controller.signal },
    );
    controller.abort();
    await expect(dropped).rejects.toMatchObject({ code: 'LB_ERR_TASK_ABORTED' });
    await expect(blocker).resolves.toBe('blocker');
    await expect(pool.processWork(() => (globalThis as { __ran?: boolean }).__ran ?? false, 0)).resolves.toBe(
      false,
    );
    const already = AbortSignal.abort();
    await expect(pool.processWork((x) => x, 1, { signal: already })).rejects.toMatchObject({
      code: 'LB_ERR_TASK_ABORTED',
    });
  });

  it('skips an aborted task already sent ahead to a busy thread, without replacing the thread', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    type Marks = { __skipped?: boolean; __thread?: string };
    await pool.processWork(() => {
      (globalThis as Marks).__thread = 'original';
    }, 0);
    const gate = new SharedArrayBuffer(4);
    const blocker = pool.processWork((buffer) => {
      Atomics.wait(new Int32Array(buffer as SharedArrayBuffer), 0, 0, 10_000);
      return 'blocker';
    }, gate);
    const controller = new AbortController();
    const skipped = pool.processWork(
      () => {
        (globalThis as Marks).__skipped = true;
      },
      0,
      { signal: controller.signal },
    );
    // Both tasks are in the thread's pipeline: the first blocks it, the second waits behind it.
    await runningTasks(pool, 2);
    controller.abort();
    await expect(skipped).rejects.toMatchObject({ code: 'LB_ERR_TASK_ABORTED' });
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await expect(blocker).resolves.toBe('blocker');
    const marks = await pool.processWork(() => {
      const { __skipped, __thread } = globalThis as Marks;
      return { __skipped, __thread };
    }, 0);
    // Same thread (its mark survived), and the aborted task never ran there.
    expect(marks).toEqual({ __skipped: undefined, __thread: 'original' });
  });

  it('times out a task that runs too long, and the pool keeps working', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    const started = performance.now();
    await expect(pool.processWork(spin, 0, { timeout: 100 })).rejects.toMatchObject({
      code: 'LB_ERR_TASK_TIMEOUT',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(99);
    await expect(pool.processWork((x) => x, 'after')).resolves.toBe('after');
  });

  it('rejects with LB_ERR_QUEUE_FULL beyond maxQueue', async () => {
    const pool = await startPool({ isolatePoolSize: 1, maxQueue: 2, maxTasksPerThread: 1 });
    const gate = new SharedArrayBuffer(4);
    const wait = (buffer: unknown) => {
      Atomics.wait(new Int32Array(buffer as SharedArrayBuffer), 0, 0, 10_000);
      return 'released';
    };
    const tasks: Promise<unknown>[] = [pool.processWork(wait, gate)];
    await runningTasks(pool, 1);
    tasks.push(
      pool.processWork((x) => x, 1),
      pool.processWork((x) => x, 2),
    );
    const full = pool.processWork((x) => x, 3);
    await expect(full).rejects.toMatchObject({ code: 'LB_ERR_QUEUE_FULL' });
    await expect(full).rejects.toThrow(/maxQueue: 2/);
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    await expect(Promise.all(tasks)).resolves.toEqual(['released', 1, 2]);
  });

  it('moves transferred buffers instead of copying them', async () => {
    const pool = await startPool();
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const sum = pool.processWork((data) => (data as Uint8Array).reduce((a, b) => a + b, 0), bytes, {
      transfer: [bytes.buffer],
    });
    await expect(sum).resolves.toBe(10);
    // Moved, not copied: the sender's buffer is detached.
    expect(bytes.buffer.byteLength).toBe(0);
    expect(bytes.length).toBe(0);
  });
});
