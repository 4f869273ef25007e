import {
  atLeast,
  runInspection,
  summarize,
  type InspectOptions,
  type Severity,
  type Snapshot,
} from '@kubeops/inspect';
import { KubeClient } from '../kube/kube-client.js';
import { endpointFromKubeconfig } from './collect/kubeconfig-endpoint.js';
import { SnapshotCollector, type SkippedKind } from './collect/snapshot-collector.js';
import type { InspectionReport } from './formats/index.js';
import { loadManifests, type SourceLocation } from './manifests.js';
import { ScopeFilter } from './scope.js';

export type InspectionSource =
  | {
      kind: 'manifests';
      paths: string[];
      namespace?: string | undefined;
      stdin?: NodeJS.ReadableStream;
    }
  | {
      kind: 'cluster';
      kubeconfig?: string | undefined;
      context?: string | undefined;
      namespace?: string | undefined;
    };

export interface InspectRequest {
  source: InspectionSource;
  /** Rule ids or globs; all rules by default. */
  rules?: string[] | undefined;
  minSeverity?: Severity | undefined;
  failOn?: Severity | undefined;
  options?: InspectOptions | undefined;
  now?: Date;
}

export interface InspectOutcome {
  report: InspectionReport;
  /** True when a finding at or above failOn exists (before min-severity hides any). */
  failed: boolean;
}

interface Gathered {
  target: string;
  snapshot: Snapshot;
  locations?: Map<string, SourceLocation>;
  skipped?: SkippedKind[];
  namespace?: string | undefined;
}

async function gather(request: InspectRequest): Promise<Gathered> {
  const now = request.now ?? new Date();
  const source = request.source;
  if (source.kind === 'manifests') {
    const set = await loadManifests(source.paths, {
      defaultNamespace: source.namespace,
      ...(source.stdin ? { stdin: source.stdin } : {}),
    });
    return {
      target: `manifests ${set.files.join(', ')}`,
      snapshot: { objects: set.objects, now: now.toISOString(), source: 'manifests' },
      locations: set.locations,
    };
  }
  const { endpoint, context } = await endpointFromKubeconfig(source);
  const client = new KubeClient(endpoint);
  try {
    const collection = await new SnapshotCollector(client).collect({
      namespace: source.namespace,
      now,
    });
    return {
      target: `context ${context}${source.namespace ? ` namespace ${source.namespace}` : ''}`,
      snapshot: collection.snapshot,
      skipped: collection.skipped,
      namespace: source.namespace,
    };
  } finally {
    client.close();
  }
}

/** One `kubeops inspect`: gather the snapshot, run the engine, decide pass or fail. */
export async function inspectSource(request: InspectRequest): Promise<InspectOutcome> {
  const gathered = await gather(request);
  const snapshot: Snapshot = request.options
    ? { ...gathered.snapshot, options: request.options }
    : gathered.snapshot;
  const result = runInspection(snapshot, request.rules ? { rules: request.rules } : {});
  if (gathered.namespace) {
    const scope = new ScopeFilter(snapshot, { namespace: gathered.namespace });
    result.findings = result.findings.filter((f) => scope.includes(f));
    result.summary = summarize(result.findings, snapshot.objects.length);
  }
  const failOn = request.failOn;
  const failed = failOn !== undefined && result.findings.some((f) => atLeast(f.severity, failOn));
  const minSeverity = request.minSeverity;
  if (minSeverity)
    result.findings = result.findings.filter((f) => atLeast(f.severity, minSeverity));
  return {
    failed,
    report: {
      target: gathered.target,
      result,
      locations: gathered.locations,
      skipped: gathered.skipped,
      failOn,
      time: snapshot.now,
    },
  };
}
