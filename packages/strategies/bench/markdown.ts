/** Renders a GitHub-flavoured Markdown table; `right` marks the columns to right-align (numbers). */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[] = [],
): string {
  const rule = headers.map((_, i) => (right[i] ? '---:' : '---'));
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
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
