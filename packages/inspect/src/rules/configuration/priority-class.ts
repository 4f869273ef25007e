import { bool, describe, refOf, str } from '../../kube/fields.js';
import { podSpecPatch, podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { perTemplateWorkload } from '../containers.js';

/**
 * Polaris's priorityClassNotSet. Without a priority class every pod has
 * priority 0, so under pressure the scheduler cannot tell which pods to keep;
 * whether that matters is a cluster's policy, hence the strict profile.
 */
export const priorityClassNotSet: Rule = {
  id: 'priority-class-not-set',
  category: 'configuration',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'Priority class is not set',
  description:
    'A pod without priorityClassName runs at the default priority: under resource pressure it is preempted or evicted in no particular order.',
  check(context) {
    // A globalDefault PriorityClass already gives every pod without one its priority.
    if (context.index.ofKind('PriorityClass').some((p) => bool(p, 'globalDefault') === true))
      return [];
    return perTemplateWorkload(context, (workload) => {
      const template = podTemplateOf(workload);
      if (!template || str(template.spec, 'priorityClassName')) return undefined;
      return {
        object: workload,
        message: `${describe(refOf(workload))} sets no priorityClassName, so its pods run at the default priority.`,
        evidence: [
          { type: 'field', path: `${podSpecPath(workload)}.priorityClassName`, value: null },
        ],
        remediation: {
          summary: 'Set priorityClassName to one of the cluster’s PriorityClasses.',
          steps: [
            'List them with `kubectl get priorityclass`; create one per tier (e.g. critical, standard, batch) if none exist.',
          ],
          patch: { type: 'merge', body: podSpecPatch(workload, { priorityClassName: 'standard' }) },
        },
      };
    });
  },
};

export const priorityClassRules: Rule[] = [priorityClassNotSet];
