import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LbError } from '@lb/core';

/**
 * The worker preload, `dist/workerPreload.cjs`. Source files and built chunks both sit one folder below the
 * package root, so the same relative URL finds it from `src/` (tests) and from `dist/`.
 */
export function preloadPath(): string {
  const path = fileURLToPath(new URL('../dist/workerPreload.cjs', import.meta.url));
  if (!existsSync(path)) {
    throw new LbError(
      'LB_ERR_WORKER_SPAWN_FAILED',
      `The worker preload is missing at ${path}: build @lb/cluster first.`,
    );
  }
  return path;
}
