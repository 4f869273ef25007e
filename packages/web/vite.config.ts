import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The console is served by the KubeOps server from packages/web/dist on the
// same origin as the API, so the dev server proxies /api (and the WebSocket).
const apiTarget = process.env.KUBEOPS_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    conditions: ['development'],
    // monaco-yaml and its worker import monaco-editor themselves; they must get
    // this package's version (the one monaco-yaml supports), not another copy.
    dedupe: ['monaco-editor'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Monaco, xterm and ECharts are imported dynamically; keeping the
    // always-loaded framework code in one chunk makes the initial download
    // a single cacheable file.
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (/node_modules\/(vue|@vue|vue-router|pinia|vue-i18n|@intlify)\//.test(id))
            return 'framework';
          return undefined;
        },
      },
    },
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/api': { target: apiTarget, ws: true, changeOrigin: true } },
  },
});
