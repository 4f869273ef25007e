import { describe, refOf, str } from '../../kube/fields.js';
import { podSpecPatch, podSpecPath, podTemplateOf } from '../../kube/workloads.js';
import type { Rule } from '../../rule.js';
import { perTemplateWorkload } from '../containers.js';

/**
 * kube-linter's deprecated-service-account-field: spec.serviceAccount is the
 * old spelling of serviceAccountName; when the two disagree, which one wins
 * depends on the client, so reviewers misread which identity the pod has.
 */
export const deprecatedServiceAccountField: Rule = {
  id: 'deprecated-service-account-field',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'Pod uses the deprecated serviceAccount field',
  description:
    'spec.serviceAccount is a deprecated alias of spec.serviceAccountName; use the latter only.',
  check(context) {
    return perTemplateWorkload(context, (workload) => {
      const spec = podTemplateOf(workload)?.spec;
      const old = str(spec, 'serviceAccount');
      if (!old) return undefined;
      const current = str(spec, 'serviceAccountName');
      const conflict = current !== undefined && current !== old;
      // The API server mirrors serviceAccountName into the old field of every
      // live object: there only a disagreement tells anything.
      if (!conflict && current !== undefined && context.index.source === 'cluster')
        return undefined;
      return {
        object: workload,
        ...(conflict ? { severity: 'warning' as const } : {}),
        message: conflict
          ? `${describe(refOf(workload))} sets the deprecated serviceAccount "${old}" and serviceAccountName "${current}", which disagree.`
          : `${describe(refOf(workload))} sets the deprecated serviceAccount field ("${old}") instead of serviceAccountName.`,
        evidence: [{ type: 'field', path: `${podSpecPath(workload)}.serviceAccount`, value: old }],
        remediation: {
          summary: 'Set serviceAccountName and remove serviceAccount.',
          steps: conflict ? ['Decide which identity the pod should have before removing one.'] : [],
          patch: {
            type: 'merge',
            body: podSpecPatch(workload, {
              serviceAccountName: current ?? old,
              serviceAccount: null,
            }),
          },
        },
      };
    });
  },
};

export const serviceAccountRules: Rule[] = [deprecatedServiceAccountField];
