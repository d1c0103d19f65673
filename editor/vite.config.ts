import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precompress } from './build/precompress.ts';

// The engine serves /api and /healthz; in development Vite forwards them so the app keeps one origin.
const api = 'http://127.0.0.1:4000';
const proxy = { '/api': api, '/healthz': api };

/*
 * The end-to-end tests drive the editor through window.__flightdeck (src/editor/testHooks.ts). Only the
 * test build (`npm run build:test`, into dist-test, which `npm test` serves) compiles them in; the
 * production build (dist) has neither the hooks nor source maps.
 */
const testBuild = process.env.FLIGHTDECK_TEST_BUILD === '1';

export default defineConfig({
  plugins: [react(), precompress()],
  base: '/',
  define: { __FLIGHTDECK_TEST_HOOKS__: JSON.stringify(testBuild) },
  build: {
    outDir: testBuild ? 'dist-test' : 'dist',
    emptyOutDir: true,
    sourcemap: testBuild,
    rollupOptions: {
      output: {
        /*
         * Split the large, rarely changing libraries so a redeploy of the app code stays small. Only react, query
         * and i18n are on the sign-in page; the others are reached through the lazy pages in App.tsx alone
         * (engine/test/editor-assets.test.ts checks index.html preloads none of them).
         */
        manualChunks(id) {
          // A stylesheet stays with its importer: main.tsx's React Flow CSS in 'flow' would make the entry import that chunk.
          if (!id.includes('node_modules') || id.endsWith('.css')) return undefined;
          if (id.includes('@xyflow') || id.includes('d3-')) return 'flow';
          if (/node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return 'react';
          if (id.includes('@tanstack')) return 'query';
          if (id.includes('i18next')) return 'i18n';
          if (id.includes('cel-js')) return 'cel';
          if (id.includes('liquidjs')) return 'liquid';
          if (/node_modules[\\/](echarts|zrender)[\\/]/.test(id)) return 'charts';
          return undefined;
        },
      },
      onwarn(warning, warn) {
        // zod ships comments Rollup cannot place; the warning is noise about a dependency.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules/zod')) return;
        warn(warning);
      },
    },
  },
  server: { proxy },
  preview: { proxy },
});
