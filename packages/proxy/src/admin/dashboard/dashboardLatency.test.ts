import { describe, expect, it } from 'vitest';
import { Histogram } from '../../metrics/histogram.js';
import { MetricsRegistry } from '../../metrics/metricsRegistry.js';
import { dashboardLatencyScript } from './dashboardLatency.js';

type Buckets = Record<string, { bounds: number[]; counts: number[] }>;
type Recent = Record<string, { p50: number | null; p99: number | null }>;

// The functions run in the browser; evaluate the same source here to check them against the server's Histogram.
const { parseBuckets, recentLatency } = new Function(
  `${dashboardLatencyScript}\nreturn { parseBuckets, recentLatency };`,
)() as { parseBuckets(text: string): Buckets; recentLatency(now: Buckets, then: Buckets | null): Recent };

function observe(registry: MetricsRegistry, id: string, seconds: readonly number[]): void {
  const m = registry.addBackend(id);
  for (const s of seconds) {
    m.requestEnd(200, s);
  }
}

describe('dashboard recent latency', () => {
  it('reads each backend from /metrics, escaped ids included, and matches Histogram.quantile', () => {
    const registry = new MetricsRegistry();
    const fast = [0.002, 0.004, 0.02, 0.03];
    const slow = [0.2, 0.4, 0.6];
    observe(registry, 'a', fast);
    observe(registry, 'b "2"', slow);
    const recent = recentLatency(parseBuckets(registry.prometheus()), null);

    const expected = (values: readonly number[], q: number) => {
      const h = new Histogram();
      for (const v of values) h.observe(v);
      return h.quantile(q) * 1000;
    };
    expect(recent.a!.p50).toBeCloseTo(expected(fast, 0.5), 9);
    expect(recent['b "2"']!.p99).toBeCloseTo(expected(slow, 0.99), 9);
    expect(recent['*']!.p50).toBeCloseTo(expected([...fast, ...slow], 0.5), 9);
  });

  it('counts only the requests between two snapshots, and none is no latency', () => {
    const registry = new MetricsRegistry();
    observe(registry, 'a', [0.002, 0.002, 0.002]);
    const before = parseBuckets(registry.prometheus());
    observe(registry, 'a', [0.7, 0.8]);
    const after = parseBuckets(registry.prometheus());

    const recent = recentLatency(after, before);
    expect(recent.a!.p50).toBeGreaterThan(500);
    expect(recentLatency(after, after).a).toEqual({ p50: null, p99: null });
  });
});
