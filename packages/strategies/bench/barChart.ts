/** One set of bars, drawn in one colour, one bar per label. */
interface BarSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

/** A horizontal grouped bar chart on a logarithmic axis. */
export interface BarChartSpec {
  readonly title: string;
  readonly axisLabel: string;
  readonly labels: readonly string[];
  readonly series: readonly BarSeries[];
  /** Formats a value for the label at the end of its bar and for the axis ticks. */
  readonly format: (value: number) => string;
}

const width = 820;
const labelWidth = 170;
const plotWidth = width - labelWidth - 90;
const barHeight = 14;
const barGap = 2;
const groupGap = 12;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Renders the chart as standalone SVG text. The axis is logarithmic because the values span orders of
 * magnitude (an overloaded backend's queue against a balanced fleet); it starts at the power of ten below the
 * smallest value so every bar has a visible length.
 */
export function logBarChart(spec: BarChartSpec): string {
  const finite = spec.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...finite)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite)));
  const x = (v: number): number =>
    labelWidth +
    (plotWidth * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  // One legend line per series, under the title, so long series names never overlap.
  const top = 46 + spec.series.length * 18;
  const groupHeight = spec.series.length * (barHeight + barGap) - barGap;
  const plotHeight = spec.labels.length * (groupHeight + groupGap);
  const height = top + plotHeight + 48;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  spec.series.forEach((series, i) => {
    const ly = 34 + i * 18;
    out.push(`<rect x="${labelWidth}" y="${ly}" width="12" height="12" fill="${series.color}"/>`);
    out.push(`<text x="${labelWidth + 18}" y="${ly + 10}">${escapeXml(series.name)}</text>`);
  });
  for (let p = lo; p <= hi * 1.0001; p *= 10) {
    const tx = x(p).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + plotHeight}" stroke="#dddddd"/>`);
    out.push(
      `<text x="${tx}" y="${top + plotHeight + 16}" text-anchor="middle">${escapeXml(spec.format(p))}</text>`,
    );
  }
  out.push(
    `<text x="${labelWidth + plotWidth / 2}" y="${top + plotHeight + 38}" text-anchor="middle">${escapeXml(spec.axisLabel)}</text>`,
  );
  spec.labels.forEach((label, row) => {
    const gy = top + row * (groupHeight + groupGap);
    out.push(
      `<text x="${labelWidth - 8}" y="${gy + groupHeight / 2 + 4}" text-anchor="end">${escapeXml(label)}</text>`,
    );
    spec.series.forEach((series, i) => {
      const value = series.values[row] ?? Number.NaN;
      const y = gy + i * (barHeight + barGap);
      const end = Number.isFinite(value) ? x(value) : labelWidth;
      out.push(
        `<rect x="${labelWidth}" y="${y}" width="${(end - labelWidth).toFixed(1)}" height="${barHeight}" fill="${series.color}"/>`,
      );
      const text = Number.isFinite(value) ? spec.format(value) : 'n/a';
      out.push(
        `<text x="${(end + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="11">${escapeXml(text)}</text>`,
      );
    });
  });
  out.push(
    `<line x1="${labelWidth}" y1="${top - 6}" x2="${labelWidth}" y2="${top + plotHeight}" stroke="#333333"/>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
