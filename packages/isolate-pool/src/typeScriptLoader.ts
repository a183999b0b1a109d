import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

let registering: Promise<boolean> | undefined;

/**
 * Node 20 does not run `--import tsx` from a worker's `execArgv`, and tsx skips registering itself in worker
 * threads, so a `.ts` task module fails with `ERR_UNKNOWN_FILE_EXTENSION` even when the parent runs under tsx.
 * When the thread's flags name tsx, register its ESM hooks here (resolved from the working directory, as
 * `--import` would) and report whether a retry can succeed.
 */
export function registerTypeScriptLoader(): Promise<boolean> {
  registering ??= (async () => {
    const flags = process.execArgv.join(' ');
    if (!/(--import|--loader|--experimental-loader)[= ]tsx\b/.test(flags)) return false;
    try {
      const require = createRequire(join(process.cwd(), 'index.js'));
      const manifestPath = require.resolve('tsx/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        exports?: Record<string, { import?: { default?: string } }>;
      };
      const entry = manifest.exports?.['./esm/api']?.import?.default;
      if (entry === undefined) return false;
      const api = (await import(pathToFileURL(join(dirname(manifestPath), entry)).href)) as {
        register?: () => unknown;
      };
      api.register?.();
      return typeof api.register === 'function';
    } catch {
      return false;
    }
  })();
  return registering;
}
