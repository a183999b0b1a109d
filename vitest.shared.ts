import { fileURLToPath } from 'node:url';

const packageNames = ['core', 'strategies', 'discovery', 'proxy', 'cluster', 'isolate-pool', 'all'] as const;

/**
 * Maps each `@lb/*` import to its TypeScript source, so tests run against the code being edited
 * rather than a stale build.
 */
export const sourceAliases: Record<string, string> = Object.fromEntries(
  packageNames.map((name) => [
    `@lb/${name}`,
    fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
  ]),
);
