import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metricsRegistry.js';

/** Families (`# TYPE` lines) and unlabelled samples of a Prometheus text exposition. */
function parse(text: string): { types: Map<string, string>; values: Map<string, number> } {
  const types = new Map<string, string>();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^(process_\w+) (\S+)$/.exec(line);
    if (sample) values.set(sample[1]!, Number(sample[2]));
  }
  return { types, values };
}

describe('process metrics', () => {
  const { types, values } = parse(new MetricsRegistry().prometheus());

  it('reports CPU time, start time and resident memory under the Prometheus client names', () => {
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('process_cpu_system_seconds_total')).toBe('counter');
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('process_start_time_seconds')).toBe('gauge');
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
    const user = values.get('process_cpu_user_seconds_total')!;
    const system = values.get('process_cpu_system_seconds_total')!;
    expect(user).toBeGreaterThan(0);
    expect(values.get('process_cpu_seconds_total')).toBeCloseTo(user + system, 6);
    const start = values.get('process_start_time_seconds')!;
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 2);
    expect(values.get('process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
  });

  it.runIf(process.platform === 'linux')(
    'reports open and maximum file descriptors and the heap on Linux',
    () => {
      const open = values.get('process_open_fds')!;
      expect(open).toBeGreaterThan(2);
      expect(values.get('process_max_fds')).toBeGreaterThanOrEqual(open);
      expect(values.get('process_heap_bytes')).toBeGreaterThan(0);
    },
  );

  it.runIf(process.platform !== 'linux')('leaves out the /proc metrics elsewhere', () => {
    expect(types.has('process_open_fds')).toBe(false);
    expect(types.has('process_max_fds')).toBe(false);
  });
});
