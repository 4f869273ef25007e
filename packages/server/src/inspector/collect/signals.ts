import { SnapshotIndex, type MetricSeries, type Snapshot } from '@kubeops/inspect';
import type { KubeClient } from '../../kube/kube-client.js';
import type { ContainerMetricsProvider } from '../../providers/metrics/index.js';
import {
  collectLogSamples,
  DEFAULT_LOG_SAMPLE_LIMITS,
  type LogSampleLimits,
  type PodFilter,
} from './log-samples.js';
import type { Collection } from './snapshot-collector.js';

export interface SignalSources {
  client: KubeClient;
  /** Absent when no metrics server is configured: the usage rules stay quiet. */
  metrics?: ContainerMetricsProvider | undefined;
  cluster: string;
  namespace?: string | undefined;
  /** A workload-scoped run reads only the logs of that workload's pods. */
  workload?: { kind: string; name: string } | null | undefined;
  logLimits?: LogSampleLimits;
  signal?: AbortSignal;
}

/**
 * Adds what the object listing cannot give to a collection: metric history
 * and log samples. Neither is essential to a run, so a source that fails is
 * reported in `skipped` (shown with the run) and the run goes on without it.
 */
export async function addSignals(collection: Collection, sources: SignalSources): Promise<void> {
  const { snapshot, skipped } = collection;
  const now = new Date(snapshot.now);
  const [metrics, logs] = await Promise.all([
    sources.metrics?.collect(
      { cluster: sources.cluster, namespace: sources.namespace },
      now,
      sources.signal,
    ),
    collectLogSamples(
      sources.client,
      snapshot,
      sources.logLimits ?? DEFAULT_LOG_SAMPLE_LIMITS,
      sources.workload ? ownedBy(snapshot, sources.workload) : undefined,
      sources.signal,
    ),
  ]);
  if (metrics) {
    snapshot.metrics = ofListedPods(metrics.series, collection);
    for (const failure of metrics.failures)
      skipped.push({ kind: `metrics ${failure.metric}`, reason: failure.reason });
  }
  snapshot.logs = logs.samples;
  if (logs.forbidden) skipped.push({ kind: 'pod logs', reason: logs.forbidden });
}

function ownedBy(snapshot: Snapshot, workload: { kind: string; name: string }): PodFilter {
  const index = new SnapshotIndex(snapshot);
  return (pod) => {
    const top = index.topOwner(pod);
    return top.kind === workload.kind && top.metadata.name === workload.name;
  };
}

/** Series of pods gone from the cluster cannot be tied to a workload; they only cost memory. */
function ofListedPods(series: MetricSeries[], collection: Collection): MetricSeries[] {
  const pods = new Set(
    collection.snapshot.objects
      .filter((o) => o.kind === 'Pod')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
  );
  return series.filter((s) => pods.has(`${s.namespace}/${s.name}`));
}
