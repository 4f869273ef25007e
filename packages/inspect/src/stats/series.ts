import { timeOf } from '../kube/fields.js';
import type { SnapshotIndex } from '../snapshot-index.js';
import type { KubeObject, MetricName, MetricSeries } from '../snapshot.js';
import type { Sample } from './stats.js';

// Several rules read the same series; parsing ISO times once per series matters at scale.
const parsed = new WeakMap<MetricSeries, Sample[]>();

/** The series' valid samples in time order (cached; callers must not mutate the result). */
export function samplesOf(series: MetricSeries): Sample[] {
  const cached = parsed.get(series);
  if (cached) return cached;
  const out = readSamples(series);
  parsed.set(series, out);
  return out;
}

function readSamples(series: MetricSeries): Sample[] {
  const out: Sample[] = [];
  for (const point of series.points) {
    const t = timeOf(point.t);
    if (t !== undefined && Number.isFinite(point.v)) out.push({ t, v: point.v });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** All series of one metric that belong to one container of one workload. */
export interface WorkloadSeries {
  workload: KubeObject;
  container: string;
  series: MetricSeries[];
}

/**
 * Groups series by the top-level workload of the object they were scraped
 * from, so pods that come and go feed one history (as VPA does), and the
 * finding names the object a person would change.
 */
export function seriesByWorkload(index: SnapshotIndex, metric: MetricName): WorkloadSeries[] {
  return index.memo(`series:${metric}`, () => {
    const groups = new Map<string, WorkloadSeries>();
    for (const series of index.snapshot.metrics ?? []) {
      if (series.metric !== metric) continue;
      const object = index.get(series.kind, series.namespace, series.name);
      if (!object) continue;
      const workload = index.topOwner(object);
      const container = series.container ?? '';
      const id = `${workload.kind}/${workload.metadata.namespace}/${workload.metadata.name}/${container}`;
      const group = groups.get(id);
      if (group) group.series.push(series);
      else groups.set(id, { workload, container, series: [series] });
    }
    return [...groups.values()];
  });
}

export function allSamples(group: WorkloadSeries): Sample[] {
  return group.series.flatMap(samplesOf);
}
