import { describe, field, refOf } from '../../kube/fields.js';
import {
  formatSelector,
  isEmptySelector,
  matchesSelector,
  parseLabelSelector,
} from '../../kube/selector.js';
import { podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';

const SELECTING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'];

/**
 * kube-score's deployment- and statefulset-pod-selector-labels-match-template-metadata-labels
 * (kube-linter's mismatching-selector): the controller owns the pods its
 * selector matches, so a template whose labels it does not match is refused
 * by the API server, and a manifest with it never applies.
 */
export const selectorMatchesTemplate: Rule = {
  id: 'pod-selector-labels-match-template-metadata-labels',
  category: 'configuration',
  defaultSeverity: 'high',
  title: "Workload selector does not match its pod template's labels",
  description:
    'A Deployment, StatefulSet, DaemonSet or ReplicaSet whose spec.selector does not match the labels of its own pod template is rejected by the API server.',
  check({ index }) {
    return index.ofKind(...SELECTING_KINDS).flatMap((workload): FindingDraft[] => {
      const template = podTemplateOf(workload);
      if (!template) return [];
      const selector = parseLabelSelector(field(workload, 'spec', 'selector'));
      const missing = !selector || isEmptySelector(selector);
      if (!missing && matchesSelector(selector, template.labels)) return [];
      return [
        {
          object: workload,
          message: missing
            ? `${describe(refOf(workload))} has no spec.selector, so the API server rejects it.`
            : `${describe(refOf(workload))} selects pods with ${formatSelector(selector)}, which its own pod template's labels do not match, so the API server rejects it.`,
          evidence: [
            {
              type: 'field',
              path: 'spec.selector',
              value: field(workload, 'spec', 'selector') ?? null,
            },
            {
              type: 'field',
              path: `${template.path.join('.')}.metadata.labels`,
              value: template.labels,
            },
          ],
          remediation: {
            summary: "Make spec.selector.matchLabels a subset of the pod template's labels.",
            steps: [
              'The selector of an existing workload cannot be changed: fix the template labels, or recreate the workload.',
            ],
          },
        },
      ];
    });
  },
};

export const selectorRules: Rule[] = [selectorMatchesTemplate];
