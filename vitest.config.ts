import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'examples', 'bench'],
    passWithNoTests: true,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
