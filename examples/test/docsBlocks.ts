import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced block marked ```` ```ts runnable ````: a whole program the docs test runs. */
export interface RunnableBlock {
  /** `docs/getting-started.md:42`: where the block starts. */
  readonly where: string;
  readonly code: string;
  /** Lines the program must print, in order, from its trailing `// Output:` comment; `…` matches any text. */
  readonly expected: readonly string[];
}

const fence = /^```ts runnable[^\n]*\n([\s\S]*?)^```\s*$/gm;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The expected-output comment: `// Output:` then one `// line` per printed line, up to the end of the block. */
function expectedOutput(code: string): string[] {
  const lines = code.trimEnd().split('\n');
  const start = lines.findIndex((line) => /^\/\/ Output:\s*$/.test(line));
  if (start === -1) return [];
  return lines.slice(start + 1).map((line) => line.replace(/^\/\/ ?/, ''));
}

/** The `README.md` of every package under `root/packages`: what npm shows, so its code must run too. */
function packageReadmes(root: string): string[] {
  const packages = join(root, 'packages');
  return readdirSync(packages, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packages, entry.name, 'README.md')))
    .map((entry) => join(packages, entry.name, 'README.md'));
}

/** Every runnable block in `README.md`, `docs/**\/*.md` and `packages/*\/README.md` under `root`. */
export function runnableBlocks(root: string): RunnableBlock[] {
  const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs')), ...packageReadmes(root)];
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(fence)].map((match) => {
      const line = text.slice(0, match.index).split('\n').length;
      const code = match[1] ?? '';
      return { where: `${relative(root, file)}:${line}`, code, expected: expectedOutput(code) };
    });
  });
}

/** True when `output` holds every expected line, in order (other lines may come between). */
export function matchesInOrder(output: string, expected: readonly string[]): boolean {
  const patterns = expected.map(
    (line) =>
      new RegExp(
        `^${line
          .split('…')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  let next = 0;
  for (const line of output.split('\n')) {
    if (next < patterns.length && patterns[next]!.test(line.trimEnd())) next += 1;
  }
  return next === patterns.length;
}
