import { defineConfig } from 'vitest/config';
import { sourceAliases } from './vitest.shared.js';

/**
 * The system tests: real peers from Debian's packages (HAProxy as an interop oracle, …) that the README's test
 * command cannot assume. `.ci/run` installs them and runs `pnpm test:system`; a missing peer fails, never skips.
 */
export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    name: 'system',
    include: ['packages/*/test/system/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest-system.json' },
  },
});
