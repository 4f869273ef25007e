import type { KubeObject, LogSample, Snapshot } from '@kubeops/inspect';
import { KubeOpsError } from '../../core/errors.js';
import type { KubeClient } from '../../kube/kube-client.js';
import { apiPath } from '../../kube/api-path.js';

export interface LogSampleLimits {
  /** Pods read per run, the most troubled first. */
  maxPods: number;
  /** Lines read from the end of each container's log. */
  tailLines: number;
  /** Bytes read at most per container, whatever the line count. */
  limitBytes: number;
  parallel: number;
  timeoutMs: number;
}

export const DEFAULT_LOG_SAMPLE_LIMITS: LogSampleLimits = {
  maxPods: 50,
  tailLines: 200,
  limitBytes: 256 * 1024,
  parallel: 4,
  timeoutMs: 10_000,
};

export interface LogSamples {
  samples: LogSample[];
  /** Set when the credentials may not read pod logs at all. */
  forbidden?: string;
}

interface Candidate {
  pod: KubeObject;
  score: number;
}

type ContainerStatus = { name?: string; restartCount?: number; ready?: boolean };

const statusOf = (pod: KubeObject) =>
  (pod.status ?? {}) as {
    phase?: string;
    conditions?: Array<{ type?: string; status?: string }>;
    containerStatuses?: ContainerStatus[];
  };

/**
 * How much a pod's logs are worth reading: restarts, readiness and warning
 * events are where new error lines come from. Healthy pods score 0 and are
 * not read, which keeps a run on a large cluster to a few dozen log reads.
 */
function troubleScore(pod: KubeObject, warnings: Map<string, number>): number {
  const status = statusOf(pod);
  if (status.phase === 'Succeeded') return 0;
  const restarts = (status.containerStatuses ?? []).reduce(
    (sum, c) => sum + (c.restartCount ?? 0),
    0,
  );
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const notReady = ready !== undefined && ready.status !== 'True' ? 1 : 0;
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  return restarts + notReady + (warnings.get(key) ?? 0);
}

function warningCounts(events: KubeObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const e = event as KubeObject & {
      type?: string;
      involvedObject?: { kind?: string; namespace?: string; name?: string };
      regarding?: { kind?: string; namespace?: string; name?: string };
    };
    const about = e.involvedObject ?? e.regarding;
    if (e.type !== 'Warning' || about?.kind !== 'Pod') continue;
    const key = `${about.namespace ?? event.metadata.namespace}/${about.name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Which pods a run may read; all of the snapshot's by default. */
export type PodFilter = (pod: KubeObject) => boolean;

/** The pods whose logs a run reads, the most troubled first. */
export function podsToSample(
  snapshot: Snapshot,
  maxPods: number,
  inScope: PodFilter = () => true,
): KubeObject[] {
  const warnings = warningCounts(snapshot.events ?? []);
  const candidates: Candidate[] = [];
  for (const object of snapshot.objects) {
    if (object.kind !== 'Pod' || !inScope(object)) continue;
    const score = troubleScore(object, warnings);
    if (score > 0) candidates.push({ pod: object, score });
  }
  return candidates
    .sort((a, b) => b.score - a.score)
    .slice(0, maxPods)
    .map((c) => c.pod);
}

/**
 * Reads the tail of each container's log of the pods the engine cares about,
 * through the same cluster client the collector lists with. A container
 * whose log cannot be read (not started yet, node gone) is skipped; only a
 * refusal to read logs at all is reported.
 */
export async function collectLogSamples(
  client: KubeClient,
  snapshot: Snapshot,
  limits: LogSampleLimits = DEFAULT_LOG_SAMPLE_LIMITS,
  inScope?: PodFilter,
  signal?: AbortSignal,
): Promise<LogSamples> {
  const reads = podsToSample(snapshot, limits.maxPods, inScope).flatMap((pod) =>
    containerNames(pod).map((container) => ({ pod, container })),
  );
  const samples: LogSample[] = [];
  let forbidden: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < reads.length && !forbidden) {
      const { pod, container } = reads[next++]!;
      const namespace = pod.metadata.namespace ?? '';
      const name = pod.metadata.name ?? '';
      try {
        const lines = await readLog(client, namespace, name, container, limits, signal);
        if (lines.length > 0) samples.push({ namespace, pod: name, container, lines });
      } catch (error) {
        if (error instanceof KubeOpsError && error.status === 403)
          forbidden = 'forbidden: the credentials may not read pod logs';
      }
    }
  };
  await Promise.all(Array.from({ length: limits.parallel }, worker));
  samples.sort((a, b) =>
    `${a.namespace}/${a.pod}/${a.container}`.localeCompare(
      `${b.namespace}/${b.pod}/${b.container}`,
    ),
  );
  return forbidden ? { samples, forbidden } : { samples };
}

function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name?: string }> };
  return (spec.containers ?? []).flatMap((c) => (c.name ? [c.name] : []));
}

/** The current log; for a container that is down between restarts, the previous one. */
async function readLog(
  client: KubeClient,
  namespace: string,
  pod: string,
  container: string,
  limits: LogSampleLimits,
  signal?: AbortSignal,
): Promise<string[]> {
  const read = (previous: boolean) =>
    client.request<string | undefined>({
      path: apiPath('api', 'v1', 'namespaces', namespace, 'pods', pod, 'log'),
      query: {
        container,
        tailLines: limits.tailLines,
        limitBytes: limits.limitBytes,
        previous: previous ? 'true' : undefined,
      },
      // The log endpoint answers text/plain but refuses to list it among accepted types.
      accept: '*/*',
      timeoutMs: limits.timeoutMs,
      signal,
    });
  const text = await read(false).catch(async (error: unknown) => {
    if (error instanceof KubeOpsError && error.status === 400) return read(true);
    throw error;
  });
  return typeof text === 'string' ? text.split('\n').filter((line) => line.trim() !== '') : [];
}
