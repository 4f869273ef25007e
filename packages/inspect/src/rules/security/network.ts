import type { FindingDraft, Rule } from '../../rule.js';

export const namespaceWithoutNetworkPolicy: Rule = {
  id: 'namespace-no-networkpolicy',
  category: 'security',
  defaultSeverity: 'warning',
  title: 'Namespace has no NetworkPolicy',
  description:
    'Without any NetworkPolicy every pod in the namespace accepts traffic from every pod in the cluster.',
  check(context) {
    const { index } = context;
    const withPolicy = new Set(index.ofKind('NetworkPolicy').map((p) => p.metadata.namespace));
    const workloads = new Map<string, number>();
    for (const workload of index.templateWorkloads()) {
      const ns = workload.metadata.namespace;
      if (ns === undefined || context.isSystemNamespace(ns)) continue;
      workloads.set(ns, (workloads.get(ns) ?? 0) + 1);
    }
    return [...workloads.entries()]
      .filter(([ns]) => !withPolicy.has(ns))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ns, count]): FindingDraft => ({
        object: index.get('Namespace', undefined, ns) ?? {
          apiVersion: 'v1',
          kind: 'Namespace',
          name: ns,
        },
        message: `Namespace ${ns} runs ${count} workloads and has no NetworkPolicy, so all of them accept traffic from anywhere in the cluster.`,
        evidence: [{ type: 'object', text: `0 NetworkPolicies in namespace ${ns}` }],
        remediation: {
          summary: 'Add a default-deny ingress policy, then allow the traffic each workload needs.',
          steps: [
            'Start with a policy that allows traffic from the same namespace and from the ingress controller.',
          ],
          create: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: 'default-deny-ingress', namespace: ns },
            spec: { podSelector: {}, policyTypes: ['Ingress'] },
          },
        },
      }));
  },
};

export const networkRules: Rule[] = [namespaceWithoutNetworkPolicy];
