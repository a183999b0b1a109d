import { execFile } from 'node:child_process';
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

/** Runs a program with tsx; past the timeout it is SIGKILLed, so one that would not exit cannot hang the suite. */
function run(file: string): Promise<{ exit: number | string | null; stdout: string; output: string }> {
  return new Promise((resolve) => {
    const options = {
      cwd: examplesDir,
      timeout,
      killSignal: 'SIGKILL' as const,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    };
    execFile(process.execPath, ['--import', 'tsx', file], options, (error, stdout, stderr) => {
      const exit = error === null ? 0 : (error.signal ?? error.code ?? null);
      resolve({ exit, stdout, output: `${stdout}${stderr}` });
    });
  });
}

describe('runnable docs blocks', () => {
  it('finds the marked blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((block, i) => [block.where, block, i] as const))(
    '%s runs',
    async (_where, block, i) => {
      const file = join(dir, `block${i}.ts`);
      writeFileSync(file, block.code);
      const result = await run(file);
      expect(result.exit, result.output).toBe(0);
      expect(
        matchesInOrder(result.stdout, block.expected),
        `expected ${block.expected.join(' | ')} in:\n${result.output}`,
      ).toBe(true);
    },
    timeout + 5_000,
  );
});
