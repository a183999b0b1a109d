import { defineProject } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: sourceAliases },
  test: { name: 'discovery', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
