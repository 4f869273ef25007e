// `npm run bench:web`: the console's budgets, measured and printed.
//  1. Initial JavaScript (what the first page load fetches) under 400 KB
//     gzipped, with Monaco, xterm and ECharts outside it.
//  2. The pod table with 10,000 live rows paints in under 1 s in Chromium and
//     keeps up with a stream of changes while being scrolled.
// Exits non-zero when a budget is missed.
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import vue from '@vitejs/plugin-vue';
import { build } from 'vite';
import { launchBrowser } from '../../test/e2e/support/console-env.js';

const repo = resolve(import.meta.dirname, '../..');
const web = join(repo, 'packages/web');
const dist = join(web, 'dist');
const INITIAL_JS_BUDGET_KB = 400;
const RENDER_BUDGET_MS = 1000;
const ROWS = 10_000;
const LAZY = /^(monaco|xterm|echarts)-/;

const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
const failures: string[] = [];

function initialJavaScript(): void {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(
      'packages/web/dist is missing: run `npm run build --workspace packages/web` first',
    );
  }
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(
      /<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g,
    ),
  ].map((m) => m[1]!);
  let raw = 0;
  let gzipped = 0;
  console.log('initial JavaScript (index.html scripts and module preloads):');
  for (const file of files) {
    const bytes = readFileSync(join(dist, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzipped += gz;
    console.log(
      `  ${file.padEnd(48)} ${String(kb(bytes.length)).padStart(8)} KB  ${String(kb(gz)).padStart(7)} KB gzip`,
    );
    if (LAZY.test(file.split('/').pop()!))
      failures.push(`${file} is loaded up front; it must load lazily`);
  }
  console.log(
    `  total ${kb(raw)} KB, ${kb(gzipped)} KB gzipped (budget ${INITIAL_JS_BUDGET_KB} KB)`,
  );
  if (kb(gzipped) > INITIAL_JS_BUDGET_KB)
    failures.push(`initial JavaScript ${kb(gzipped)} KB gzipped > ${INITIAL_JS_BUDGET_KB} KB`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

async function tableBenchmark(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'kubeops-bench-web-'));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      root: join(web, 'bench/table-harness'),
      base: '/',
      plugins: [vue()],
      resolve: { conditions: ['development'] },
      build: { outDir: out, emptyOutDir: true, target: 'es2022' },
    });
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const file = join(out, path === '/' ? 'index.html' : path);
      if (!file.startsWith(out) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      });
      response.end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => 'bench' in globalThis);
      type Bench = {
        load(n: number): Promise<number>;
        churn(
          n: number,
          seconds: number,
          perBatch: number,
          everyMs: number,
        ): Promise<Record<string, number | string>>;
        rendered(): number;
      };
      // A warm-up run on a smaller table, as a person's second visit would be.
      await page.evaluate(() => (globalThis as unknown as { bench: Bench }).bench.load(100));
      const renderMs = await page.evaluate(
        (n) => (globalThis as unknown as { bench: Bench }).bench.load(n),
        ROWS,
      );
      const domRows = await page.evaluate(() =>
        (globalThis as unknown as { bench: Bench }).bench.rendered(),
      );
      console.log(
        `pod table: ${ROWS} rows painted in ${Math.round(renderMs)} ms (budget ${RENDER_BUDGET_MS} ms), ${domRows} rows in the DOM`,
      );
      if (renderMs > RENDER_BUDGET_MS)
        failures.push(`10,000-row render took ${Math.round(renderMs)} ms > ${RENDER_BUDGET_MS} ms`);
      const churn = await page.evaluate(
        (n) => (globalThis as unknown as { bench: Bench }).bench.churn(n, 5, 100, 50),
        ROWS,
      );
      console.log(
        `live updates: ${churn.batches} batches / ${churn.changes} changes in 5 s while scrolling; ` +
          `${churn.frames} frames, p95 frame ${Number(churn.p95FrameMs).toFixed(1)} ms, max ${Number(churn.maxFrameMs).toFixed(1)} ms, ` +
          `${churn.longTasks} long tasks; latest state shown: ${churn.shownStatus === churn.expectedStatus ? 'yes' : 'no'}`,
      );
      if (churn.shownStatus !== churn.expectedStatus) {
        failures.push(
          `after the stream the table shows ${churn.shownStatus}, not ${churn.expectedStatus}`,
        );
      }
      if (Number(churn.p95FrameMs) > 100)
        failures.push(
          `p95 frame ${Number(churn.p95FrameMs).toFixed(1)} ms under live updates > 100 ms`,
        );
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

initialJavaScript();
await tableBenchmark();
if (failures.length) {
  console.log(`budget missed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('all web budgets met');
