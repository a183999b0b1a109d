import { afterEach } from 'vitest';
import { HybridProcessor, type HybridProcessorOptions } from '../src/index.js';

const started: HybridProcessor[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((pool) => pool.destroy()));
});

/** A started pool that is destroyed after the test. */
export async function startPool(options: HybridProcessorOptions = {}): Promise<HybridProcessor> {
  const pool = new HybridProcessor({ isolatePoolSize: 2, ...options });
  started.push(pool);
  await pool.initialize();
  return pool;
}

/** Rejects the test with a clear message when `promise` does not settle in time. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs enough tiny tasks that the pool measures them as tiny and sends each thread its largest window, many
 * tasks per message: the setting in which a thread's death can catch finished results not yet posted.
 */
export async function warmUp(pool: HybridProcessor): Promise<void> {
  const inc = (x: unknown) => (x as number) + 1;
  await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.processWork(inc, i)));
}

/** A counter in shared memory that tasks in any thread bump, to prove how many times work really ran. */
export function sharedCounter(): { buffer: SharedArrayBuffer; value(): number } {
  const buffer = new SharedArrayBuffer(4);
  return { buffer, value: () => Atomics.load(new Int32Array(buffer), 0) };
}

/** Opens a gate that tasks wait on with `Atomics.wait(view, 0, 0)`. */
export function open(gate: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
}
