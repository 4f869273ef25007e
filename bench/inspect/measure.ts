import { getHeapStatistics } from 'node:v8';
import {
  runInspection,
  type InspectionResult,
  type KubeObject,
  type Snapshot,
} from '@kubeops/inspect';

export interface RulePhase {
  runs: number;
  bestMs: number;
  worstMs: number;
  /** CPU time of the worst run: what the rule phase costs when the machine is not shared. */
  cpuMs: number;
  /** Heap in use before the run, after a full collection. */
  heapBefore: number;
  /** Highest heap in use, sampled after every rule of every run. */
  heapPeak: number;
  /** Heap the last result keeps alive after a full collection (the snapshot aside). */
  retained: number;
  peakRss: number;
  result: InspectionResult;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heapUsed = () => getHeapStatistics().used_heap_size;

/**
 * Times runInspection on fresh copies of the snapshot: the engine caches
 * per-object work (templates, conditions) on the objects themselves, and a
 * real run always meets objects it has never seen. The first, untimed run
 * compiles the engine, as a long-running inspector would have done.
 */
export function measureRulePhase(snapshot: Snapshot, runs: number): RulePhase {
  runInspection(structuredClone(snapshot));
  const times: number[] = [];
  const cpu: number[] = [];
  let heapBefore = 0;
  let lastBefore = 0;
  let heapPeak = 0;
  let result: InspectionResult | undefined;
  for (let i = 0; i < runs; i++) {
    const fresh = structuredClone(snapshot);
    result = undefined;
    gc();
    const before = heapUsed();
    heapBefore = Math.max(heapBefore, before);
    lastBefore = before;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    result = runInspection(fresh, {
      onRule: () => {
        heapPeak = Math.max(heapPeak, heapUsed());
      },
    });
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  gc();
  const retained = heapUsed() - lastBefore;
  return {
    runs,
    bestMs: Math.min(...times),
    worstMs: Math.max(...times),
    cpuMs: cpu[times.indexOf(Math.max(...times))]!,
    heapBefore,
    heapPeak,
    retained,
    peakRss: process.resourceUsage().maxRSS * 1024,
    result: result!,
  };
}

const CONTROLLERS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicationController',
]);

/** The same pods with their controllers and owner references gone: every pod stands alone. */
export function withoutOwners(snapshot: Snapshot): Snapshot {
  const objects: KubeObject[] = [];
  for (const object of snapshot.objects) {
    if (CONTROLLERS.has(object.kind)) continue;
    if (object.kind !== 'Pod') {
      objects.push(object);
      continue;
    }
    const { ownerReferences: _dropped, ...metadata } = object.metadata;
    objects.push({ ...object, metadata });
  }
  return { ...snapshot, objects };
}
