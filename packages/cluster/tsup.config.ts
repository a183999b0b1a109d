import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.ts starts with a hashbang, which esbuild keeps; workerPreload.cjs is loaded into workers with --require.
  entry: ['src/index.ts', 'src/cli.ts', 'src/workerPreload.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  platform: 'node',
});
