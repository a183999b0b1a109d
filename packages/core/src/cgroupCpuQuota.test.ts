import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { availableCpus } from './availableCpus.js';
import { parseCgroupV1Quota, parseCgroupV2CpuMax, parseCgroupV2Path } from './cgroupCpuQuota.js';

describe('cgroup CPU quota parsing', () => {
  it('reads cgroup v2 cpu.max', () => {
    expect(parseCgroupV2CpuMax('max 100000\n')).toBeUndefined();
    expect(parseCgroupV2CpuMax('150000 100000\n')).toBe(1.5);
    expect(parseCgroupV2CpuMax('50000 100000')).toBe(0.5);
    expect(parseCgroupV2CpuMax('garbage')).toBeUndefined();
  });

  it('reads cgroup v1 quota and period, -1 meaning unlimited', () => {
    expect(parseCgroupV1Quota('-1\n', '100000\n')).toBeUndefined();
    expect(parseCgroupV1Quota('200000\n', '100000\n')).toBe(2);
  });

  it('finds the unified hierarchy path', () => {
    expect(parseCgroupV2Path('12:cpu,cpuacct:/x\n0::/system.slice/app.service\n')).toBe(
      '/system.slice/app.service',
    );
    expect(parseCgroupV2Path('0::/\n')).toBe('/');
    expect(parseCgroupV2Path('4:memory:/x\n')).toBeUndefined();
  });

  it('never reports more CPUs than the machine offers, nor fewer than one', () => {
    const cpus = availableCpus();
    expect(cpus).toBeGreaterThanOrEqual(1);
    expect(cpus).toBeLessThanOrEqual(availableParallelism());
  });
});
