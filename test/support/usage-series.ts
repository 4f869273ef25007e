import type { ImportedSeries } from './victoria-metrics.js';

/**
 * Series shaped as cAdvisor and kube-state-metrics expose them, scraped once
 * a minute, for importing into a metrics server: what the usage route and the
 * console's usage panel read, without a scraper in the test.
 */

export const MINUTE = 60_000;

export interface ScrapeWindow {
  /** The value of the `cluster` label (the name KubeOps knows the cluster by). */
  cluster: string;
  /** How far back the first scrape is. */
  minutes: number;
  /** The last scrape, epoch milliseconds; the current whole minute by default, so scrapes line up with query steps. */
  end?: number;
}

/** A figure that is the same at every scrape, or one per minute of the window (0 is the first scrape). */
export type PerMinute = number | ((minute: number) => number);

const atMinute = (figure: PerMinute) => (typeof figure === 'number' ? () => figure : figure);

export function scrapedSeries(window: ScrapeWindow) {
  const end = window.end ?? Math.floor(Date.now() / MINUTE) * MINUTE;
  const timestamps = Array.from(
    { length: window.minutes + 1 },
    (_, i) => end - (window.minutes - i) * MINUTE,
  );

  /** One series of the window's cluster (or `cluster`), a value per scrape. */
  const series = (
    name: string,
    labels: Record<string, string>,
    value: (minute: number) => number,
    cluster = window.cluster,
  ): ImportedSeries => ({
    metric: { __name__: name, cluster, ...labels },
    timestamps,
    values: timestamps.map((_, minute) => value(minute)),
  });

  /** cAdvisor's CPU seconds counter of a container using `cores` through each minute. */
  const cpuSeconds = (labels: Record<string, string>, cores: PerMinute, cluster?: string) => {
    const rate = atMinute(cores);
    const totals: number[] = [];
    let total = 0;
    for (let minute = 0; minute < timestamps.length; minute++) {
      totals.push(total);
      total += rate(minute) * 60;
    }
    return series('container_cpu_usage_seconds_total', labels, (m) => totals[m]!, cluster);
  };

  /** cAdvisor's working set of a container, in bytes. */
  const workingSet = (labels: Record<string, string>, bytes: PerMinute, cluster?: string) =>
    series('container_memory_working_set_bytes', labels, atMinute(bytes), cluster);

  /** kube-state-metrics' CPU (cores) and memory (bytes) requests of a pod's container. */
  const requests = (
    pod: string,
    namespace: string,
    cpu: number,
    memory: number,
    container = 'app',
  ) => [
    series(
      'kube_pod_container_resource_requests',
      { namespace, pod, container, resource: 'cpu', unit: 'core' },
      () => cpu,
    ),
    series(
      'kube_pod_container_resource_requests',
      { namespace, pod, container, resource: 'memory', unit: 'byte' },
      () => memory,
    ),
  ];

  /** kube-state-metrics' phase series of a pod: 1 for its current phase, 0 for the others. */
  const phase = (pod: string, namespace: string, current: string) =>
    ['Pending', 'Running', 'Succeeded', 'Failed'].map((p) =>
      series('kube_pod_status_phase', { namespace, pod, phase: p }, () => (p === current ? 1 : 0)),
    );

  return { end, timestamps, series, cpuSeconds, workingSet, requests, phase };
}
