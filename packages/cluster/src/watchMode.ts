import { type FSWatcher, watch } from 'node:fs';

/** Path segments whose changes never trigger a reload: dependencies and version control churn. */
const ignoredSegments: ReadonlySet<string> = new Set(['node_modules', '.git']);

/**
 * True for a changed path (relative to the watched directory) that should not reload the app: anything in
 * `node_modules` or `.git`, or matching `ignore`, whose entries are paths relative to the same directory
 * (`logs`, `data/db.sqlite`: the path and everything under it) or, without a slash, names of a file or
 * directory anywhere. Pure.
 */
export function isIgnoredChange(relativePath: string, ignore: readonly string[] = []): boolean {
  const segments = relativePath.split(/[\\/]/);
  const path = segments.join('/');
  return (
    segments.some((segment) => ignoredSegments.has(segment)) ||
    ignore.some((raw) => {
      const entry = raw.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
      if (!entry.includes('/') && segments.includes(entry)) return true;
      return path === entry || path.startsWith(`${entry}/`);
    })
  );
}

/** A running watcher; `close()` stops it. */
export interface Watcher {
  /** `recursive`: the whole tree; `directory`: only the directory itself (no recursive watch on this system). */
  readonly mode: 'recursive' | 'directory';
  close(): void;
}

/**
 * Calls `onChange` once per burst of file changes under `root` (quiet for `debounce` ms), ignoring
 * `node_modules`, `.git` and `ignore` (see {@link isIgnoredChange}). Uses the recursive `fs.watch` where the system has it and falls back to watching
 * `root` alone; no dependency. Watch errors (a deleted directory, too many watches) go to `onError`.
 */
export function watchForChanges(
  root: string,
  ignore: readonly string[],
  onChange: (path: string) => void,
  onError: (err: Error) => void,
  debounce = 200,
): Watcher {
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  const listener = (_event: string, filename: string | Buffer | null) => {
    const path = filename === null ? '' : filename.toString();
    if (path !== '' && isIgnoredChange(path, ignore)) return;
    last = path;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(last), debounce);
  };
  let watcher: FSWatcher;
  let mode: Watcher['mode'] = 'recursive';
  try {
    watcher = watch(root, { recursive: true }, listener);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') throw err;
    watcher = watch(root, listener);
    mode = 'directory';
  }
  watcher.on('error', onError);
  return {
    mode,
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
