import type { Finding, InspectionResult, Severity } from '@kubeops/inspect';
import type { SkippedKind } from '../collect/snapshot-collector.js';
import { locationKey, type SourceLocation } from '../manifests.js';

/** One inspection as the CLI prints it, whatever the format. */
export interface InspectionReport {
  /** What was inspected, e.g. `context kind-dev` or `manifests chart.yaml`. */
  target: string;
  result: InspectionResult;
  /** Where each manifest object was declared (manifest mode). */
  locations?: Map<string, SourceLocation> | undefined;
  /** Kinds a live collection could not list. */
  skipped?: SkippedKind[] | undefined;
  /** Findings at or above this severity fail the run. */
  failOn?: Severity | undefined;
  /** The time of the snapshot (ISO). */
  time: string;
}

export function describeResource(finding: Finding): string {
  const r = finding.resource;
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}

export function locationOf(report: InspectionReport, finding: Finding): SourceLocation | undefined {
  const r = finding.resource;
  return report.locations?.get(locationKey(r.kind, r.namespace, r.name));
}
