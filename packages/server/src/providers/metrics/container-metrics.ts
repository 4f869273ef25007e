import type { MetricName, MetricSeries } from '@kubeops/inspect';
import { KubeOpsError } from '../../core/errors.js';
import { PrometheusApi, type RangeSeries } from './prometheus-api.js';
import type { MetricsSettings } from './settings.js';

/** Servers refuse range queries above this many points a series (Prometheus: 11,000). */
const MAX_POINTS = 11_000;
/** The shortest window a rate is taken over, so a few missed scrapes do not leave gaps. */
const MIN_RATE_WINDOW_SECONDS = 300;

export interface MetricsScope {
  /** The cluster name, matched against `clusterLabel` when one is configured. */
  cluster: string;
  /** Only this namespace; every namespace otherwise. */
  namespace?: string | undefined;
}

/** A metric the server could not answer; the run goes on without it. */
export interface MetricFailure {
  metric: MetricName;
  reason: string;
}

export interface ContainerMetrics {
  series: MetricSeries[];
  failures: MetricFailure[];
}

interface MetricQuery {
  metric: MetricName;
  promql: (selector: string, rateWindow: string) => string;
}

const BY = 'by (namespace, pod, container)';

/**
 * One query per metric over the whole scope (never one per pod), aggregated
 * to the labels the engine keys series by. cAdvisor's pod-level pseudo
 * containers ("" and "POD") are left out by the selector.
 */
const QUERIES: MetricQuery[] = [
  {
    metric: 'cpu.usage',
    promql: (s, w) => `sum ${BY} (rate(container_cpu_usage_seconds_total{${s}}[${w}]))`,
  },
  {
    metric: 'memory.workingSet',
    promql: (s) => `max ${BY} (container_memory_working_set_bytes{${s}})`,
  },
  {
    metric: 'container.restarts',
    promql: (s) => `max ${BY} (kube_pod_container_status_restarts_total{${s}})`,
  },
  {
    metric: 'cpu.throttledRatio',
    promql: (s, w) =>
      `sum ${BY} (rate(container_cpu_cfs_throttled_periods_total{${s}}[${w}])) / ` +
      `sum ${BY} (rate(container_cpu_cfs_periods_total{${s}}[${w}]))`,
  },
];

/** A PromQL string literal. */
function literal(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The matcher of the cluster (`clusterLabel="name"`), or none when one server holds one cluster. */
export function clusterMatcher(clusterLabel: string | undefined, cluster: string): string[] {
  return clusterLabel ? [`${clusterLabel}=${literal(cluster)}`] : [];
}

/**
 * cAdvisor series of real containers in the scope: its pod-level pseudo
 * containers ("" and "POD") would count every pod twice.
 */
export function containerSelector(clusterLabel: string | undefined, scope: MetricsScope): string {
  return [
    'container!=""',
    'container!="POD"',
    scope.namespace ? `namespace=${literal(scope.namespace)}` : 'namespace!=""',
    ...clusterMatcher(clusterLabel, scope.cluster),
  ].join(',');
}

/**
 * Per-container usage history for the inspection engine's `snapshot.metrics`:
 * CPU cores, working-set bytes, restart counters and the throttled share of
 * CFS periods, over the configured lookback window.
 */
export class ContainerMetricsProvider {
  private readonly api: PrometheusApi;

  constructor(private readonly settings: MetricsSettings & { url: string }) {
    const points = (settings.lookbackMinutes * 60) / settings.stepSeconds;
    if (points > MAX_POINTS)
      throw new KubeOpsError(
        'config_invalid',
        400,
        `metrics.stepSeconds: ${settings.stepSeconds}s over metrics.lookbackMinutes ${settings.lookbackMinutes} gives ${Math.ceil(points)} points a series; servers accept at most ${MAX_POINTS}`,
        { details: { field: 'metrics.stepSeconds' } },
      );
    this.api = new PrometheusApi(settings);
  }

  selector(scope: MetricsScope): string {
    return containerSelector(this.settings.clusterLabel, scope);
  }

  async collect(scope: MetricsScope, now: Date, signal?: AbortSignal): Promise<ContainerMetrics> {
    const { lookbackMinutes, stepSeconds } = this.settings;
    const start = new Date(now.getTime() - lookbackMinutes * 60_000);
    const rateWindow = `${Math.max(stepSeconds, MIN_RATE_WINDOW_SECONDS)}s`;
    const selector = this.selector(scope);
    const answers = await Promise.allSettled(
      QUERIES.map((q) =>
        this.api.queryRange({
          query: q.promql(selector, rateWindow),
          start,
          end: now,
          stepSeconds,
          signal,
        }),
      ),
    );
    const series: MetricSeries[] = [];
    const failures: MetricFailure[] = [];
    answers.forEach((answer, i) => {
      const { metric } = QUERIES[i]!;
      if (answer.status === 'rejected') {
        const error: unknown = answer.reason;
        failures.push({ metric, reason: error instanceof Error ? error.message : String(error) });
        return;
      }
      for (const raw of answer.value) {
        const shaped = shape(metric, raw);
        if (shaped) series.push(shaped);
      }
    });
    return { series, failures };
  }
}

function shape(metric: MetricName, raw: RangeSeries): MetricSeries | undefined {
  const { namespace, pod, container } = raw.metric;
  if (!namespace || !pod) return undefined;
  const points = raw.values
    .map(([t, v]) => ({ t: Math.round(t * 1000), v: Number(v) }))
    // A ratio over a container with no CFS periods is NaN: no sample, not a zero.
    .filter((p) => Number.isFinite(p.v));
  if (points.length === 0) return undefined;
  return { metric, namespace, kind: 'Pod', name: pod, ...(container ? { container } : {}), points };
}

/** The provider when `metrics.url` is configured; without it, runs inspect without metrics. */
export function containerMetricsOf(
  settings: MetricsSettings,
): ContainerMetricsProvider | undefined {
  if (!settings.url) return undefined;
  return new ContainerMetricsProvider({ ...settings, url: settings.url });
}
