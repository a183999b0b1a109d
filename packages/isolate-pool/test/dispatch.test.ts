import { describe, expect, it } from 'vitest';
import { open, startPool, warmUp, within } from './pools.js';

const waitForGate = (gate: unknown) => {
  Atomics.wait(new Int32Array(gate as SharedArrayBuffer), 0, 0, 30_000);
  return 'released';
};

const spin = () => {
  for (;;) {
    // Never returns.
  }
};

const double = (x: unknown) => (x as number) * 2;

/** Resolves once the pool reports `count` tasks running in threads. */
async function runningTasks(pool: Awaited<ReturnType<typeof startPool>>, count: number): Promise<void> {
  while (pool.stats().running < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('dispatch', () => {
  it('runs quick tasks on the idle thread while the other is blocked, including those sent to the blocked one', async () => {
    const pool = await startPool({ isolatePoolSize: 2 });
    await warmUp(pool);
    const gate = new SharedArrayBuffer(4);
    const blocked = pool.processWork(waitForGate, gate);
    await runningTasks(pool, 1);
    const quick = Array.from({ length: 20 }, (_, i) => pool.processWork(double, i));
    // All 20 finish while the gate is still closed: none waits behind the blocked thread.
    await expect(within(Promise.all(quick), 10_000, 'the quick tasks')).resolves.toEqual(
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
    open(gate);
    await expect(blocked).resolves.toBe('released');
  });

  it('runs the tasks queued behind an endless loop with no timeout on the other thread', async () => {
    const pool = await startPool({ isolatePoolSize: 2 });
    await warmUp(pool);
    const looping = pool.processWork(spin, null);
    looping.catch(() => undefined);
    await runningTasks(pool, 1);
    const quick = Array.from({ length: 50 }, (_, i) => pool.processWork(double, i));
    await expect(within(Promise.all(quick), 10_000, 'the tasks behind the loop')).resolves.toHaveLength(50);
  });

  it('leaves a task with a transfer list on its thread: its buffers cannot be sent twice', async () => {
    const pool = await startPool({ isolatePoolSize: 2 });
    await warmUp(pool);
    const gate = new SharedArrayBuffer(4);
    const blocked = pool.processWork(waitForGate, gate);
    await runningTasks(pool, 1);
    const sum = (bytes: unknown) => (bytes as Uint8Array).reduce((a, b) => a + b, 0);
    const tasks = Array.from({ length: 10 }, (_, i) => {
      const bytes = new Uint8Array(1024).fill(i + 1);
      return pool.processWork(sum, bytes, { transfer: [bytes.buffer] });
    });
    // The idle thread finishes its share (and looks for work to take over) while the gate is closed.
    await Promise.race(tasks);
    open(gate);
    await expect(blocked).resolves.toBe('released');
    await expect(Promise.all(tasks)).resolves.toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 1024));
  });

  it('with stuckTaskTimeout, fails only the stuck task and replaces its thread', async () => {
    const pool = await startPool({ isolatePoolSize: 1, stuckTaskTimeout: 200 });
    await warmUp(pool);
    const before = Array.from({ length: 10 }, (_, i) => pool.processWork(double, i));
    const looping = pool.processWork(spin, null);
    const after = Array.from({ length: 10 }, (_, i) => pool.processWork(double, 10 + i));
    await expect(looping).rejects.toMatchObject({ code: 'LB_ERR_TASK_TIMEOUT' });
    await expect(looping).rejects.toThrow(/stuckTaskTimeout/);
    await expect(Promise.all([...before, ...after])).resolves.toEqual(
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
    // The replaced thread is gone once its exit is handled; the new one stays.
    const oneThread = async () => {
      while (pool.stats().threads !== 1) await new Promise((resolve) => setImmediate(resolve));
    };
    await within(oneThread(), 10_000, 'the replaced thread’s exit');
  });

  it('does not stop a task that awaits for longer than stuckTaskTimeout', async () => {
    const pool = await startPool({ isolatePoolSize: 1, stuckTaskTimeout: 50 });
    const gate = new SharedArrayBuffer(4);
    const waiting = pool.processWork(async (buffer) => {
      await Atomics.waitAsync(new Int32Array(buffer as SharedArrayBuffer), 0, 0, 30_000).value;
      return 'awaited';
    }, gate);
    await runningTasks(pool, 1);
    // Tasks pass through the thread while the other one awaits: the check sees it is not stuck, many times over.
    for (let i = 0; i < 20; i++) {
      await pool.processWork(() => new Promise((resolve) => setTimeout(resolve, 10)), null);
    }
    open(gate);
    await expect(waiting).resolves.toBe('awaited');
  });
});
