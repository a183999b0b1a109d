import { defineProject } from 'vitest/config';
import { sourceAliases } from '../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  // Every test here runs real processes (tsx start-up, clusters, a browser): vitest's 5 s and 10 s defaults are
  // for unit tests and would fail them on a loaded CI machine.
  test: { name: 'examples', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 90_000 },
});
