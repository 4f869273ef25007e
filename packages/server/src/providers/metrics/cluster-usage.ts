import type {
  ClusterUsage,
  NamespaceUsage,
  NodeUsage,
  ResourceUsage,
  UsagePoint,
} from '@kubeops/contracts';
import { KubeOpsError } from '../../core/errors.js';
import { clusterMatcher, containerSelector } from './container-metrics.js';
import { PrometheusApi, type RangeSeries } from './prometheus-api.js';
import type { MetricsSettings } from './settings.js';

/** What the cluster says a node can give, in cores and bytes. */
export interface NodeCapacity {
  name: string;
  allocatable: { cpu: number | undefined; memory: number | undefined };
  capacity: { cpu: number | undefined; memory: number | undefined };
}

/** The nodes as the cluster lists them, or why they could not be read. */
export type NodeCapacities = { nodes: NodeCapacity[] } | { failure: string };

export type ConfiguredUsage = Extract<ClusterUsage, { configured: true }>;

/** Points of a trend: enough for a small chart, few enough for a fast answer. */
const TREND_POINTS = 60;
/** The shortest window a rate is taken over, so a few missed scrapes do not leave gaps. */
const MIN_RATE_WINDOW_SECONDS = 300;
/** Namespaces listed: the top ones by CPU and the top ones by memory. */
const TOP_NAMESPACES = 10;

type Part = 'cpu.requested' | 'memory.requested' | 'namespaces' | 'nodes';

/**
 * A cluster's CPU and memory use for the console's overview, read from the
 * metrics server with a handful of cluster-wide aggregations (never one
 * query per pod or node): cAdvisor for use, kube-state-metrics for requests.
 */
export class ClusterUsageReader {
  private readonly api: PrometheusApi;

  constructor(private readonly settings: MetricsSettings & { url: string }) {
    this.api = new PrometheusApi(settings);
  }

  async read(
    cluster: string,
    capacities: NodeCapacities,
    minutes: number,
    now: Date,
  ): Promise<ConfiguredUsage> {
    const stepSeconds = Math.max(10, Math.ceil((minutes * 60) / TREND_POINTS));
    const window = `${Math.max(stepSeconds, MIN_RATE_WINDOW_SECONDS)}s`;
    const containers = containerSelector(this.settings.clusterLabel, { cluster });
    const cpu = `rate(container_cpu_usage_seconds_total{${containers}}[${window}])`;
    const memory = `container_memory_working_set_bytes{${containers}}`;
    const start = new Date(now.getTime() - minutes * 60_000);
    const trend = (query: string) =>
      this.api.queryRange({ query: `sum(${query})`, start, end: now, stepSeconds });
    const at = (query: string) => this.api.queryRange({ query, start: now, end: now, stepSeconds });

    // Use is what the panel is for: if the server cannot answer it, the request fails with its error.
    const [cpuTrend, memoryTrend] = await Promise.all([trend(cpu), trend(memory)]);
    const unavailable: ConfiguredUsage['unavailable'] = [];
    const optional = async <T>(part: Part, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (error) {
        if (!(error instanceof KubeOpsError)) throw error;
        unavailable.push({ part, reason: error.message });
        return undefined;
      }
    };
    const [cpuRequested, memoryRequested, byNamespace, byNode] = await Promise.all([
      optional('cpu.requested', () => at(this.requests(cluster, 'cpu'))),
      optional('memory.requested', () => at(this.requests(cluster, 'memory'))),
      optional('namespaces', () =>
        Promise.all([at(`sum by (namespace) (${cpu})`), at(`sum by (namespace) (${memory})`)]),
      ),
      optional('nodes', () =>
        Promise.all([at(`sum by (node) (${cpu})`), at(`sum by (node) (${memory})`)]),
      ),
    ]);

    const nodes = 'nodes' in capacities ? capacities.nodes : undefined;
    if ('failure' in capacities) unavailable.push({ part: 'capacity', reason: capacities.failure });
    const total = (pick: (n: NodeCapacity) => number | undefined) =>
      nodes && nodes.length > 0 && nodes.every((n) => pick(n) !== undefined)
        ? nodes.reduce((sum, n) => sum + pick(n)!, 0)
        : null;

    return {
      configured: true,
      time: now.toISOString(),
      stepSeconds,
      cpu: usage(
        cpuTrend,
        cpuRequested,
        total((n) => n.allocatable.cpu),
        total((n) => n.capacity.cpu),
      ),
      memory: usage(
        memoryTrend,
        memoryRequested,
        total((n) => n.allocatable.memory),
        total((n) => n.capacity.memory),
      ),
      namespaces: byNamespace ? topNamespaces(byNamespace[0], byNamespace[1]) : [],
      nodes: nodeUsage(nodes ?? [], byNode),
      unavailable,
    };
  }

  /**
   * Requests of pods that hold them now (pending or running), as
   * kube-state-metrics reports them: its phase series is 1 for a pod's
   * current phase, so finished pods count zero.
   */
  private requests(cluster: string, resource: 'cpu' | 'memory'): string {
    const scope = clusterMatcher(this.settings.clusterLabel, cluster);
    const matchers = (first: string) => [first, ...scope].join(',');
    return (
      `sum(kube_pod_container_resource_requests{${matchers(`resource="${resource}"`)}}` +
      ` * on (namespace, pod) group_left ()` +
      ` max by (namespace, pod) (kube_pod_status_phase{${matchers('phase=~"Pending|Running"')}}))`
    );
  }
}

function lastValue(series: RangeSeries[] | undefined): number | null {
  const value = series?.[0]?.values.at(-1)?.[1];
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function points(series: RangeSeries[]): UsagePoint[] {
  return (series[0]?.values ?? [])
    .map(([t, v]) => ({ t: Math.round(t * 1000), v: Number(v) }))
    .filter((p) => Number.isFinite(p.v));
}

function usage(
  trend: RangeSeries[],
  requested: RangeSeries[] | undefined,
  allocatable: number | null,
  capacity: number | null,
): ResourceUsage {
  const series = points(trend);
  return {
    used: series.at(-1)?.v ?? null,
    requested: lastValue(requested),
    allocatable,
    capacity,
    series,
  };
}

/** The latest value of each series, keyed by one of its labels. */
function byLabel(series: RangeSeries[] | undefined, label: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const s of series ?? []) {
    const key = s.metric[label];
    const value = Number(s.values.at(-1)?.[1]);
    if (key && Number.isFinite(value)) values.set(key, value);
  }
  return values;
}

function topNamespaces(cpuSeries: RangeSeries[], memorySeries: RangeSeries[]): NamespaceUsage[] {
  const cpu = byLabel(cpuSeries, 'namespace');
  const memory = byLabel(memorySeries, 'namespace');
  const top = (values: Map<string, number>) =>
    [...values.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_NAMESPACES)
      .map(([name]) => name);
  const names = new Set([...top(cpu), ...top(memory)]);
  return [...names]
    .map((namespace) => ({
      namespace,
      cpu: cpu.get(namespace) ?? null,
      memory: memory.get(namespace) ?? null,
    }))
    .sort((a, b) => (b.cpu ?? 0) - (a.cpu ?? 0) || (b.memory ?? 0) - (a.memory ?? 0));
}

/**
 * Every node the cluster lists, with its use where cAdvisor series carry a
 * `node` label (kube-prometheus and most scrape configs add it); a node
 * only the metrics know (already removed from the cluster) is left out.
 */
function nodeUsage(
  nodes: NodeCapacity[],
  byNode: [RangeSeries[], RangeSeries[]] | undefined,
): NodeUsage[] {
  const cpu = byLabel(byNode?.[0], 'node');
  const memory = byLabel(byNode?.[1], 'node');
  return [...nodes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => ({
      node: n.name,
      cpu: { used: cpu.get(n.name) ?? null, allocatable: n.allocatable.cpu ?? null },
      memory: { used: memory.get(n.name) ?? null, allocatable: n.allocatable.memory ?? null },
    }));
}

/** The reader when `metrics.url` is configured; without it the overview shows no usage. */
export function clusterUsageOf(settings: MetricsSettings): ClusterUsageReader | undefined {
  if (!settings.url) return undefined;
  return new ClusterUsageReader({ ...settings, url: settings.url });
}
