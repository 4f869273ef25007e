import { describe, field, list, refOf, strings, type Json } from '../../kube/fields.js';
import { formatSelector, matchesSelector, parseLabelSelector } from '../../kube/selector.js';
import { podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

interface AntiAffinityTerm {
  term: Json;
  path: string;
  /** The term's selector matches the workload's own pods (in its own namespace). */
  selectsOwnPods: boolean;
}

/** Every podAntiAffinity term of a workload, required and preferred, and whether it spreads the workload itself. */
export function antiAffinityTerms(workload: KubeObject): AntiAffinityTerm[] {
  const template = podTemplateOf(workload);
  if (!template) return [];
  const anti = field(template.spec, 'affinity', 'podAntiAffinity');
  const base = `${podSpecPath(workload)}.affinity.podAntiAffinity`;
  const terms = [
    ...list(anti, 'requiredDuringSchedulingIgnoredDuringExecution').map((term, i) => ({
      term,
      path: `${base}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`,
    })),
    ...list(anti, 'preferredDuringSchedulingIgnoredDuringExecution').map((weighted, i) => ({
      term: (field(weighted, 'podAffinityTerm') ?? {}) as Json,
      path: `${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm`,
    })),
  ];
  return terms.map(({ term, path }) => {
    const selector = parseLabelSelector(field(term, 'labelSelector'));
    const namespaces = strings(term, 'namespaces');
    const ownNamespace =
      field(term, 'namespaceSelector') !== undefined ||
      namespaces.length === 0 ||
      namespaces.includes(workload.metadata.namespace ?? '');
    return {
      term,
      path,
      selectsOwnPods:
        selector !== undefined && ownNamespace && matchesSelector(selector, template.labels),
    };
  });
}

export const antiAffinitySelectsOtherPods: Rule = {
  id: 'pod-anti-affinity-selects-other-pods',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Pod anti-affinity does not select the workload’s own pods',
  description:
    'A podAntiAffinity term whose labelSelector does not match the pods of its own workload keeps them away from other pods, not from each other: replicas can still share a node.',
  check({ index }) {
    return index.templateWorkloads().flatMap((workload): FindingDraft[] => {
      const terms = antiAffinityTerms(workload);
      // One term spreading the workload is enough; others may keep it away from other apps on purpose.
      if (terms.length === 0 || terms.some((t) => t.selectsOwnPods)) return [];
      const labels = podTemplateOf(workload)?.labels ?? {};
      return [
        {
          object: workload,
          message: `No podAntiAffinity term of ${describe(refOf(workload))} selects its own pods (${Object.entries(
            labels,
          )
            .map(([k, v]) => `${k}=${v}`)
            .join(',')}), so its replicas can still run on one node.`,
          evidence: terms.map((t) => {
            const selector = parseLabelSelector(field(t.term, 'labelSelector'));
            return {
              type: 'field' as const,
              path: `${t.path}.labelSelector`,
              value: selector ? formatSelector(selector) : null,
            };
          }),
          remediation: {
            summary:
              'Make the labelSelector match the pod template’s labels (usually the workload’s selector).',
            steps: ['A copy-pasted term often still names the app it was copied from.'],
          },
        },
      ];
    });
  },
};

export const antiAffinityRules: Rule[] = [antiAffinitySelectsOtherPods];
