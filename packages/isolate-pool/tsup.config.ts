import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker is its own entry: threads load dist/worker.js by path.
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  platform: 'node',
});
