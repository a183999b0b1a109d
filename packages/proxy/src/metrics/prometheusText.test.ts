import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';
import { escapeHelp, escapeLabelValue, formatValue, PrometheusWriter } from './prometheusText.js';

describe('Prometheus text format', () => {
  it('escapes label values and help text as format 0.0.4 requires', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeHelp('say "hi"\\\n')).toBe('say "hi"\\\\\\n');
  });

  it('spells special values', () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.25)).toBe('0.25');
  });

  it('writes HELP and TYPE before samples', () => {
    const text = new PrometheusWriter()
      .family('x_total', 'counter', 'Things.')
      .sample('x_total', { a: 'q"' }, 3)
      .sample('x_total', undefined, 4)
      .toString();
    expect(text).toBe('# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="q\\""} 3\nx_total 4\n');
    expect(new PrometheusWriter().toString()).toBe('');
  });

  it('writes histograms as cumulative buckets ending at +Inf, then _sum and _count', () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.5, 0.6, 5]) h.observe(v);
    const lines = new PrometheusWriter().histogram('d', { b: '0' }, h).toString().trim().split('\n');
    expect(lines).toEqual([
      'd_bucket{b="0",le="0.1"} 1',
      'd_bucket{b="0",le="1"} 3',
      'd_bucket{b="0",le="+Inf"} 4',
      'd_sum{b="0"} 6.15',
      'd_count{b="0"} 4',
    ]);
  });
});
