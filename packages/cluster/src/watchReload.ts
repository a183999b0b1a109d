import { relative } from 'node:path';
import type { Writable } from 'node:stream';
import type { ClusterManager } from './clusterManager.js';
import { watchForChanges } from './watchMode.js';

/**
 * `lb start --watch`: a zero-downtime reload after each burst of changes under `root`. Changes during a reload
 * queue one more reload rather than overlapping it; watching ends when the cluster stops.
 */
export function watchAndReload(
  cluster: ClusterManager,
  root: string,
  ignore: readonly string[],
  stderr: Writable,
): void {
  let reloading = false;
  let again = false;
  const reload = (path: string) => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    stderr.write(`[lb] watch: ${path === '' ? 'a file' : path} changed, reloading\n`);
    cluster
      .reload()
      .then(
        () => stderr.write('[lb] watch: reload complete\n'),
        (err: unknown) =>
          stderr.write(`[lb] watch: reload failed, old workers keep serving: ${String(err)}\n`),
      )
      .finally(() => {
        reloading = false;
        if (again) {
          again = false;
          reload('');
        }
      });
  };
  const watcher = watchForChanges(root, ignore, reload, (err) =>
    stderr.write(`[lb] watch: ${err.message}\n`),
  );
  const where = relative(process.cwd(), root) || '.';
  stderr.write(
    `[lb] watch: reloading on changes in ${where}${watcher.mode === 'directory' ? ' (not its subdirectories: no recursive watch here)' : ''}\n`,
  );
  cluster.once('stopped', () => watcher.close());
}
