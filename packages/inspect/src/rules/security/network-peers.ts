import { describe, field, list, record, refOf } from '../../kube/fields.js';
import { formatSelector, isEmptySelector, parseLabelSelector } from '../../kube/selector.js';
import type { FindingDraft, Rule } from '../../rule.js';
import { select } from '../reliability/services.js';

const DIRECTIONS = [
  ['ingress', 'from'],
  ['egress', 'to'],
] as const;

/**
 * kube-linter's dangling-networkpolicypeer-podselector: a peer that selects
 * pods of the policy's own namespace by labels no pod carries allows nothing,
 * so the traffic its author meant to allow is dropped.
 */
export const danglingPeerPodSelector: Rule = {
  id: 'dangling-networkpolicypeer-podselector',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'NetworkPolicy peer selects no pods',
  description:
    'A NetworkPolicy rule whose podSelector peer matches no pod in the namespace allows no traffic, usually because of a label typo.',
  check({ index }) {
    return index.ofKind('NetworkPolicy').flatMap((policy): FindingDraft[] => {
      const namespace = policy.metadata.namespace;
      const out: FindingDraft[] = [];
      for (const [direction, side] of DIRECTIONS) {
        list(policy, 'spec', direction).forEach((rule, r) => {
          list(rule, side).forEach((peer, p) => {
            // A namespaceSelector reaches other namespaces, which the snapshot may not hold.
            if (record(peer, 'namespaceSelector')) return;
            const selector = parseLabelSelector(field(peer, 'podSelector'));
            if (!selector || isEmptySelector(selector)) return;
            const { pods, workloads } = select(index, namespace, selector);
            if (pods.length > 0 || workloads.length > 0) return;
            const path = `spec.${direction}[${r}].${side}[${p}].podSelector`;
            out.push({
              object: policy,
              detail: path,
              message: `${describe(refOf(policy))} allows ${direction} ${side} pods with ${formatSelector(selector)}, but no pod in namespace ${namespace} matches, so that rule allows nothing.`,
              evidence: [{ type: 'field', path, value: field(peer, 'podSelector') }],
              remediation: {
                summary:
                  'Fix the peer podSelector to match the pods meant to talk, or remove the rule.',
                steps: [
                  `kubectl get pods -n ${namespace} --show-labels`,
                  'For pods in another namespace, add a namespaceSelector to the same peer.',
                ],
              },
            });
          });
        });
      }
      return out;
    });
  },
};

export const networkPeerRules: Rule[] = [danglingPeerPodSelector];
