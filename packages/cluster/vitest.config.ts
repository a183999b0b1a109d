import { defineProject } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    name: 'cluster',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Most tests start real primaries and workers; on a loaded machine that alone can take most of vitest's
    // default 5 s. Every wait inside a test has its own bound; this one only ends a test that hangs.
    testTimeout: 15_000,
  },
});
