import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/execArgv.mjs', import.meta.url));

// Flags a production process may run with, none of which a worker thread accepts in its own execArgv.
const processFlags = [
  '--max-old-space-size=4096',
  '--expose-gc',
  '--stack-size=2000',
  '--title=lb-pool-test',
  '--max-semi-space-size=16',
  '--abort-on-uncaught-exception',
];

describe('Node flags', () => {
  it('starts under flags that worker threads refuse, when execArgv is not given', async () => {
    const { stdout } = await run(process.execPath, [...processFlags, script], { timeout: 50_000 });
    // The threads inherit the process's flags the way Node does when no execArgv is passed.
    expect(JSON.parse(stdout)).toEqual(processFlags);
  }, 60_000);

  it('drops refused flags from an explicit execArgv, keeps the others, and warns once', async () => {
    const given = ['--max-old-space-size=256', '--expose-gc', '--title', 'app', '--no-deprecation'];
    const { stdout, stderr } = await run(
      process.execPath,
      ['--max-old-space-size=4096', script, JSON.stringify(given)],
      {
        timeout: 50_000,
      },
    );
    expect(JSON.parse(stdout)).toEqual(['--no-deprecation']);
    expect(stderr.match(/LB_EXEC_ARGV_DROPPED/g)).toHaveLength(1);
  }, 60_000);
});
