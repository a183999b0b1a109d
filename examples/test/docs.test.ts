import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesInOrder, runnableBlocks } from './docsBlocks.js';
import { examplesDir } from './runExample.js';

// Every ```ts runnable block of the docs is a whole program: it is written into the examples workspace (so
// `@lb/all` and the framework packages resolve), run with tsx, and must exit 0 on its own within the timeout,
// printing the lines of its `// Output:` comment. docs/README.md describes the convention.
const blocks = runnableBlocks(join(examplesDir, '..'));
const dir = mkdtempSync(join(examplesDir, '.docs-run-'));
const timeout = 30_000;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runnable docs blocks', () => {
  it('finds the marked blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((block, i) => [block.where, block, i] as const))(
    '%s runs',
    (_where, block, i) => {
      const file = join(dir, `block${i}.ts`);
      writeFileSync(file, block.code);
      // spawnSync with a timeout sends SIGKILL, so a program that would not exit cannot hang the suite.
      const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: examplesDir,
        encoding: 'utf8',
        timeout,
        killSignal: 'SIGKILL',
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.error, output).toBeUndefined();
      expect(result.status, output).toBe(0);
      expect(
        matchesInOrder(result.stdout, block.expected),
        `expected ${block.expected.join(' | ')} in:\n${output}`,
      ).toBe(true);
    },
    timeout + 5_000,
  );
});
