import { defineConfig } from 'tsup';

// A CLI: one ESM entry with a shebang, dependencies stay external.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
});
