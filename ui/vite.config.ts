import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web UI is built into dist/ui, beside the compiled server, which serves it at `/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Every screen in one chunk set: the budget (300 KB gzipped) is checked by test/ui/bundle-size.test.ts.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // zod's sources carry `@__PURE__` notes Rollup cannot place; harmless, and not ours to fix.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  server: {
    // `npx vite ui` during development: the API of a `gantry serve` on its default address.
    proxy: { '/api': { target: 'http://127.0.0.1:7400', changeOrigin: false } },
  },
});
