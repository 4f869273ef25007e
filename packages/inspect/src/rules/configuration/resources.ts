import { field } from '../../kube/fields.js';
import { containerPatch } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { containerLabel, perTemplateContainer } from '../containers.js';

const RESOURCES = ['cpu', 'memory'] as const;

/** Placeholders that are safe for a small service; the message says to tune them. */
const STARTING_POINT = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };

export const requestsMissing: Rule = {
  id: 'container-requests-missing',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Container has no resource requests',
  description:
    'Without CPU and memory requests the scheduler places pods blindly and the pod is evicted first under pressure.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const missing = RESOURCES.filter(
        (r) => field(entry.container, 'resources', 'requests', r) === undefined,
      );
      if (missing.length === 0) return undefined;
      const requests = Object.fromEntries(missing.map((r) => [r, STARTING_POINT.requests[r]]));
      return {
        object: workload,
        detail: entry.name,
        message: `The ${containerLabel(workload, entry)} has no ${missing.join(' or ')} request.`,
        evidence: missing.map((r) => ({
          type: 'field' as const,
          path: `${entry.path}.resources.requests.${r}`,
          value: null,
        })),
        remediation: {
          summary:
            'Set requests to the typical usage of the container (see the cost findings when usage history is available).',
          steps: [
            'Start from observed usage (kubectl top pod) and adjust; the patch holds placeholder values.',
          ],
          patch: {
            type: 'strategic',
            body: containerPatch(workload, entry, { resources: { requests } }),
          },
        },
      };
    });
  },
};

export const limitsMissing: Rule = {
  id: 'container-limits-missing',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Container has no resource limits',
  description:
    'Without a memory limit one container can exhaust the node; a missing CPU limit matters less and is reported as low.',
  check(context) {
    return perTemplateContainer(context, { init: true }, (workload, entry) => {
      const missing = RESOURCES.filter(
        (r) => field(entry.container, 'resources', 'limits', r) === undefined,
      );
      if (missing.length === 0) return undefined;
      const memory = missing.includes('memory');
      return {
        object: workload,
        detail: entry.name,
        severity: memory ? 'warning' : 'low',
        message: `The ${containerLabel(workload, entry)} has no ${missing.join(' or ')} limit.`,
        evidence: missing.map((r) => ({
          type: 'field' as const,
          path: `${entry.path}.resources.limits.${r}`,
          value: null,
        })),
        remediation: {
          summary: memory
            ? "Set a memory limit above the container's peak usage."
            : 'Consider a CPU limit if this container must not starve its neighbours.',
          steps: ['A memory limit equal to the request gives the most predictable behaviour.'],
          ...(memory
            ? {
                patch: {
                  type: 'strategic' as const,
                  body: containerPatch(workload, entry, {
                    resources: { limits: { memory: STARTING_POINT.limits.memory } },
                  }),
                },
              }
            : {}),
        },
      };
    });
  },
};

export const resourceRules: Rule[] = [requestsMissing, limitsMissing];
