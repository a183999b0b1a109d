/**
 * Renders a GitHub-flavoured Markdown table with padded, aligned columns, as Biome formats Markdown, so generated
 * pages pass `biome check` unchanged. `right` marks the columns to right-align (numbers).
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[] = [],
): string {
  const length = (text: string): number => [...text].length;
  const widths = headers.map((h, i) => Math.max(3, length(h), ...rows.map((r) => length(r[i] ?? ''))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - length(text));
    return right[i] ? fill + text : text + fill;
  };
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/**
 * Replaces the `## heading` section of a Markdown document (up to the next `## ` heading) with `body`, or
 * appends it when the section is missing. Other sections are left byte for byte as they were.
 */
export function replaceSection(doc: string, heading: string, body: string): string {
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return `${doc.trimEnd()}\n\n${section}`;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const after = lines.slice(end).join('\n');
  const before = lines.slice(0, start).join('\n');
  return `${before}${before ? '\n' : ''}${section}${after ? `\n${after}` : ''}`;
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`, markers kept. */
export function replaceMarked(doc: string, name: string, body: string): string {
  const open = `<!-- ${name}:start -->`;
  const close = `<!-- ${name}:end -->`;
  const from = doc.indexOf(open);
  const to = doc.indexOf(close);
  if (from < 0 || to < from) return doc;
  return `${doc.slice(0, from + open.length)}\n${body.trim()}\n${doc.slice(to)}`;
}
