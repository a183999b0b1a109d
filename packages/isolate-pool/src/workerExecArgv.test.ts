import { describe, expect, it } from 'vitest';
import { rejectedFlags, withoutFlags } from './workerExecArgv.js';

const invalid = (flags: string) =>
  Object.assign(new Error(`Initiated Worker with invalid execArgv flags: ${flags}`), {
    code: 'ERR_WORKER_INVALID_EXEC_ARGV',
  });

describe('worker execArgv filtering', () => {
  it('reads the flags Node refused from its error, and nothing from other errors', () => {
    expect(rejectedFlags(invalid('--max-old-space-size=100, --title'))).toEqual([
      '--max-old-space-size=100',
      '--title',
    ]);
    expect(rejectedFlags(new Error('Initiated Worker with invalid execArgv flags: --x'))).toBeUndefined();
    expect(rejectedFlags(Object.assign(new Error('no list'), { code: 'ERR_WORKER_INVALID_EXEC_ARGV' }))).toBe(
      undefined,
    );
    expect(rejectedFlags(null)).toBeUndefined();
  });

  it('drops refused flags and the separate value of one written without =', () => {
    const argv = [
      '--title',
      'app',
      '--import',
      'tsx',
      '--expose-gc',
      '--max-old-space-size=4096',
      '--no-warnings',
    ];
    expect(withoutFlags(argv, ['--title', '--expose-gc', '--max-old-space-size=4096'])).toEqual([
      '--import',
      'tsx',
      '--no-warnings',
    ]);
    expect(withoutFlags(['--expose-gc', '--inspect'], ['--expose-gc'])).toEqual(['--inspect']);
  });
});
