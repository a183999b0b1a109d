import { describe, expect, it } from 'vitest';
import { sharedCounter, startPool, warmUp } from './pools.js';

/** Bumps the shared counter (proof that the task ran) and returns its index; one index ends its thread. */
type Job = [index: number, counter: SharedArrayBuffer, fatal: number];
const countOrExit = (job: unknown) => {
  const [index, counter, fatal] = job as Job;
  if (index === fatal) process.exit(1);
  Atomics.add(new Int32Array(counter), 0, 1);
  return index;
};

const spin = () => {
  for (;;) {
    // Never returns: only terminating the thread stops it.
  }
};

describe('when a thread dies', () => {
  it('delivers every result produced before process.exit(), and re-runs only tasks that never started', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    await warmUp(pool);
    const counter = sharedCounter();
    const jobs = Array.from({ length: 100 }, (_, i) =>
      pool.processWork(countOrExit, [i, counter.buffer, 50] satisfies Job),
    );
    const outcomes = await Promise.allSettled(jobs);
    expect(outcomes[50]).toMatchObject({ status: 'rejected', reason: { code: 'LB_ERR_WORKER_CRASHED' } });
    const values = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    // The 50 tasks before the exit had finished: their results arrive; the 49 after it ran on a new thread.
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 50));
    // Each ran exactly once: nothing finished was reported as crashed, so nothing needs a retry.
    expect(counter.value()).toBe(99);
  });

  it('delivers the results finished before another task’s timeout replaced the thread', async () => {
    const pool = await startPool({ isolatePoolSize: 1 });
    await warmUp(pool);
    const counter = sharedCounter();
    const count = (i: number) => pool.processWork(countOrExit, [i, counter.buffer, -1] satisfies Job);
    const before = Array.from({ length: 30 }, (_, i) => count(i));
    const stuck = pool.processWork(spin, null, { timeout: 200 });
    const after = Array.from({ length: 30 }, (_, i) => count(100 + i));
    await expect(stuck).rejects.toMatchObject({ code: 'LB_ERR_TASK_TIMEOUT' });
    await expect(Promise.all(before)).resolves.toEqual(Array.from({ length: 30 }, (_, i) => i));
    await expect(Promise.all(after)).resolves.toEqual(Array.from({ length: 30 }, (_, i) => 100 + i));
    expect(counter.value()).toBe(60);
  });

  it('tells a finished task whose result died with its thread (out of memory) from one that did not finish', async () => {
    const pool = await startPool({
      isolatePoolSize: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    await warmUp(pool);
    const counter = sharedCounter();
    const quick = Array.from({ length: 20 }, (_, i) =>
      pool.processWork(countOrExit, [i, counter.buffer, -1] satisfies Job),
    );
    const hog = pool.processWork(() => {
      const keep: number[][] = [];
      for (;;) keep.push(new Array(100_000).fill(1));
    }, null);
    await expect(hog).rejects.toMatchObject({ code: 'LB_ERR_WORKER_CRASHED' });
    const outcomes = await Promise.allSettled(quick);
    // Every quick task ran once; each either delivered its result or says it finished and the result was lost.
    expect(counter.value()).toBe(20);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') expect(outcome.value).toBe(i);
      else expect(outcome.reason).toMatchObject({ code: 'LB_ERR_RESULT_LOST' });
    }
  }, 60_000);
});
