import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// monaco-editor's exports map `./*` onto `esm/vs/*`, but monaco-yaml's worker
// still imports the old `monaco-editor/esm/vs/...` paths; point those at the files.
const monacoEsm = fileURLToPath(
  new URL('../../node_modules/monaco-editor/esm/vs/', import.meta.url),
);

// The console is served by the KubeOps server from packages/web/dist on the
// same origin as the API, so the dev server proxies /api (and the WebSocket).
const apiTarget = process.env.KUBEOPS_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    conditions: ['development'],
    alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoEsm}$1` }],
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
