import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseCgroupV1Quota, parseCgroupV2CpuMax, parseCgroupV2Path } from './cgroupCpuQuota.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The cgroup CPU quota of this process in CPUs, or `undefined` when there is none or the platform has no cgroups
 * (macOS, Windows). Checks cgroup v2 along this process's cgroup path up to the root, then cgroup v1.
 */
export function cgroupCpuLimit(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const own = parseCgroupV2Path(read('/proc/self/cgroup') ?? '');
  if (own !== undefined) {
    let limit: number | undefined;
    const parts = own.split('/').filter(Boolean);
    for (let depth = parts.length; depth >= 0; depth--) {
      const dir = ['/sys/fs/cgroup', ...parts.slice(0, depth)].join('/');
      const text = read(`${dir}/cpu.max`);
      const cpus = text === undefined ? undefined : parseCgroupV2CpuMax(text);
      if (cpus !== undefined) limit = limit === undefined ? cpus : Math.min(limit, cpus);
    }
    if (limit !== undefined) return limit;
  }
  const quota =
    read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us');
  const period =
    read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us');
  return quota !== undefined && period !== undefined ? parseCgroupV1Quota(quota, period) : undefined;
}

/**
 * The number of CPUs this process may use: `os.availableParallelism()` capped by a cgroup CPU quota, rounded up,
 * at least 1. This is the default process count, so a container limited to 2 CPUs on a 64-core host runs 2
 * workers, not 64.
 *
 * @example
 * ```ts
 * const workers = availableCpus(); // 2 inside `docker run --cpus 2`
 * ```
 */
export function availableCpus(): number {
  const cpus = availableParallelism();
  const limit = cgroupCpuLimit();
  if (limit === undefined) return Math.max(1, cpus);
  return Math.max(1, Math.min(cpus, Math.ceil(limit)));
}
