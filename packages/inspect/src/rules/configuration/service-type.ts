import { describe, list, num, refOf, str } from '../../kube/fields.js';
import { nest } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';

/**
 * kube-score's service-type: a NodePort Service opens its port on every
 * node's address, outside Ingress, TLS and most NetworkPolicy setups.
 */
export const serviceType: Rule = {
  id: 'service-type',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'Service is of type NodePort',
  description:
    'A NodePort Service listens on every node of the cluster; expose services through an Ingress, a Gateway or a LoadBalancer instead.',
  check(context) {
    return context.index.ofKind('Service').flatMap((service): FindingDraft[] => {
      if (str(service, 'spec', 'type') !== 'NodePort') return [];
      if (context.isSystemNamespace(service.metadata.namespace)) return [];
      const ports = list(service, 'spec', 'ports').flatMap((p) => num(p, 'nodePort') ?? []);
      return [
        {
          object: service,
          message: `${describe(refOf(service))} is of type NodePort, so it listens on every node${ports.length ? ` (node ${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')})` : ''}.`,
          evidence: [{ type: 'field', path: 'spec.type', value: 'NodePort' }],
          remediation: {
            summary: 'Make it a ClusterIP Service and expose it through an Ingress or Gateway.',
            steps: [
              'Use type LoadBalancer when the service must be reachable outside the cluster without HTTP routing.',
            ],
            patch: { type: 'merge', body: nest(['spec'], { type: 'ClusterIP' }) },
          },
        },
      ];
    });
  },
};

export const serviceTypeRules: Rule[] = [serviceType];
