import type { Remediation } from '../../finding.js';
import {
  conditionsOf,
  hasStatus,
  isRecord,
  list,
  record,
  num,
  refOf,
  str,
  timeOf,
  type Json,
} from '../../kube/fields.js';
import { containersOf, containerPatch, podTemplateOf } from '../../kube/workloads.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import type { KubeObject } from '../../snapshot.js';

export interface ContainerStatus {
  name: string;
  init: boolean;
  status: Json;
  // Read once here because every pod rule looks at them for every container.
  waitingReason: string | undefined;
  /** The last termination: of the previous run, or of the current one if it ended. */
  lastTerminated: Json | undefined;
  ready: boolean;
  running: boolean;
}

const statuses = new WeakMap<KubeObject, ContainerStatus[]>();

/** Init and app container statuses of a pod (cached: every pod rule reads them). */
export function containerStatuses(pod: KubeObject): ContainerStatus[] {
  let cached = statuses.get(pod);
  if (!cached) {
    cached = readStatuses(pod);
    statuses.set(pod, cached);
  }
  return cached;
}

function readStatus(status: Json, init: boolean): ContainerStatus {
  const state = record(status, 'state');
  return {
    name: str(status, 'name') ?? '',
    init,
    status,
    waitingReason: str(state, 'waiting', 'reason'),
    lastTerminated: record(status, 'lastState', 'terminated') ?? record(state, 'terminated'),
    ready: status.ready === true,
    running: isRecord(state?.running),
  };
}

function readStatuses(pod: KubeObject): ContainerStatus[] {
  const out: ContainerStatus[] = [];
  for (const status of list(pod, 'status', 'initContainerStatuses'))
    out.push(readStatus(status, true));
  for (const status of list(pod, 'status', 'containerStatuses'))
    out.push(readStatus(status, false));
  return out;
}

export interface PodState {
  pod: KubeObject;
  phase: string | undefined;
  containers: ContainerStatus[];
}

/** Live pods with their phase and container states, read once per inspection. */
export function podStates(index: SnapshotIndex): PodState[] {
  return index.memo('podStates', () =>
    livePods(index).map((pod) => ({
      pod,
      phase: phaseOf(pod),
      containers: containerStatuses(pod),
    })),
  );
}

/** Live pods grouped by phase, read once per inspection. */
export function podsByPhase(index: SnapshotIndex): Map<string | undefined, KubeObject[]> {
  return index.memo('podsByPhase', () => {
    const byPhase = new Map<string | undefined, KubeObject[]>();
    for (const { pod, phase } of podStates(index)) {
      const bucket = byPhase.get(phase);
      if (bucket) bucket.push(pod);
      else byPhase.set(phase, [pod]);
    }
    return byPhase;
  });
}

/** Pods that report a status; declared pods in manifests have none and are skipped. */
export function livePods(index: SnapshotIndex): KubeObject[] {
  return index.memo('livePods', () => index.ofKind('Pod').filter(hasStatus));
}

export function phaseOf(pod: KubeObject): string | undefined {
  return str(pod, 'status', 'phase');
}

/** How long (ms) the pod's condition of `type` has been in its current state. */
export function conditionAge(pod: KubeObject, type: string, now: number): number | undefined {
  const since = timeOf(conditionsOf(pod).find((c) => c.type === type)?.lastTransitionTime);
  return since === undefined ? undefined : now - since;
}

export function restartCount(status: Json): number {
  return num(status, 'restartCount') ?? 0;
}

/**
 * Pods cannot be edited in place, so a fix for a pod's container is a patch
 * of the workload that owns it, or of the pod for a bare pod.
 */
export function ownerContainerPatch(
  index: SnapshotIndex,
  pod: KubeObject,
  containerName: string,
  body: Json,
): Remediation['patch'] | undefined {
  const owner = index.topOwner(pod);
  if (!podTemplateOf(owner)) return undefined;
  const entry = containersOf(owner, { init: true }).find((c) => c.name === containerName);
  if (!entry) return undefined;
  return { type: 'strategic', target: refOf(owner), body: containerPatch(owner, entry, body) };
}
