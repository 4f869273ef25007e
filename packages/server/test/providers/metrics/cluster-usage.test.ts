import type { FastifyInstance } from 'fastify';
import { parseQuantity } from '@kubeops/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import type { MetricsSettings } from '../../../src/providers/metrics/index.js';
import { adminCore, bindUser, kubeTestEnv, signIn, type KubeTestEnv } from '../../kube/support.js';
import { MINUTE, scrapedSeries } from '../../../../../test/support/usage-series.js';
import {
  startVictoriaMetrics,
  type ImportedSeries,
  type VictoriaMetrics,
} from '../../../../../test/support/victoria-metrics.js';

const GiB = 2 ** 30;
// Two hours of scrapes, a minute apart, of the cluster registered as `local`.
const { cpuSeconds, workingSet, requests, phase } = scrapedSeries({
  cluster: 'local',
  minutes: 2 * 60,
});

const checkout = { namespace: 'shop', pod: 'checkout-0', container: 'app', node: 'kwok-node-0' };
const frontend = { namespace: 'web', pod: 'frontend-0', container: 'app', node: 'kwok-node-1' };

const SERIES: ImportedSeries[] = [
  cpuSeconds(checkout, 1.5),
  cpuSeconds(frontend, 0.5),
  // cAdvisor's pod-level series repeat the containers' use and must not be added.
  cpuSeconds({ ...checkout, container: 'POD' }, 1.5),
  cpuSeconds({ ...checkout, container: '' }, 1.5),
  workingSet(checkout, 3 * GiB),
  workingSet(frontend, 1 * GiB),
  workingSet({ ...checkout, container: '' }, 3 * GiB),
  // Another cluster on the same metrics server.
  cpuSeconds({ ...checkout, namespace: 'elsewhere' }, 100, 'other'),
  workingSet({ ...checkout, namespace: 'elsewhere' }, 500 * GiB, 'other'),
  ...requests('checkout-0', 'shop', 2, 4 * GiB),
  ...requests('frontend-0', 'web', 1, 2 * GiB),
  // A finished job's requests no longer hold anything.
  ...requests('report-1', 'batch', 8, 16 * GiB),
  ...phase('checkout-0', 'shop', 'Running'),
  ...phase('frontend-0', 'web', 'Pending'),
  ...phase('report-1', 'batch', 'Succeeded'),
];

const settings = (url: string | undefined): MetricsSettings => ({
  ...(url ? { url } : {}),
  headers: {},
  insecureSkipTlsVerify: false,
  lookbackMinutes: 60,
  stepSeconds: 300,
  timeoutMs: 3000,
  clusterLabel: 'cluster',
});

interface UsageBody {
  configured: boolean;
  stepSeconds: number;
  cpu: {
    used: number;
    requested: number;
    allocatable: number;
    capacity: number;
    series: Array<{ t: number; v: number }>;
  };
  memory: {
    used: number;
    requested: number;
    allocatable: number;
    series: Array<{ t: number; v: number }>;
  };
  namespaces: Array<{ namespace: string; cpu: number; memory: number }>;
  nodes: Array<{
    node: string;
    cpu: { used: number | null; allocatable: number };
    memory: { used: number | null };
  }>;
  unavailable: Array<{ part: string; reason: string }>;
}

describe('cluster usage for the overview, from a real VictoriaMetrics and the kube cache', () => {
  let env: KubeTestEnv;
  let vm: VictoriaMetrics;
  let auth: { authorization: string };
  let namespaceOnly: { authorization: string };
  const unbind: Array<() => Promise<void>> = [];
  const apps: FastifyInstance[] = [];

  /** An API server whose config has `metrics.url` set to `url` (none: no metrics provider). */
  async function appWith(url: string | undefined): Promise<FastifyInstance> {
    env.ctx.config.metrics = settings(url);
    const app = await buildApp(env.ctx);
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    [env, vm] = await Promise.all([kubeTestEnv(), startVictoriaMetrics()]);
    await vm.import(SERIES);
    auth = await signIn(env.ctx, 'operator');
    namespaceOnly = await signIn(env.ctx, 'developer');
    unbind.push(await bindUser('operator', 'cluster-admin'));
    unbind.push(await bindUser('developer', 'view', 'default'));
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const undo of unbind) await undo();
    await vm?.stop();
    await env?.close();
  });

  const usage = (app: FastifyInstance, query = '', headers = auth) =>
    app.inject({ method: 'GET', url: `/api/v1/clusters/local/usage${query}`, headers });

  it('answers CPU and memory use now and over the last hour, against the nodes and the requests', async () => {
    const app = await appWith(vm.url);
    const res = await usage(app);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<UsageBody>();
    expect(body.configured).toBe(true);
    expect(body.unavailable).toEqual([]);

    // 1.5 + 0.5 cores; the pod-level series and the other cluster's 100 cores stay out.
    expect(body.cpu.used).toBeCloseTo(2, 2);
    expect(body.memory.used).toBe(4 * GiB);
    // Requests of the running and the pending pod; the finished job's are free again.
    expect(body.cpu.requested).toBe(3);
    expect(body.memory.requested).toBe(6 * GiB);

    // Allocatable and capacity are what the cluster's nodes declare.
    const { items } = await adminCore().listNode();
    const sum = (pick: (n: (typeof items)[number]) => string | undefined) =>
      items.reduce((total, n) => total + (parseQuantity(pick(n)) ?? 0), 0);
    expect(items.length).toBeGreaterThan(0);
    expect(body.cpu.allocatable).toBe(sum((n) => n.status?.allocatable?.cpu));
    expect(body.cpu.capacity).toBe(sum((n) => n.status?.capacity?.cpu));
    expect(body.memory.allocatable).toBe(sum((n) => n.status?.allocatable?.memory));

    // A trend of about 60 points a minute apart, flat at the figures above.
    expect(body.stepSeconds).toBe(60);
    expect(body.cpu.series.length).toBeGreaterThanOrEqual(55);
    for (const p of body.cpu.series.slice(5)) expect(p.v).toBeCloseTo(2, 2);
    for (const p of body.memory.series) expect(p.v).toBe(4 * GiB);
    const span = body.cpu.series.at(-1)!.t - body.cpu.series[0]!.t;
    expect(span).toBeGreaterThan(55 * MINUTE);
    expect(span).toBeLessThanOrEqual(60 * MINUTE);

    expect(body.namespaces).toEqual([
      { namespace: 'shop', cpu: expect.closeTo(1.5, 2), memory: 3 * GiB },
      { namespace: 'web', cpu: expect.closeTo(0.5, 2), memory: 1 * GiB },
    ]);

    const node = (name: string) => body.nodes.find((n) => n.node === name);
    expect(body.nodes.map((n) => n.node)).toEqual(items.map((n) => n.metadata!.name).sort());
    expect(node('kwok-node-0')?.cpu.used).toBeCloseTo(1.5, 2);
    expect(node('kwok-node-1')?.memory.used).toBe(1 * GiB);
    expect(node('kwok-node-0')?.cpu.allocatable).toBe(
      parseQuantity(
        items.find((n) => n.metadata?.name === 'kwok-node-0')?.status?.allocatable?.cpu,
      ),
    );
    // A node with no series has no use figure, not a zero.
    const idle = body.nodes.find((n) => !['kwok-node-0', 'kwok-node-1'].includes(n.node));
    if (idle) expect(idle.cpu.used).toBeNull();
  });

  it('draws a shorter trend when asked for fewer minutes, and refuses a window out of range', async () => {
    const app = await appWith(vm.url);
    const short = (await usage(app, '?minutes=10')).json<UsageBody>();
    expect(short.stepSeconds).toBe(10);
    const span = short.cpu.series.at(-1)!.t - short.cpu.series[0]!.t;
    expect(span).toBeLessThanOrEqual(10 * MINUTE);

    const bad = await usage(app, '?minutes=100000');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/minutes/);
  });

  it('is cluster-scope information: a user who may not list nodes gets the cluster’s 403', async () => {
    const app = await appWith(vm.url);
    const res = await usage(app, '', namespaceOnly);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'kube_forbidden' });
    expect(res.json().message).toMatch(/cannot list resource "nodes"/);
  });

  it('says so when no metrics provider is configured, and 404s an unknown cluster', async () => {
    const app = await appWith(undefined);
    const res = await usage(app);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ configured: false });
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/v1/clusters/nowhere/usage',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('turns an unreachable metrics server into a 502 with a stable code naming metrics.url', async () => {
    const app = await appWith('http://127.0.0.1:1');
    const res = await usage(app);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({
      code: 'metrics_unreachable',
      message: expect.stringMatching(/^metrics\.url: http:\/\/127\.0\.0\.1:1 could not be reached/),
    });
  });

  it('documents the route and its answer in the OpenAPI document', async () => {
    const app = await appWith(vm.url);
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const route = doc.paths?.['/api/v1/clusters/{cluster}/usage']?.get;
    expect(route).toBeDefined();
    expect(JSON.stringify(route.responses['200'])).toContain('allocatable');
    expect(route.parameters.map((p: { name: string }) => p.name)).toContain('minutes');
  });
});
