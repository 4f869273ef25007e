import {
  describe,
  field,
  hasStatus,
  labelsOf,
  list,
  nameOf,
  record,
  refOf,
  str,
} from '../../kube/fields.js';
import {
  formatSelector,
  isEmptySelector,
  parseLabelSelector,
  selectorFromMap,
  type LabelSelector,
} from '../../kube/selector.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import type { KubeObject } from '../../snapshot.js';
import type { FindingDraft, Rule } from '../../rule.js';

function serviceSelector(service: KubeObject): LabelSelector | undefined {
  if (str(service, 'spec', 'type') === 'ExternalName') return undefined;
  const selector = selectorFromMap(record(service, 'spec', 'selector'));
  return selector && !isEmptySelector(selector) ? selector : undefined;
}

interface Selection {
  pods: KubeObject[];
  workloads: KubeObject[];
}

export function select(
  index: SnapshotIndex,
  namespace: string | undefined,
  selector: LabelSelector,
): Selection {
  return {
    pods: index.podsMatching(namespace, selector),
    workloads: index.templatesMatching(namespace, selector),
  };
}

export const serviceSelectorNoMatch: Rule = {
  id: 'service-selector-no-match',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Service selects no pods',
  description:
    'The Service selector matches no pod and no workload template, so it routes to nothing.',
  check({ index }) {
    const drafts: FindingDraft[] = [];
    for (const service of index.ofKind('Service')) {
      const selector = serviceSelector(service);
      if (!selector) continue;
      const { pods, workloads } = select(index, service.metadata.namespace, selector);
      if (pods.length > 0) continue;
      const scaledToZero = workloads.length > 0;
      // In manifest mode there are no pods: a matching template is enough.
      if (scaledToZero && index.source === 'manifests') continue;
      drafts.push({
        object: service,
        severity: scaledToZero ? 'warning' : 'high',
        message: scaledToZero
          ? `${describe(refOf(service))} selects ${formatSelector(selector)}, which matches ${workloads.map((w) => describe(refOf(w))).join(', ')}, but no pod of it exists.`
          : `${describe(refOf(service))} selects ${formatSelector(selector)}, but no pod or workload in namespace ${service.metadata.namespace} has those labels.`,
        evidence: [
          { type: 'field', path: 'spec.selector', value: record(service, 'spec', 'selector') },
        ],
        remediation: {
          summary: scaledToZero
            ? 'Scale the workload up, or remove the Service if it is no longer used.'
            : 'Make the selector match the labels of the pod template it should serve.',
          steps: [
            `kubectl get pods -n ${service.metadata.namespace} --show-labels`,
            'Compare the labels with spec.selector; a typo in one label is enough to match nothing.',
          ],
        },
      });
    }
    return drafts;
  },
};

/** Counts ready and not-ready addresses from the Endpoints object or the EndpointSlices of a Service. */
function endpointCounts(
  index: SnapshotIndex,
  slicesByService: Map<string, KubeObject[]>,
  service: KubeObject,
): { ready: number; notReady: number } | undefined {
  const namespace = service.metadata.namespace;
  const endpoints = index.get('Endpoints', namespace, nameOf(service));
  const slices = slicesByService.get(`${namespace}/${nameOf(service)}`) ?? [];
  if (!endpoints && slices.length === 0) return undefined;
  let ready = 0;
  let notReady = 0;
  for (const subset of list(endpoints, 'subsets')) {
    ready += list(subset, 'addresses').length;
    notReady += list(subset, 'notReadyAddresses').length;
  }
  for (const slice of slices) {
    for (const endpoint of list(slice, 'endpoints')) {
      if (field(endpoint, 'conditions', 'ready') === false) notReady++;
      else ready++;
    }
  }
  return { ready, notReady };
}

export const serviceNoEndpoints: Rule = {
  id: 'service-no-endpoints',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Service has no ready endpoints',
  description: 'The Service matches pods, but none of them is ready, so connections to it fail.',
  check({ index }) {
    if (index.source === 'manifests') return [];
    // EndpointSlices are grouped once so the per-Service lookup stays cheap.
    const slicesByService = new Map<string, KubeObject[]>();
    for (const slice of index.ofKind('EndpointSlice')) {
      const id = `${slice.metadata.namespace}/${labelsOf(slice)['kubernetes.io/service-name']}`;
      slicesByService.set(id, [...(slicesByService.get(id) ?? []), slice]);
    }
    const drafts: FindingDraft[] = [];
    for (const service of index.ofKind('Service')) {
      const selector = serviceSelector(service);
      if (!selector) continue;
      const pods = index.podsMatching(service.metadata.namespace, selector).filter(hasStatus);
      if (pods.length === 0) continue;
      const counts = endpointCounts(index, slicesByService, service);
      if (!counts || counts.ready > 0) continue;
      drafts.push({
        object: service,
        message: `${describe(refOf(service))} has ${pods.length} matching pods but no ready endpoint (${counts.notReady} not ready).`,
        evidence: [
          { type: 'field', path: 'endpoints.ready', value: 0 },
          { type: 'field', path: 'endpoints.notReady', value: counts.notReady },
          ...pods.slice(0, 5).map((p) => ({
            type: 'object' as const,
            text: describe(refOf(p)),
            value: str(p, 'status', 'phase'),
          })),
        ],
        remediation: {
          summary: 'Make the selected pods ready; their readiness findings name the cause.',
          steps: [
            "Check the pods' readiness probes and the ports the Service targets (spec.ports[].targetPort).",
          ],
        },
      });
    }
    return drafts;
  },
};

export const networkPolicyNoPods: Rule = {
  id: 'networkpolicy-no-pods',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'NetworkPolicy selects no pods',
  description: 'The policy podSelector matches nothing, so the policy has no effect.',
  check({ index }) {
    return index.ofKind('NetworkPolicy').flatMap((policy) => {
      const selector = parseLabelSelector(field(policy, 'spec', 'podSelector'));
      if (!selector || isEmptySelector(selector)) return [];
      const { pods, workloads } = select(index, policy.metadata.namespace, selector);
      if (pods.length > 0 || workloads.length > 0) return [];
      return [
        {
          object: policy,
          message: `${describe(refOf(policy))} selects ${formatSelector(selector)}, which matches no pod in namespace ${policy.metadata.namespace}; it protects nothing.`,
          evidence: [
            {
              type: 'field',
              path: 'spec.podSelector',
              value: field(policy, 'spec', 'podSelector'),
            },
          ],
          remediation: {
            summary:
              'Fix the podSelector to match the pods the policy was written for, or delete the policy.',
            steps: [`kubectl get pods -n ${policy.metadata.namespace} --show-labels`],
          },
        },
      ];
    });
  },
};

export const serviceRules: Rule[] = [
  serviceSelectorNoMatch,
  serviceNoEndpoints,
  networkPolicyNoPods,
];
