import { field, parseQuantity } from '../../kube/fields.js';
import { containerPatch } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

type Resource = 'cpu' | 'memory' | 'ephemeral-storage';

/** kube-score spells the ephemeral-storage check in the singular. */
const IDS: Record<Resource, string> = {
  cpu: 'container-cpu-requests-equal-limits',
  memory: 'container-memory-requests-equal-limits',
  'ephemeral-storage': 'container-ephemeral-storage-request-equals-limit',
};

/**
 * kube-score's *-requests-equal-limits: a container whose request equals its
 * limit is never throttled or evicted for using more than it asked (the
 * Guaranteed QoS class when every resource is set so). Burstable containers
 * are a sound choice for most services, hence the strict profile.
 */
function requestsEqualLimits(resource: Resource): Rule {
  return {
    id: IDS[resource],
    category: 'configuration',
    defaultSeverity: 'low',
    profile: 'strict',
    title: `Container ${resource} request differs from its limit`,
    description: `A container whose ${resource} request is below its limit can use more than the node reserved for it, and is the first to be throttled or evicted when the node runs short.`,
    check(context) {
      return perTemplateContainer(context, { init: true }, (workload, entry) => {
        const request = field(entry.container, 'resources', 'requests', resource);
        const limit = field(entry.container, 'resources', 'limits', resource);
        // An unset request defaults to the limit.
        if (request === undefined) return undefined;
        if (limit !== undefined && parseQuantity(request) === parseQuantity(limit))
          return undefined;
        const fix =
          limit === undefined
            ? { limits: { [resource]: request } }
            : { requests: { [resource]: limit } };
        return {
          object: workload,
          detail: entry.name,
          message:
            limit === undefined
              ? `The ${containerLabel(workload, entry)} requests ${String(request)} ${resource} and sets no limit, so it may use more than its request.`
              : `The ${containerLabel(workload, entry)} requests ${String(request)} ${resource} but may use up to ${String(limit)}.`,
          evidence: [
            { type: 'field', path: `${entry.path}.resources.requests.${resource}`, value: request },
            {
              type: 'field',
              path: `${entry.path}.resources.limits.${resource}`,
              value: limit ?? null,
            },
          ],
          remediation: {
            summary: `Set the ${resource} request and limit to the same value.`,
            steps: [
              limit === undefined
                ? 'The patch sets the limit to the request; raise both if the container needs more.'
                : 'The patch raises the request to the limit, which reserves more of the node; lower both if that is too much.',
            ],
            patch: { type: 'strategic', body: containerPatch(workload, entry, { resources: fix }) },
          },
        };
      });
    },
  };
}

export const requestsEqualLimitsRules: Rule[] = [
  requestsEqualLimits('cpu'),
  requestsEqualLimits('memory'),
  requestsEqualLimits('ephemeral-storage'),
];
