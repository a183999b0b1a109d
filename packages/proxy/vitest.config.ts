import { defineProject } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: {
    name: 'proxy',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/system needs Debian packages; `pnpm test:system` runs it.
    exclude: ['test/system/**'],
    // Real servers, TLS handshakes and child processes: on a loaded machine some tests need more than vitest's
    // default 5 s. Every wait inside a test has its own bound; this one only ends a test that hangs.
    testTimeout: 10_000,
  },
});
