import type { Profile } from '@kubeops/contracts';

/**
 * The input of an inspection: everything the rules may look at, gathered by
 * the caller (the server from a live cluster, the CLI from manifests). The
 * engine never fetches anything itself.
 */

/** Any Kubernetes object as the API server returns it (or as a manifest declares it). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Kind-specific fields (spec, status, data, rules, ...) are read through
  // the accessors in kube/fields.ts, so they stay untyped here.
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/** One sample of a metric series; `t` is an ISO time or epoch milliseconds. */
export interface MetricPoint {
  t: string | number;
  v: number;
}

/**
 * Metric names the rules understand. Usage is in cores and bytes; counters
 * are cumulative (resets are tolerated).
 */
export type MetricName =
  | 'cpu.usage'
  | 'memory.workingSet'
  | 'container.restarts'
  | 'cpu.throttledRatio'
  | 'cpu.throttledPeriods'
  | 'cpu.periods';

export interface MetricSeries {
  metric: MetricName;
  namespace: string;
  /** Kind of the object the series belongs to: usually Pod, or a workload kind when aggregated. */
  kind: string;
  name: string;
  container?: string;
  points: MetricPoint[];
}

export interface LogLine {
  t?: string;
  line: string;
}

/** Recent log lines of one container. */
export interface LogSample {
  namespace: string;
  pod: string;
  container?: string;
  lines: Array<string | LogLine>;
}

/** A change recorded by change capture, used to correlate findings with what changed. */
export interface RecentChange {
  at: string;
  kind: string;
  namespace?: string;
  name: string;
  action: 'created' | 'updated' | 'deleted';
  actor?: string;
  summary?: string;
}

/** Prices used to put a money figure on cost findings. */
export interface PriceSheet {
  currency: string;
  /** Price of one vCPU (core) for one hour. */
  cpuCoreHour: number;
  /** Price of one GiB of memory for one hour. */
  memoryGiBHour: number;
  /** Hours in the month the monthly figures use. */
  hoursPerMonth: number;
}

// The vocabulary is the API's, like severities and categories.
export type { Profile };

export interface InspectOptions {
  /**
   * Which set of rules runs: `default` reports defects; `strict` adds the
   * opinionated checks (recommended labels, digests, pull policy Always,
   * priority classes...) that are a matter of house style.
   */
  profile?: Profile;
  /** Namespaces treated as production (globs allowed). */
  productionNamespaces?: string[];
  /** Objects (or their namespace) carrying all of these labels are treated as production. */
  productionLabels?: Record<string, string>;
  priceSheet?: Partial<PriceSheet>;
  /**
   * Namespaces of the platform itself (globs allowed), skipped by the
   * security rules on pods; kube-system, kube-public and kube-node-lease by default.
   */
  systemNamespaces?: string[];
  /** Error-log templates seen before; templates outside this set are reported as new. */
  logBaselineTemplates?: string[];
  /** Tuning for usage-based rules; every field has a default. */
  rightSizing?: Partial<RightSizingOptions>;
  anomaly?: Partial<AnomalyOptions>;
}

export interface RightSizingOptions {
  cpuPercentile: number;
  memoryPercentile: number;
  /** Multiplier on the percentile, like VPA's safety margin. */
  safetyMargin: number;
  /** Report over-provisioning only when request exceeds recommendation by this factor. */
  overProvisionFactor: number;
  minSamples: number;
  /** Ignore savings below this many cores / bytes per replica. */
  minCpuCores: number;
  minMemoryBytes: number;
}

export interface AnomalyOptions {
  restartWindowMinutes: number;
  restartSpikeMinimum: number;
  restartSpikeFactor: number;
  memoryHorizonHours: number;
  memoryMinFit: number;
  throttlingWarnRatio: number;
  throttlingHighRatio: number;
}

export interface Snapshot {
  objects: KubeObject[];
  events?: KubeObject[];
  metrics?: MetricSeries[];
  logs?: LogSample[];
  changes?: RecentChange[];
  /** The time of the snapshot (ISO); rules never read the clock. */
  now: string;
  /**
   * `cluster` objects carry status; `manifests` objects are declarations only,
   * so status rules stay quiet and cross-references to kinds the input does
   * not contain at all are not reported.
   */
  source?: 'cluster' | 'manifests';
  /**
   * For a cluster snapshot: the kinds the caller listed completely. When
   * given, a reference to a missing object is reported only for these kinds
   * (a caller without permission to list Secrets must not produce
   * "Secret missing" findings).
   */
  completeKinds?: string[];
  options?: InspectOptions;
}
