import type { Category, Evidence, Remediation, ResourceRef, Severity } from './finding.js';
import { globMatch } from './glob.js';
import { labelsOf, nameOf, str, num } from './kube/fields.js';
import type { ResolvedOptions } from './options.js';
import type { SnapshotIndex } from './snapshot-index.js';
import type { KubeObject } from './snapshot.js';

/** What a rule reports; the runner adds the rule id, category and fingerprint. */
export interface FindingDraft {
  object: KubeObject | ResourceRef;
  /** What distinguishes this finding from others of the same rule on the same object (e.g. a container). */
  detail?: string;
  severity?: Severity;
  title?: string;
  message: string;
  evidence?: Evidence[];
  remediation: Remediation;
}

export interface RuleContext {
  index: SnapshotIndex;
  options: ResolvedOptions;
  /** Snapshot time in epoch milliseconds. */
  now: number;
  isProduction(object: KubeObject): boolean;
  isSystemNamespace(namespace: string | undefined): boolean;
}

export interface Rule {
  id: string;
  category: Category;
  defaultSeverity: Severity;
  title: string;
  description: string;
  check(context: RuleContext): FindingDraft[];
}

export function createContext(index: SnapshotIndex, options: ResolvedOptions): RuleContext {
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of index.ofKind('Namespace')) namespaceLabels.set(nameOf(ns), labelsOf(ns));
  const wanted = Object.entries(options.productionLabels);
  const hasLabels = (labels: Record<string, string>) =>
    wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
  return {
    index,
    options,
    now: index.now,
    isSystemNamespace(namespace) {
      return (
        namespace !== undefined && options.systemNamespaces.some((p) => globMatch(p, namespace))
      );
    },
    isProduction(object) {
      const namespace = object.metadata.namespace;
      if (namespace && options.productionNamespaces.some((p) => globMatch(p, namespace)))
        return true;
      if (hasLabels(labelsOf(object))) return true;
      return namespace !== undefined && hasLabels(namespaceLabels.get(namespace) ?? {});
    },
  };
}

/** Evidence from an Event, keeping what a person needs to recognise it. */
export function eventEvidence(event: KubeObject): Evidence {
  const reason = str(event, 'reason') ?? '';
  const message = str(event, 'message') ?? str(event, 'note') ?? '';
  const count = num(event, 'count') ?? num(event, 'series', 'count');
  const last = str(event, 'lastTimestamp') ?? str(event, 'eventTime');
  return {
    type: 'event',
    text: `${reason}: ${message}`.trim(),
    value: { reason, type: str(event, 'type'), count, lastTimestamp: last },
  };
}

/** The most recent events of `object` with one of the given reasons, newest first. */
export function eventsWithReason(
  index: SnapshotIndex,
  object: KubeObject,
  reasons: string[],
): KubeObject[] {
  const stamp = (e: KubeObject) =>
    str(e, 'lastTimestamp') ?? str(e, 'eventTime') ?? str(e, 'metadata', 'creationTimestamp') ?? '';
  return index
    .eventsFor(object)
    .filter((e) => reasons.includes(str(e, 'reason') ?? ''))
    .sort((a, b) => stamp(b).localeCompare(stamp(a)));
}
