import { defineConfig } from 'tsup';

export default defineConfig({
  // internal.ts is `@lb/core/internal`, the checks the other packages share. Splitting (also for CJS) puts the
  // code both entries use in shared chunks, so `ConfigError` thrown by `fail` from the internal entry is the same
  // class a user's `instanceof` checks against from the main entry.
  entry: ['src/index.ts', 'src/internal.ts'],
  format: ['esm', 'cjs'],
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
