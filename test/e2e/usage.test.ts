import { join } from 'node:path';
import { parseQuantity } from '@kubeops/inspect';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace, waitFor } from '../support/cluster.js';
import { scrapedSeries, type PerMinute } from '../support/usage-series.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.js';
import {
  apiToken,
  grantClusterAdminToPlatformAdmins,
  kubectl,
  newConsole,
  registerCluster,
  screenshot,
  SCREENSHOTS,
  signIn,
  startKubeops,
  type KubeopsServer,
} from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';
import { formatBytes, formatCores } from '../../packages/web/src/lib/quantities.js';

/**
 * The overview's resource usage panel in the browser: KubeOps configured with
 * a real VictoriaMetrics holding an hour of cAdvisor and kube-state-metrics
 * series for pods running in the local cluster, and a second KubeOps with no
 * metrics provider at all.
 */

const CLUSTER = 'local';
const GiB = 2 ** 30;
/** An hour on the panel, plus the five minutes its rates look back over. */
const WINDOW_MINUTES = 65;

/** A workload of the test: its pods' use and requests as the metrics report them. */
interface Workload {
  name: string;
  replicas: number;
  /** Cores and bytes each pod uses now (the last ten minutes are steady, so the figures are exact). */
  cores: number;
  bytes: number;
  request: { cores: number; bytes: number };
}

const CHECKOUT: Workload = {
  name: 'checkout',
  replicas: 2,
  cores: 6.5,
  bytes: 24 * GiB,
  request: { cores: 8, bytes: 32 * GiB },
};
const FRONTEND: Workload = {
  name: 'frontend',
  replicas: 3,
  cores: 1.25,
  bytes: 3 * GiB,
  request: { cores: 2, bytes: 4 * GiB },
};

const deployment = (namespace: string, w: Workload) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${w.name}, namespace: ${namespace} }
spec:
  replicas: ${w.replicas}
  selector: { matchLabels: { app: ${w.name} } }
  template:
    metadata: { labels: { app: ${w.name} } }
    spec:
      containers:
        - name: app
          image: registry.example/${w.name}:1.0
          resources:
            requests: { cpu: "${w.request.cores}", memory: "${w.request.bytes}" }
`;

/** A daily-looking shape: up to a quarter below `now` earlier in the hour, steady for the last ten minutes. */
const wave =
  (now: number): PerMinute =>
  (minute) =>
    minute >= WINDOW_MINUTES - 10 ? now : now * (0.8 + 0.2 * Math.sin(minute / 7));

interface RunningPod {
  namespace: string;
  name: string;
  node: string;
  workload: Workload;
}

describe('console: cluster resource usage from a metrics provider', () => {
  let vm: VictoriaMetrics | undefined;
  let bareStart: Promise<KubeopsServer> | undefined;
  const suite = useConsoleSuite(async () => {
    vm = await startVictoriaMetrics();
    // The server without a metrics provider starts beside the suite's.
    bareStart = startKubeops();
    return { env: { KUBEOPS_METRICS_URL: vm.url, KUBEOPS_METRICS_CLUSTER_LABEL: 'cluster' } };
  });
  let bare: KubeopsServer;
  let shop: string;
  let web: string;
  let pods: RunningPod[] = [];
  let revokeClusterAdmin: (() => void) | undefined;

  beforeAll(async () => {
    bare = await bareStart!;
    [shop, web] = await Promise.all([
      createTestNamespace('usage-shop'),
      createTestNamespace('usage-web'),
    ]);
    revokeClusterAdmin = grantClusterAdminToPlatformAdmins();
    kubectl(['apply', '-f', '-'], deployment(shop, CHECKOUT) + '---' + deployment(web, FRONTEND));
    const [token, bareToken] = await Promise.all([
      apiToken(suite.server, suite.server.adminUsername, suite.server.adminPassword),
      apiToken(bare, bare.adminUsername, bare.adminPassword),
    ]);
    await Promise.all([
      registerCluster(suite.server, token, CLUSTER),
      registerCluster(bare, bareToken, CLUSTER),
    ]);

    const workloads = new Map([
      [`${shop}/${CHECKOUT.name}`, CHECKOUT],
      [`${web}/${FRONTEND.name}`, FRONTEND],
    ]);
    pods = await waitFor('the test pods scheduled on nodes', async () => {
      const listed = [shop, web].flatMap((ns) =>
        kubectl([
          'get',
          'pods',
          '-n',
          ns,
          '-o',
          'jsonpath={range .items[*]}{.metadata.namespace} {.metadata.labels.app} {.metadata.name} {.spec.nodeName}{"\\n"}{end}',
        ])
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ')),
      );
      const placed = listed.filter(([, , , node]) => node);
      return placed.length === CHECKOUT.replicas + FRONTEND.replicas && placed;
    }).then((listed) =>
      listed.map(([namespace, app, name, node]) => ({
        namespace: namespace!,
        name: name!,
        node: node!,
        workload: workloads.get(`${namespace}/${app}`)!,
      })),
    );

    const { cpuSeconds, workingSet, requests, phase } = scrapedSeries({
      cluster: CLUSTER,
      minutes: WINDOW_MINUTES,
    });
    await vm!.import(
      pods.flatMap((pod) => {
        const container = {
          namespace: pod.namespace,
          pod: pod.name,
          container: 'app',
          node: pod.node,
        };
        const { cores, bytes, request } = pod.workload;
        return [
          cpuSeconds(container, wave(cores)),
          workingSet(container, wave(bytes)),
          ...requests(pod.name, pod.namespace, request.cores, request.bytes),
          ...phase(pod.name, pod.namespace, 'Running'),
        ];
      }),
    );
  });

  afterAll(async () => {
    revokeClusterAdmin?.();
    await Promise.all([shop, web].filter(Boolean).map((ns) => deleteNamespace(ns)));
    await (await bareStart?.catch(() => undefined))?.stop();
    await vm?.stop();
  });

  const panel = (page: Page) => page.locator('[data-testid=overview-usage]');
  const text = (page: Page, testid: string) =>
    panel(page).locator(`[data-testid=${testid}]`).innerText();
  /** The cells of a usage table, row by row. */
  const rows = (page: Page, testid: string) =>
    panel(page)
      .locator(`[data-testid=${testid}] .el-table__body tr`)
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
      );

  /** The part of a browser canvas the check reads (the test type-checks without the DOM library). */
  interface Canvas {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    } | null;
  }
  /** Pixels of the trend line's colour in a chart's canvas: none when the chart drew nothing. */
  const linePixels = (page: Page, resource: 'cpu' | 'memory', rgb: [number, number, number]) =>
    panel(page)
      .locator(`[data-testid=usage-${resource}] canvas`)
      .evaluate((element, [r, g, b]) => {
        const canvas = element as unknown as Canvas;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          const close =
            Math.abs(data[i]! - r) < 12 &&
            Math.abs(data[i + 1]! - g) < 12 &&
            Math.abs(data[i + 2]! - b) < 12;
          if (close && data[i + 3]! > 240) count++;
        }
        return count;
      }, rgb);
  const BLUE: [number, number, number] = [0x40, 0x9e, 0xff];
  const GREEN: [number, number, number] = [0x67, 0xc2, 0x3a];

  async function openOverview(page: Page, server: KubeopsServer): Promise<void> {
    await page.goto(`${server.url}/clusters/${CLUSTER}`);
    await page
      .locator('[data-testid=overview-nodes] .stat', { hasText: /^[1-9]\d* \/ [1-9]/ })
      .waitFor({ timeout: 15_000 });
  }

  /** What the nodes declare allocatable, as the cluster lists them. */
  function allocatable(): Map<string, { cores: number; bytes: number }> {
    const nodes = JSON.parse(kubectl(['get', 'nodes', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; status: { allocatable: Record<string, string> } }>;
    };
    return new Map(
      nodes.items.map((n) => [
        n.metadata.name,
        {
          cores: parseQuantity(n.status.allocatable.cpu)!,
          bytes: parseQuantity(n.status.allocatable.memory)!,
        },
      ]),
    );
  }

  it('shows CPU and memory used against allocatable, the trend, and the top namespaces and nodes', async () => {
    const { page, server } = suite;
    await signIn(page, server, server.adminUsername, server.adminPassword);
    await openOverview(page, server);
    const nodes = allocatable();
    const total = (pick: (n: { cores: number; bytes: number }) => number) =>
      [...nodes.values()].reduce((sum, n) => sum + pick(n), 0);
    const percent = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;

    // 2 × 6.5 + 3 × 1.25 cores and 2 × 24 + 3 × 3 GiB, of everything the nodes can give.
    await expect
      .poll(() => text(page, 'usage-cpu'), { timeout: 15_000 })
      .toContain(`16.75 / ${formatCores(total((n) => n.cores))}`);
    expect(await text(page, 'usage-cpu')).toContain('CPU (cores)');
    expect(await text(page, 'usage-memory')).toContain(
      `57 GiB / ${formatBytes(total((n) => n.bytes))}`,
    );
    expect(await text(page, 'usage-cpu-used')).toBe(
      percent(
        16.75,
        total((n) => n.cores),
      ),
    );
    // Requests of the running pods: 2 × 8 + 3 × 2 cores, 2 × 32 + 3 × 4 GiB.
    expect(await text(page, 'usage-cpu-requested')).toBe(
      `${percent(
        22,
        total((n) => n.cores),
      )} (22)`,
    );
    expect(await text(page, 'usage-memory-requested')).toBe(
      `${percent(
        76 * GiB,
        total((n) => n.bytes),
      )} (76 GiB)`,
    );

    // Both trends drew their line (the colour of each resource) on a canvas.
    await expect.poll(() => linePixels(page, 'cpu', BLUE)).toBeGreaterThan(200);
    await expect.poll(() => linePixels(page, 'memory', GREEN)).toBeGreaterThan(200);

    expect(await rows(page, 'usage-namespaces')).toEqual([
      [shop, '13', '48 GiB'],
      [web, '3.75', '9 GiB'],
    ]);
    // Every node of the cluster, with the use of the pods the scheduler put on it.
    const onNode = (node: string, pick: (w: Workload) => number) =>
      pods.filter((p) => p.node === node).reduce((sum, p) => sum + pick(p.workload), 0);
    const used = (sum: number, format: (n: number) => string) => (sum ? format(sum) : '—');
    expect(await rows(page, 'usage-nodes')).toEqual(
      [...nodes.keys()].sort().map((node) => [
        node,
        `${used(
          onNode(node, (w) => w.cores),
          formatCores,
        )} / ${formatCores(nodes.get(node)!.cores)}`,
        `${used(
          onNode(node, (w) => w.bytes),
          formatBytes,
        )} / ${formatBytes(nodes.get(node)!.bytes)}`,
      ]),
    );
    await screenshot(page, 'usage-overview');
    await panel(page).screenshot({ path: join(SCREENSHOTS, 'usage-panel.png') });

    // The dark theme redraws the charts in its own colours.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('html.dark').waitFor({ state: 'attached' });
    await page.waitForTimeout(500); // the redraw animates
    await expect.poll(() => linePixels(page, 'cpu', BLUE)).toBeGreaterThan(200);
    // Pointing at the latest minute of the trend shows its figure.
    const chart = panel(page).locator('[data-testid=usage-memory] canvas');
    const box = (await chart.boundingBox())!;
    await chart.hover({ position: { x: box.width - 40, y: box.height / 2 } });
    await expect
      .poll(() => panel(page).locator('[data-testid=usage-memory]').innerText())
      .toMatch(/Used\s+57 GiB/);
    await panel(page).screenshot({ path: join(SCREENSHOTS, 'usage-panel-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(suite.errors).toEqual([]);
  });

  it('speaks Chinese to a Chinese browser', async () => {
    const zh = await newConsole(suite.browser, 'zh-CN');
    suite.shown = zh.page;
    await signIn(zh.page, suite.server, suite.server.adminUsername, suite.server.adminPassword);
    await openOverview(zh.page, suite.server);
    await expect.poll(() => text(zh.page, 'usage-cpu'), { timeout: 15_000 }).toContain('16.75');
    const all = await panel(zh.page).innerText();
    for (const label of [
      '资源使用（最近 60 分钟）',
      'CPU（核）',
      '内存',
      '已使用',
      '已请求',
      '资源占用最高的命名空间',
      '节点',
    ])
      expect(all).toContain(label);
    for (const english of ['Resource usage', 'Used', 'Requested', 'Memory', 'Top namespaces'])
      expect(all).not.toContain(english);
    await expect.poll(() => linePixels(zh.page, 'memory', GREEN)).toBeGreaterThan(200);
    await panel(zh.page).screenshot({ path: join(SCREENSHOTS, 'usage-panel-zh-CN.png') });
    expect(zh.errors).toEqual([]);
    await zh.context.close();
  });

  it('shows a one-line hint on a server without a metrics provider', async () => {
    const other = await newConsole(suite.browser);
    suite.shown = other.page;
    await signIn(other.page, bare, bare.adminUsername, bare.adminPassword);
    await openOverview(other.page, bare);
    const hint = other.page.locator('[data-testid=usage-unconfigured]');
    await expect
      .poll(() => hint.innerText())
      .toBe('Resource usage appears here once a metrics provider is configured (metrics.url).');
    expect(await panel(other.page).count()).toBe(0);
    await other.page.waitForTimeout(500); // the pods chart animates in
    await screenshot(other.page, 'usage-no-provider');
    await other.context.close();
  });
});
