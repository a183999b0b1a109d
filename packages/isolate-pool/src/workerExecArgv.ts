/**
 * Node refuses some of its own flags in a worker thread (V8 flags such as `--max-old-space-size` or
 * `--expose-gc`, and process-wide ones such as `--title`), throwing `ERR_WORKER_INVALID_EXEC_ARGV` from
 * `new Worker()`. Which flags those are depends on the Node version, so the pool learns them from that error
 * instead of keeping a list.
 */

const invalidExecArgv = 'ERR_WORKER_INVALID_EXEC_ARGV';

/** The flags named by an `ERR_WORKER_INVALID_EXEC_ARGV` error, or undefined for any other error. */
export function rejectedFlags(error: unknown): string[] | undefined {
  if ((error as { code?: unknown } | null)?.code !== invalidExecArgv) return undefined;
  const message = String((error as { message?: unknown }).message);
  const colon = message.indexOf(': ');
  if (colon < 0) return undefined;
  const flags = message
    .slice(colon + 2)
    .split(', ')
    .map((flag) => flag.trim())
    .filter((flag) => flag.startsWith('-'));
  return flags.length > 0 ? flags : undefined;
}

/**
 * `argv` without the `rejected` flags. A rejected flag written without `=` also loses the value after it
 * (`--title app`), so no stray argument is left behind.
 */
export function withoutFlags(argv: readonly string[], rejected: readonly string[]): string[] {
  const drop = new Set(rejected);
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!drop.has(arg)) {
      kept.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (!arg.includes('=') && next !== undefined && !next.startsWith('-')) i++;
  }
  return kept;
}
