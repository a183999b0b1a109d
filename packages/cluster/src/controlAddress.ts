import { tmpdir, userInfo } from 'node:os';
import { basename, extname, join } from 'node:path';
import { fail } from '@lb/core/internal';

/** What decides where a control socket lives; {@link controlEnvironment} reads it from the running process. */
export interface ControlEnvironment {
  readonly platform: NodeJS.Platform;
  /** `$XDG_RUNTIME_DIR`, when set: a per-user directory the system already keeps private. */
  readonly runtimeDir: string | undefined;
  readonly tmpdir: string;
  /** The user id on POSIX, the user name on Windows: either keeps two users' sockets apart. */
  readonly user: string;
}

const validName = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
// Unix socket paths are limited to 104 (macOS) or 108 (Linux) bytes, terminator included.
const maxSocketPath = 103;
const pipePrefix = '\\\\.\\pipe\\';

/** Throws a `ConfigError` on `field` unless `name` is usable as a control name (a file name, no path). */
export function assertControlName(name: unknown, field = 'control.name'): string {
  if (typeof name !== 'string' || !validName.test(name)) {
    fail(
      'LB_ERR_INVALID_OPTION',
      field,
      'must be 1 to 64 letters, digits, ".", "_" or "-", not starting with "." or "-"',
      name,
    );
  }
  return name;
}

/** The default name of a cluster running `script`: its file name without extension, as PM2 does. */
export function defaultControlName(script: string): string {
  const stem = basename(script, extname(script))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 64);
  return stem === '' ? 'app' : stem;
}

/**
 * The directory that holds this user's control sockets: `$XDG_RUNTIME_DIR/lb`, else `<tmpdir>/lb-<uid>`. Not
 * used on Windows, where named pipes live in their own namespace.
 */
export function controlDirectory(env: ControlEnvironment): string {
  const runtimeDir = env.runtimeDir;
  return runtimeDir?.startsWith('/') ? join(runtimeDir, 'lb') : join(env.tmpdir, `lb-${env.user}`);
}

/** The prefix of this user's named pipes on Windows; the name follows it. */
function pipeNamePrefix(env: ControlEnvironment): string {
  return `lb-${env.user.replace(/[^A-Za-z0-9._-]+/g, '-')}-`;
}

/**
 * Where the control socket of cluster `name` listens: a Unix socket in {@link controlDirectory}, or the named
 * pipe `\\.\pipe\lb-<user>-<name>` on Windows. Pure: tested for every platform on any platform.
 */
export function controlAddress(name: string, env: ControlEnvironment, field = 'control.name'): string {
  assertControlName(name, field);
  if (env.platform === 'win32') return `${pipePrefix}${pipeNamePrefix(env)}${name}`;
  const path = join(controlDirectory(env), `${name}.sock`);
  if (Buffer.byteLength(path) > maxSocketPath) {
    fail(
      'LB_ERR_INVALID_OPTION',
      field,
      `gives the control socket ${path}, longer than Unix allows (${maxSocketPath} bytes): use a shorter name or set XDG_RUNTIME_DIR to a shorter directory`,
      name,
    );
  }
  return path;
}

/** The control names in a directory listing (socket files on POSIX, pipe names on Windows), sorted. */
export function controlNamesIn(entries: readonly string[], env: ControlEnvironment): string[] {
  const prefix = env.platform === 'win32' ? pipeNamePrefix(env) : '';
  const suffix = env.platform === 'win32' ? '' : '.sock';
  return entries
    .filter((entry) => entry.startsWith(prefix) && entry.endsWith(suffix))
    .map((entry) => entry.slice(prefix.length, entry.length - suffix.length))
    .filter((name) => validName.test(name))
    .sort();
}

/** The {@link ControlEnvironment} of this process (`env` is overridable so tests use their own directory). */
export function currentControlEnvironment(env: NodeJS.ProcessEnv = process.env): ControlEnvironment {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  const uid = process.getuid?.();
  return {
    platform: process.platform,
    runtimeDir: runtimeDir === '' ? undefined : runtimeDir,
    tmpdir: tmpdir(),
    user: process.platform === 'win32' || uid === undefined ? userInfo().username : String(uid),
  };
}
