import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LbError } from '@lb/core';

/**
 * The thread entry file. Built code finds `worker.js` beside itself (the CJS build gets `import.meta.url` from a
 * tsup shim); source run by a test runner falls back to the package's built `dist/worker.js`.
 */
export function workerFile(): URL {
  const candidates = [new URL('./worker.js', import.meta.url), new URL('../dist/worker.js', import.meta.url)];
  for (const candidate of candidates) {
    if (candidate.protocol !== 'file:' || existsSync(fileURLToPath(candidate))) return candidate;
  }
  throw new LbError(
    'LB_ERR_POOL_INIT_FAILED',
    `The worker entry file was not found (looked for ${candidates.map((c) => c.href).join(', ')}). ` +
      'Build @lb/isolate-pool first, or keep worker.js next to the bundle that imports it.',
  );
}
