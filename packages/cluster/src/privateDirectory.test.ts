import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDirectory } from './privateDirectory.js';

// The control socket lives in such a directory only on POSIX (Windows uses a named pipe), and CI runs these on
// Linux; a Windows run would fail here rather than skip.
describe('ensurePrivateDirectory', () => {
  const base = mkdtempSync(join(tmpdir(), 'lb-private-'));

  it('creates the directory with mode 0700 and takes group and other access away from an existing one', () => {
    const fresh = join(base, 'fresh');
    ensurePrivateDirectory(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    ensurePrivateDirectory(open);
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink, which someone else could point anywhere', () => {
    const target = join(base, 'target');
    mkdirSync(target);
    const link = join(base, 'link');
    symlinkSync(target, link);
    expect(() => ensurePrivateDirectory(link)).toThrow(/not a directory owned by this user/);
  });
});
