import { afterEach } from 'vitest';
import { HybridProcessor, type HybridProcessorOptions } from '../src/index.js';

const open: HybridProcessor[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((pool) => pool.destroy()));
});

/** A started pool that is destroyed after the test. */
export async function startPool(options: HybridProcessorOptions = {}): Promise<HybridProcessor> {
  const pool = new HybridProcessor({ isolatePoolSize: 2, ...options });
  open.push(pool);
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
