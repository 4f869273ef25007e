import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInspection, type KubeObject, type MetricSeries } from '@kubeops/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeOpsError } from '../../../src/core/errors.js';
import {
  ContainerMetricsProvider,
  PrometheusApi,
  containerMetricsOf,
  type MetricsSettings,
} from '../../../src/providers/metrics/index.js';
import {
  startVictoriaMetrics,
  type ImportedSeries,
  type VictoriaMetrics,
} from '../../../../../test/support/victoria-metrics.js';

const MINUTE = 60_000;
const HOURS = 6;
const MiB = 2 ** 20;
// Whole minutes, so scrape times line up with query steps.
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
const scrapes = Array.from({ length: HOURS * 60 + 1 }, (_, i) => now - (HOURS * 60 - i) * MINUTE);

/** A series scraped every minute for the last six hours. */
function series(
  name: string,
  labels: Record<string, string>,
  value: (minutesAgo: number) => number,
): ImportedSeries {
  return {
    metric: { __name__: name, cluster: 'east', ...labels },
    timestamps: scrapes,
    values: scrapes.map((t) => value((now - t) / MINUTE)),
  };
}

const app = { namespace: 'shop', pod: 'leaky-0', container: 'app' };
const SYNTHETIC: ImportedSeries[] = [
  // Half a core, all the time.
  series('container_cpu_usage_seconds_total', app, (ago) => 0.5 * 60 * (HOURS * 60 - ago)),
  // cAdvisor's pod-level series must not be taken for containers.
  series('container_cpu_usage_seconds_total', { ...app, container: 'POD' }, () => 1),
  series('container_cpu_usage_seconds_total', { ...app, container: '' }, (ago) => 60 * (360 - ago)),
  // 220 MiB six hours ago, +30 MiB an hour: 400 MiB now, 512 MiB in under four hours.
  series('container_memory_working_set_bytes', app, (ago) => (400 - (30 * ago) / 60) * MiB),
  // The same pod name in another cluster of the same server.
  {
    ...series('container_memory_working_set_bytes', app, () => 10 * MiB),
    metric: { __name__: 'container_memory_working_set_bytes', cluster: 'west', ...app },
  },
  // Quiet for hours, then three restarts in the last 40 minutes.
  series('kube_pod_container_status_restarts_total', app, (ago) => (ago < 40 ? 3 : 0)),
  // 30 of every 100 CFS periods throttled.
  series('container_cpu_cfs_periods_total', app, (ago) => 100 * (HOURS * 60 - ago)),
  series('container_cpu_cfs_throttled_periods_total', app, (ago) => 30 * (HOURS * 60 - ago)),
  // Another namespace, outside a namespace-scoped run.
  series(
    'container_cpu_usage_seconds_total',
    { namespace: 'other', pod: 'web-0', container: 'web' },
    (ago) => 2 * 60 * (HOURS * 60 - ago),
  ),
];

const settings = (url: string, extra: Partial<MetricsSettings> = {}) =>
  ({
    url,
    headers: {},
    insecureSkipTlsVerify: false,
    lookbackMinutes: HOURS * 60,
    stepSeconds: 300,
    timeoutMs: 10_000,
    clusterLabel: 'cluster',
    ...extra,
  }) satisfies MetricsSettings;

const of = (all: MetricSeries[], metric: string, namespace = 'shop', name = 'leaky-0') =>
  all.filter((s) => s.metric === metric && s.namespace === namespace && s.name === name);
const values = (s: MetricSeries | undefined) => (s?.points ?? []).map((p) => p.v);

describe('container metrics from a real VictoriaMetrics over the Prometheus API', () => {
  let vm: VictoriaMetrics;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    await vm.import(SYNTHETIC);
  }, 120_000);

  afterAll(async () => {
    await vm?.stop();
  });

  it('shapes CPU, memory, restarts and throttling per container into snapshot series', async () => {
    const provider = new ContainerMetricsProvider(settings(vm.url));
    const { series: all, failures } = await provider.collect(
      { cluster: 'east', namespace: 'shop' },
      new Date(now),
    );
    expect(failures).toEqual([]);

    const cpu = of(all, 'cpu.usage');
    expect(cpu).toHaveLength(1);
    expect(cpu[0]).toMatchObject({ kind: 'Pod', container: 'app' });
    expect(cpu[0]!.points.length).toBeGreaterThan(60);
    for (const v of values(cpu[0]).slice(2)) expect(v).toBeCloseTo(0.5, 2);

    const memory = of(all, 'memory.workingSet');
    expect(memory).toHaveLength(1);
    expect(values(memory[0]).at(-1)).toBeCloseTo(400 * MiB, -4);
    expect(values(memory[0])[0]).toBeLessThan(values(memory[0]).at(-1)!);

    const restarts = values(of(all, 'container.restarts')[0]);
    expect(restarts[0]).toBe(0);
    expect(restarts.at(-1)).toBe(3);

    const throttled = values(of(all, 'cpu.throttledRatio')[0]);
    expect(throttled.length).toBeGreaterThan(60);
    for (const v of throttled) expect(v).toBeCloseTo(0.3, 3);

    // Scoped to the namespace: nothing from "other".
    expect(all.some((s) => s.namespace !== 'shop')).toBe(false);
  });

  it('reads every namespace of the configured cluster when a run is not scoped', async () => {
    const provider = new ContainerMetricsProvider(settings(vm.url));
    const { series: all } = await provider.collect({ cluster: 'east' }, new Date(now));
    const web = of(all, 'cpu.usage', 'other', 'web-0');
    expect(web).toHaveLength(1);
    for (const v of values(web[0]).slice(2)) expect(v).toBeCloseTo(2, 2);
    // The west cluster's 10 MiB pod of the same name stays out.
    expect(of(all, 'memory.workingSet')).toHaveLength(1);

    const west = new ContainerMetricsProvider(settings(vm.url));
    const other = await west.collect({ cluster: 'west' }, new Date(now));
    expect(values(of(other.series, 'memory.workingSet')[0]).at(-1)).toBe(10 * MiB);
    expect(of(other.series, 'cpu.usage')).toHaveLength(0);
  });

  it('feeds the engine: memory growing toward the limit, a restart spike and throttling become findings', async () => {
    const provider = new ContainerMetricsProvider(settings(vm.url));
    const { series: metrics } = await provider.collect(
      { cluster: 'east', namespace: 'shop' },
      new Date(now),
    );
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'leaky-0', namespace: 'shop', uid: 'u-leaky' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry.example.com/app:1.0.0',
            resources: {
              requests: { cpu: '500m', memory: '256Mi' },
              limits: { cpu: '1', memory: '512Mi' },
            },
          },
        ],
      },
      status: { phase: 'Running' },
    };
    const withMetrics = runInspection({
      objects: [pod],
      metrics,
      now: new Date(now).toISOString(),
    }).findings;
    const growth = withMetrics.find((f) => f.ruleId === 'anomaly-memory-growth');
    expect(growth?.resource).toMatchObject({ kind: 'Pod', name: 'leaky-0' });
    expect(growth?.message).toMatch(
      /grows by 30Mi per hour and will reach its limit of 512Mi in about 3\.\d hours/,
    );
    expect(growth?.severity).toBe('high');
    expect(withMetrics.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['anomaly-restart-spike', 'anomaly-cpu-throttling']),
    );

    // Without the provider's series the same pod gives none of them.
    const without = runInspection({ objects: [pod], now: new Date(now).toISOString() }).findings;
    expect(without.filter((f) => f.category === 'anomaly')).toEqual([]);
  });

  it('reports a query the server rejects with a clear error naming metrics.url', async () => {
    const api = new PrometheusApi({ url: vm.url, timeoutMs: 5000 });
    const error = await api
      .queryRange({
        query: 'rate(',
        start: new Date(now - MINUTE * 10),
        end: new Date(now),
        stepSeconds: 60,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeOpsError);
    expect(error).toMatchObject({ code: 'metrics_query_failed', status: 502 });
    expect((error as Error).message).toMatch(/^metrics\.url: http:\/\/127\.0\.0\.1:\d+ .*rate\(/);
  });
});

describe('metrics provider failures', () => {
  let silent: Server;
  let url: string;

  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    silent?.closeAllConnections();
    await new Promise((done) => silent?.close(done));
  });

  it('gives up after the timeout and reports each metric as failed, without failing the collection', async () => {
    const provider = new ContainerMetricsProvider(settings(url, { timeoutMs: 300 }));
    const started = Date.now();
    const result = await provider.collect({ cluster: 'east' }, new Date(now));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.series).toEqual([]);
    expect(result.failures.map((f) => f.metric).sort()).toEqual([
      'container.restarts',
      'cpu.throttledRatio',
      'cpu.usage',
      'memory.workingSet',
    ]);
    expect(result.failures[0]!.reason).toMatch(/no answer within 300 ms \(metrics\.timeoutMs\)/);
  });

  it('names the unreachable server', async () => {
    const api = new PrometheusApi({ url: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await expect(
      api.queryRange({
        query: 'up',
        start: new Date(now - MINUTE),
        end: new Date(now),
        stepSeconds: 60,
      }),
    ).rejects.toMatchObject({
      code: 'metrics_unreachable',
      message: expect.stringMatching(/metrics\.url: http:\/\/127\.0\.0\.1:1 could not be reached/),
    });
  });

  it('refuses a step too fine for the lookback and is off without a url', () => {
    expect(
      () =>
        new ContainerMetricsProvider(
          settings(url, { lookbackMinutes: 30 * 24 * 60, stepSeconds: 10 }),
        ),
    ).toThrow(/metrics\.stepSeconds/);
    expect(
      containerMetricsOf({
        headers: {},
        insecureSkipTlsVerify: false,
        lookbackMinutes: 60,
        stepSeconds: 60,
        timeoutMs: 1000,
      }),
    ).toBeUndefined();
  });
});
