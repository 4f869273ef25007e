import type { Finding } from './finding.js';
import { globMatch } from './glob.js';
import { annotationsOf, describe, isRecord, labelsOf, timeOf } from './kube/fields.js';
import { matchesSelector, parseLabelSelector, selectorFromMap } from './kube/selector.js';
import type { SnapshotIndex } from './snapshot-index.js';
import type { KubeObject } from './snapshot.js';

export const IGNORE_ANNOTATION = 'kubeops.io/ignore';
export const IGNORE_REASON_ANNOTATION = 'kubeops.io/ignore-reason';
export const IGNORE_UNTIL_ANNOTATION = 'kubeops.io/ignore-until';

/**
 * A decision, made by a person, that some findings are accepted. Every field
 * that narrows the exemption must match; an exemption with none of them
 * would silence everything and is ignored.
 */
export interface Exemption {
  id: string;
  reason: string;
  /** ISO time after which the exemption no longer applies. */
  expiresAt: string;
  /** Rule ids, globs allowed. */
  ruleIds?: string[];
  /** Resource identity, globs allowed in every field. */
  resource?: { kind?: string; namespace?: string; name?: string };
  /** A metav1.LabelSelector or a plain map of labels, matched against the object's labels. */
  labelSelector?: unknown;
  createdBy?: string;
}

export interface AppliedExemption {
  id: string;
  source: 'exemption' | 'annotation';
  reason: string;
  expiresAt?: string;
}

export interface SuppressedFinding {
  finding: Finding;
  exemption: AppliedExemption;
}

function narrows(exemption: Exemption): boolean {
  return (
    (exemption.ruleIds?.length ?? 0) > 0 ||
    exemption.resource !== undefined ||
    exemption.labelSelector !== undefined
  );
}

function matchesExemption(exemption: Exemption, finding: Finding, object: KubeObject | undefined) {
  if (exemption.ruleIds?.length && !exemption.ruleIds.some((p) => globMatch(p, finding.ruleId))) {
    return false;
  }
  const resource = exemption.resource;
  if (resource) {
    if (resource.kind && !globMatch(resource.kind, finding.resource.kind)) return false;
    if (resource.namespace && !globMatch(resource.namespace, finding.resource.namespace ?? '')) {
      return false;
    }
    if (resource.name && !globMatch(resource.name, finding.resource.name)) return false;
  }
  if (exemption.labelSelector !== undefined) {
    const raw = exemption.labelSelector;
    if (!isRecord(raw)) return false;
    const selector =
      'matchLabels' in raw || 'matchExpressions' in raw
        ? parseLabelSelector(raw)
        : selectorFromMap(raw);
    if (!selector || !object || !matchesSelector(selector, labelsOf(object))) return false;
  }
  return true;
}

/** Matches findings against exemptions and `kubeops.io/ignore` annotations. */
export class ExemptionMatcher {
  private readonly active: Exemption[];
  readonly expired: Exemption[];
  /** Most snapshots carry no ignore annotation at all; then no finding needs its owner looked up. */
  private readonly annotations: boolean;

  constructor(
    exemptions: Exemption[],
    private readonly index: SnapshotIndex,
  ) {
    const now = index.now;
    const usable = exemptions.filter(narrows);
    this.active = usable.filter((e) => (timeOf(e.expiresAt) ?? -Infinity) > now);
    this.expired = usable.filter((e) => !this.active.includes(e));
    this.annotations = index.snapshot.objects.some(
      (o) => o.metadata.annotations?.[IGNORE_ANNOTATION] !== undefined,
    );
  }

  match(finding: Finding, object: KubeObject | undefined): AppliedExemption | undefined {
    if (this.active.length === 0 && !this.annotations) return undefined;
    const exemption = this.active.find((e) => matchesExemption(e, finding, object));
    if (exemption) {
      return {
        id: exemption.id,
        source: 'exemption',
        reason: exemption.reason,
        expiresAt: exemption.expiresAt,
      };
    }
    return object && this.annotations ? this.annotated(finding, object) : undefined;
  }

  /** The annotation counts on the object itself and on the workload that owns it. */
  private annotated(finding: Finding, object: KubeObject): AppliedExemption | undefined {
    const owner = this.index.topOwner(object);
    for (const candidate of owner === object ? [object] : [object, owner]) {
      const annotations = annotationsOf(candidate);
      const value = annotations[IGNORE_ANNOTATION];
      if (!value) continue;
      const until = annotations[IGNORE_UNTIL_ANNOTATION];
      if (until !== undefined && (timeOf(until) ?? -Infinity) <= this.index.now) continue;
      const rules = value
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      if (!rules.some((p) => globMatch(p, finding.ruleId))) continue;
      const applied: AppliedExemption = {
        id: `annotation:${describe({ kind: candidate.kind, namespace: candidate.metadata.namespace, name: candidate.metadata.name ?? '' })}`,
        source: 'annotation',
        reason: annotations[IGNORE_REASON_ANNOTATION] ?? `annotated ${IGNORE_ANNOTATION}: ${value}`,
      };
      if (until !== undefined) applied.expiresAt = until;
      return applied;
    }
    return undefined;
  }
}
