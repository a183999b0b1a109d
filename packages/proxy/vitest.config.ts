import { defineProject } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    name: 'proxy',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/system needs Debian packages; `pnpm test:system` runs it.
    exclude: ['test/system/**'],
  },
});
