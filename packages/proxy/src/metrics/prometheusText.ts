import type { Histogram } from './histogram.js';

/** The metric types this formatter writes. */
export type PrometheusMetricType = 'counter' | 'gauge' | 'histogram';

/** Label names to values of one series. */
export type PrometheusLabels = Readonly<Record<string, string>>;

/** The `Content-Type` of the Prometheus text exposition format 0.0.4. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Escapes `# HELP` text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Formats a sample value, with `+Inf`, `-Inf` and `NaN` spelled as the format wants. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: PrometheusLabels | undefined, extra?: string): string {
  const parts: string[] = [];
  if (labels) for (const name in labels) parts.push(`${name}="${escapeLabelValue(labels[name]!)}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Builds a Prometheus text exposition (format 0.0.4): one `# HELP` and `# TYPE` per family, then its samples.
 * Families must be written one at a time (all samples of a family right after its header).
 *
 * @example
 * ```ts
 * const out = new PrometheusWriter();
 * out.family('lb_backend_up', 'gauge', 'Whether the backend takes traffic.');
 * out.sample('lb_backend_up', { backend: '0' }, 1);
 * out.toString(); // '# HELP lb_backend_up Whether …\n# TYPE lb_backend_up gauge\nlb_backend_up{backend="0"} 1\n'
 * ```
 */
export class PrometheusWriter {
  private readonly lines: string[] = [];

  /** Starts a metric family. */
  family(name: string, type: PrometheusMetricType, help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** Writes one counter or gauge sample. */
  sample(name: string, labels: PrometheusLabels | undefined, value: number): this {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** Writes a histogram's cumulative `_bucket{le}` series (ending in `+Inf`), `_sum` and `_count`. */
  histogram(name: string, labels: PrometheusLabels | undefined, histogram: Histogram): this {
    let cumulative = 0;
    for (let i = 0; i < histogram.bounds.length; i++) {
      cumulative += histogram.counts[i]!;
      const le = `le="${formatValue(histogram.bounds[i]!)}"`;
      this.lines.push(`${name}_bucket${formatLabels(labels, le)} ${cumulative}`);
    }
    this.lines.push(`${name}_bucket${formatLabels(labels, 'le="+Inf"')} ${histogram.count}`);
    this.lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(histogram.sum)}`);
    this.lines.push(`${name}_count${formatLabels(labels)} ${histogram.count}`);
    return this;
  }

  /** The exposition text, ending with a line feed. */
  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
