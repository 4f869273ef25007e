// The console's pod table, alone on a page, for bench/web/budget.ts: the same
// component, live-row store, columns and sort/search pipeline the resource
// explorer uses, fed with generated rows instead of a WebSocket.
import 'element-plus/dist/index.css';
import '../../src/styles.css';
import './style.css';
import { createPinia } from 'pinia';
import { computed, createApp, defineComponent, h, nextTick, ref, shallowRef } from 'vue';
import type { PrinterColumn, ResourceRow, RowChange } from '../../src/api/kube-types';
import VirtualTable from '../../src/components/VirtualTable.vue';
import { createConsoleI18n } from '../../src/i18n';
import { columnsFor } from '../../src/lib/columns';
import { LiveRows } from '../../src/lib/live-rows';
import { useTableRows } from '../../src/lib/table-rows';

// The printer columns the server sends for pods (Name and Age travel as fields).
const POD_COLUMNS: PrinterColumn[] = [
  { name: 'Ready', type: 'string', priority: 0 },
  { name: 'Status', type: 'string', priority: 0 },
  { name: 'Restarts', type: 'string', priority: 0 },
  { name: 'IP', type: 'string', priority: 1 },
  { name: 'Node', type: 'string', priority: 1 },
];
const STATUSES = ['Running', 'Running', 'Running', 'Pending', 'CrashLoopBackOff', 'Completed'];

function pod(i: number, version: number): ResourceRow {
  return {
    namespace: `team-${i % 20}`,
    name: `app-${Math.floor(i / 10)}-${(i * 2654435761) % 100000}`,
    uid: `uid-${i}`,
    resourceVersion: String(version),
    createdAt: new Date(Date.now() - i * 1000).toISOString(),
    labels: { app: `app-${i % 50}`, tier: i % 2 ? 'web' : 'worker' },
    cells: [
      '1/1',
      STATUSES[(i + version) % STATUSES.length],
      String(version % 7),
      `10.0.${i >> 8}.${i & 255}`,
      `node-${i % 100}`,
    ],
  };
}

const live = new LiveRows();
const selected = shallowRef(new Set<string>());
const sortBy = ref('name');
const sortDesc = ref(false);
const search = ref('');
const columns = computed(() => columnsFor(live.columns.value, true));
let version = 1;

const frame = () =>
  new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())));

const App = defineComponent({
  setup() {
    const rows = useTableRows(live, columns, search, sortBy, sortDesc);
    return () =>
      h('div', { class: 'bench-host' }, [
        h(VirtualTable, {
          rows: rows.value,
          columns: columns.value,
          selected: selected.value,
          sortBy: sortBy.value,
          sortDesc: sortDesc.value,
        }),
      ]);
  },
});

const app = createApp(App);
app.use(createPinia());
app.use(createConsoleI18n('en'));
app.mount('#app');

interface ChurnResult {
  batches: number;
  changes: number;
  frames: number;
  p95FrameMs: number;
  maxFrameMs: number;
  longTasks: number;
  shownStatus: string;
  expectedStatus: string;
}

const bench = {
  /** Milliseconds from handing N rows to the table until they are painted. */
  async load(count: number): Promise<number> {
    const rows = Array.from({ length: count }, (_, i) => pod(i, version));
    const started = performance.now();
    live.snapshot(rows, POD_COLUMNS);
    await nextTick();
    await frame();
    await frame();
    return performance.now() - started;
  },
  /** Streams changes (status flips, adds, deletes) while scrolling, and measures frames. */
  async churn(
    count: number,
    seconds: number,
    perBatch: number,
    everyMs: number,
  ): Promise<ChurnResult> {
    const intervals: number[] = [];
    let longTasks = 0;
    const observer = new PerformanceObserver((list) => (longTasks += list.getEntries().length));
    observer.observe({ type: 'longtask', buffered: false });
    const scroller = document.querySelector<HTMLElement>('[data-testid=resource-table]')!;
    const end = performance.now() + seconds * 1000;
    let batches = 0;
    let changes = 0;
    const timer = setInterval(() => {
      version++;
      const batch: RowChange[] = [];
      for (let k = 0; k < perBatch; k++) {
        const i = Math.floor(Math.random() * count);
        batch.push({ type: 'MODIFIED', row: pod(i, version) });
      }
      // A pod replaced: one goes, another comes.
      batch.push({ type: 'DELETED', row: pod(count + version - 1, version) });
      batch.push({ type: 'ADDED', row: pod(count + version, version) });
      live.changes(batch);
      batches++;
      changes += batch.length;
    }, everyMs);
    let last = await frame();
    while (last < end) {
      scroller.scrollTop =
        (scroller.scrollTop + 37) % (scroller.scrollHeight - scroller.clientHeight);
      const now = await frame();
      intervals.push(now - last);
      last = now;
    }
    clearInterval(timer);
    observer.disconnect();
    // The first visible row must show its latest state.
    scroller.scrollTop = 0;
    version++;
    const first = live.items().sort((a, b) => (a.name < b.name ? -1 : 1))[0]!;
    const index = Number(first.uid.slice(4));
    live.changes([{ type: 'MODIFIED', row: pod(index, version) }]);
    await frame();
    await frame();
    await nextTick();
    const expectedStatus = String(pod(index, version).cells[1]);
    const shownRow = document.querySelector(
      `[data-testid=resource-table] .vt-row[data-name="${first.name}"]`,
    );
    const shownStatus = shownRow?.querySelectorAll('.vt-td')[3]?.textContent?.trim() ?? '';
    intervals.sort((a, b) => a - b);
    return {
      batches,
      changes,
      frames: intervals.length,
      p95FrameMs: intervals[Math.floor(intervals.length * 0.95)] ?? 0,
      maxFrameMs: intervals[intervals.length - 1] ?? 0,
      longTasks,
      shownStatus,
      expectedStatus,
    };
  },
  rendered: () => document.querySelectorAll('[data-testid=resource-table] .vt-row').length,
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;
