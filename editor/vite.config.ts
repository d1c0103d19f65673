import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The engine serves /api and /healthz; in development Vite forwards them so the app keeps one origin.
const api = 'http://127.0.0.1:4000';
const proxy = { '/api': api, '/healthz': api };

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      output: {
        // Split the large, rarely changing libraries so a redeploy of the app code stays small.
        manualChunks: {
          react: ['react', 'react-dom'],
          flow: ['@xyflow/react'],
          query: ['@tanstack/react-query'],
          i18n: ['i18next', 'react-i18next'],
        },
      },
    },
  },
  server: { proxy },
  preview: { proxy },
});
