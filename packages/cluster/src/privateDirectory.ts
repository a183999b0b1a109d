import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { LbError } from '@lb/core';

function notPrivate(dir: string): never {
  throw new LbError(
    'LB_ERR_CONTROL_UNAVAILABLE',
    `The control directory ${dir} is not a directory owned by this user: remove it, or set XDG_RUNTIME_DIR.`,
  );
}

/**
 * Throws unless `dir` is a real directory (not a symlink) owned by this user. In a shared /tmp another user could
 * create it first and then impersonate or replace our sockets, so such a directory is never used.
 */
export function checkPrivateDirectory(dir: string): void {
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) notPrivate(dir);
}

/** Creates `dir` with mode 0700, or checks an existing one and takes group and other access away from it. */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivateDirectory(dir);
  if ((lstatSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
