/**
 * Pure parsers for Linux cgroup CPU limits, kept apart from the file reads so they can be tested anywhere.
 */

/** Parses cgroup v2 `cpu.max` (`"max 100000"` or `"150000 100000"`) into CPUs, or `undefined` when unlimited. */
export function parseCgroupV2CpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return undefined;
  return cpusFromQuota(Number(quota), Number(period ?? 100000));
}

/** Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` into CPUs, or `undefined` when unlimited (-1). */
export function parseCgroupV1Quota(quotaText: string, periodText: string): number | undefined {
  return cpusFromQuota(Number(quotaText.trim()), Number(periodText.trim()));
}

/** Finds this process's cgroup v2 path in `/proc/self/cgroup` (the `0::/path` line). */
export function parseCgroupV2Path(procSelfCgroup: string): string | undefined {
  for (const line of procSelfCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || '/';
  }
  return undefined;
}

function cpusFromQuota(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return quota / period;
}
