import { describe, field, list, nameOf, refOf, strings } from '../../kube/fields.js';
import { isEmptySelector, matchesSelector, parseLabelSelector } from '../../kube/selector.js';
import { podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

/** Whether a policy restricts incoming traffic (policyTypes defaults to Ingress, plus Egress when egress rules exist). */
function restrictsIngress(policy: KubeObject): boolean {
  const types = strings(policy, 'spec', 'policyTypes');
  return types.length === 0 || types.includes('Ingress');
}

/** An ingress rule with neither peers nor ports admits every source on every port. */
function allowsAnything(rule: unknown): boolean {
  return list(rule, 'from').length === 0 && list(rule, 'ports').length === 0;
}

/**
 * Wider than namespace-no-networkpolicy: the namespace has policies, but
 * none selects this workload's pods, so they accept traffic from anywhere.
 */
export const workloadNotCoveredByNetworkPolicy: Rule = {
  id: 'workload-no-networkpolicy',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Workload is not covered by any NetworkPolicy',
  description:
    'The namespace has NetworkPolicies, but none restricting ingress selects this workload’s pods, so they accept traffic from every pod in the cluster.',
  check(context) {
    const { index } = context;
    const byNamespace = new Map<string, KubeObject[]>();
    for (const policy of index.ofKind('NetworkPolicy')) {
      if (!restrictsIngress(policy)) continue;
      const ns = policy.metadata.namespace ?? '';
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), policy]);
    }
    const namespacesWithAny = new Set(
      index.ofKind('NetworkPolicy').map((p) => p.metadata.namespace),
    );
    return index.templateWorkloads().flatMap((workload): FindingDraft[] => {
      const ns = workload.metadata.namespace;
      // A namespace without any policy is namespace-no-networkpolicy's finding.
      if (ns === undefined || context.isSystemNamespace(ns) || !namespacesWithAny.has(ns))
        return [];
      const labels = podTemplateOf(workload)?.labels ?? {};
      const covered = (byNamespace.get(ns) ?? []).some((policy) => {
        const selector = parseLabelSelector(field(policy, 'spec', 'podSelector'));
        return selector !== undefined && matchesSelector(selector, labels);
      });
      if (covered) return [];
      return [
        {
          object: workload,
          message: `No NetworkPolicy restricting ingress in namespace ${ns} selects the pods of ${describe(refOf(workload))}, so they accept traffic from anywhere in the cluster.`,
          evidence: [{ type: 'field', path: 'spec.template.metadata.labels', value: labels }],
          remediation: {
            summary:
              'Add a NetworkPolicy for these pods allowing only the traffic they need, or a default-deny policy for the namespace.',
            steps: ['kubectl get networkpolicy -n ' + ns],
            create: {
              apiVersion: 'networking.k8s.io/v1',
              kind: 'NetworkPolicy',
              metadata: { name: nameOf(workload), namespace: ns },
              spec: {
                podSelector: { matchLabels: labels },
                policyTypes: ['Ingress'],
                ingress: [{ from: [{ podSelector: {} }] }],
              },
            },
          },
        },
      ];
    });
  },
};

/** K8sGPT's NetworkPolicy analyzer: a policy whose ingress rule admits everything protects nothing. */
export const networkPolicyAllowsAll: Rule = {
  id: 'networkpolicy-allows-all',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'NetworkPolicy allows all ingress',
  description:
    'An ingress rule with no from and no ports admits every source on every port, so the pods it selects are as open as with no policy.',
  check({ index }) {
    return index.ofKind('NetworkPolicy').flatMap((policy): FindingDraft[] => {
      if (!restrictsIngress(policy)) return [];
      const rules = list(policy, 'spec', 'ingress');
      const open = rules.findIndex(allowsAnything);
      if (open < 0) return [];
      const selector = parseLabelSelector(field(policy, 'spec', 'podSelector'));
      const everyPod = !selector || isEmptySelector(selector);
      return [
        {
          object: policy,
          message: `${describe(refOf(policy))} has an ingress rule with no from and no ports, which admits all traffic to ${everyPod ? 'every pod in the namespace' : 'the pods it selects'}.`,
          evidence: [{ type: 'field', path: `spec.ingress[${open}]`, value: rules[open] }],
          remediation: {
            summary: 'Name the sources (podSelector, namespaceSelector) and ports the pods accept.',
            steps: [
              'If allowing everything is intended, delete the policy: it only suggests protection.',
            ],
          },
        },
      ];
    });
  },
};

export const networkCoverageRules: Rule[] = [
  workloadNotCoveredByNetworkPolicy,
  networkPolicyAllowsAll,
];
