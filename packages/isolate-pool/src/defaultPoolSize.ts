import { availableCpus } from '@lb/core';

/**
 * The default thread count. Outside a cluster it is one thread per available CPU. In a cluster worker process
 * (`LB_PROCESS_COUNT` is set by `@lb/cluster`) the CPUs are shared between the processes, so each process gets
 * its share: `floor(cpus / processCount)`, at least 1.
 *
 * @example
 * ```ts
 * defaultPoolSize({ LB_PROCESS_COUNT: '4' }, 16); // 4
 * ```
 */
export function defaultPoolSize(
  env: Record<string, string | undefined> = process.env,
  cpus: number = availableCpus(),
): number {
  const raw = env.LB_PROCESS_COUNT;
  const processes = raw === undefined ? 1 : Number.parseInt(raw, 10);
  const share = Number.isInteger(processes) && processes >= 1 ? Math.floor(cpus / processes) : cpus;
  return Math.max(1, share);
}
