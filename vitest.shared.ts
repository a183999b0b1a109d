import { fileURLToPath } from 'node:url';

const packageNames = ['core', 'strategies', 'discovery', 'proxy', 'cluster', 'isolate-pool', 'all'] as const;

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Maps each `@lb/*` import to its TypeScript source, so tests run against the code being edited
 * rather than a stale build. `@lb/core/internal` comes first: an alias also matches the subpaths of its name.
 */
export const sourceAliases: Record<string, string> = {
  '@lb/core/internal': source('core/src/internal.ts'),
  ...Object.fromEntries(packageNames.map((name) => [`@lb/${name}`, source(`${name}/src/index.ts`)])),
};
