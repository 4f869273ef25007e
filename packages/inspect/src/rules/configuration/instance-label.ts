import { describe, labelsOf, refOf } from '../../kube/fields.js';
import { podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';

const INSTANCE = 'app.kubernetes.io/instance';

/**
 * Polaris's metadataAndInstanceMismatched: a workload whose pods carry a
 * different app.kubernetes.io/instance than the workload itself is counted
 * as two installations by every tool that groups by the label.
 */
export const instanceLabelMismatch: Rule = {
  id: 'metadata-instance-mismatch',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'Pod template and workload disagree on app.kubernetes.io/instance',
  description:
    'The workload and its pod template both set app.kubernetes.io/instance but to different values, so tools grouping by installation split them.',
  check({ index }) {
    return index.templateWorkloads().flatMap((workload): FindingDraft[] => {
      const own = labelsOf(workload)[INSTANCE];
      const template = podTemplateOf(workload);
      const pods = template?.labels[INSTANCE];
      if (
        !template ||
        template.path.length === 0 ||
        own === undefined ||
        pods === undefined ||
        own === pods
      )
        return [];
      return [
        {
          object: workload,
          message: `${describe(refOf(workload))} is labelled ${INSTANCE}=${own} but its pods ${INSTANCE}=${pods}.`,
          evidence: [
            { type: 'field', path: `metadata.labels.${INSTANCE}`, value: own },
            {
              type: 'field',
              path: `${template.path.join('.')}.metadata.labels.${INSTANCE}`,
              value: pods,
            },
          ],
          remediation: {
            summary:
              'Use one instance value (the Helm release name, usually) for the workload and its pods.',
            steps: [
              'Changing pod labels that the selector uses needs a new workload: selectors are immutable.',
            ],
          },
        },
      ];
    });
  },
};

export const instanceLabelRules: Rule[] = [instanceLabelMismatch];
