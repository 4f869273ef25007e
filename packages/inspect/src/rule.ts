import {
  SEVERITIES as SEVERITY_ORDER,
  type Category,
  type Evidence,
  type Remediation,
  type ResourceRef,
  type Severity,
} from './finding.js';
import { globMatch } from './glob.js';
import { labelsOf, nameOf, str, num } from './kube/fields.js';
import type { SnapshotIndex } from './snapshot-index.js';
import { PROFILES, type ResolvedOptions } from './options.js';
import type { KubeObject, Profile } from './snapshot.js';

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
  /**
   * The least opinionated profile the rule belongs to; `default` when unset.
   * Checks of house style rather than defects belong to `strict`.
   */
  profile?: Profile;
  check(context: RuleContext): FindingDraft[];
}

/** Whether `rule` runs under `profile` (every profile includes the less opinionated ones). */
export function inProfile(rule: Rule, profile: Profile): boolean {
  return PROFILES.indexOf(rule.profile ?? 'default') <= PROFILES.indexOf(profile);
}

export function createContext(index: SnapshotIndex, options: ResolvedOptions): RuleContext {
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const ns of index.ofKind('Namespace')) namespaceLabels.set(nameOf(ns), labelsOf(ns));
  const wanted = Object.entries(options.productionLabels);
  const hasLabels = (labels: Record<string, string>) =>
    wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
  // Asked once per workload by most rules; namespaces are few.
  const system = new Map<string, boolean>();
  return {
    index,
    options,
    now: index.now,
    isSystemNamespace(namespace) {
      if (namespace === undefined) return false;
      let answer = system.get(namespace);
      if (answer === undefined) {
        answer = options.systemNamespaces.some((p) => globMatch(p, namespace));
        system.set(namespace, answer);
      }
      return answer;
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

/**
 * Folds findings about pods into one finding per owning workload (and
 * detail, e.g. container). Pods are replaced all the time; the workload is
 * what a person fixes, and its identity keeps the fingerprint stable across
 * pod restarts, so a crash loop in 40 replicas is one finding, not 40.
 */
export function groupPodsByOwner(index: SnapshotIndex, drafts: FindingDraft[]): FindingDraft[] {
  const out: FindingDraft[] = [];
  const groups = new Map<string, { owner: KubeObject; drafts: FindingDraft[] }>();
  for (const draft of drafts) {
    const pod = 'metadata' in draft.object ? draft.object : undefined;
    const owner = pod ? index.topOwner(pod) : undefined;
    if (!pod || !owner || owner === pod) {
      out.push(draft);
      continue;
    }
    const id = `${owner.kind}/${owner.metadata.namespace}/${nameOf(owner)}/${draft.detail ?? ''}`;
    const group = groups.get(id) ?? { owner, drafts: [] };
    group.drafts.push(draft);
    groups.set(id, group);
  }
  for (const { owner, drafts: members } of groups.values()) {
    const first = members[0]!;
    const pods = members.map((d) => ('metadata' in d.object ? nameOf(d.object) : d.object.name));
    const others = pods.length - 1;
    out.push({
      ...first,
      object: owner,
      severity: members.reduce<Severity | undefined>((worst, d) => {
        if (d.severity === undefined) return worst;
        return worst === undefined ||
          SEVERITY_ORDER.indexOf(d.severity) < SEVERITY_ORDER.indexOf(worst)
          ? d.severity
          : worst;
      }, undefined),
      message:
        others === 0
          ? first.message
          : `${first.message} The same applies to ${others} more pod${others === 1 ? '' : 's'} of ${owner.kind} ${nameOf(owner)}.`,
      evidence: [
        ...(first.evidence ?? []),
        {
          type: 'object',
          text: `affected pods of ${owner.kind} ${nameOf(owner)}`,
          value: pods.sort(),
        },
      ],
    });
  }
  return out;
}

/** A pod rule whose findings are grouped per owning workload. */
export function perOwner(rule: Rule): Rule {
  return { ...rule, check: (context) => groupPodsByOwner(context.index, rule.check(context)) };
}
