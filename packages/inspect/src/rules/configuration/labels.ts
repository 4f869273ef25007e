import { describe, labelsOf, refOf } from '../../kube/fields.js';
import type { FindingDraft, Rule } from '../../rule.js';

export const RECOMMENDED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

/** Without these two, tools cannot tell which application an object belongs to. */
const REQUIRED = RECOMMENDED_LABELS.slice(0, 2);

export const recommendedLabels: Rule = {
  id: 'labels-recommended',
  category: 'configuration',
  defaultSeverity: 'low',
  // House style: an object works the same without them.
  profile: 'strict',
  title: 'Recommended labels are missing',
  description:
    'Workloads and Services should carry the app.kubernetes.io labels so that tools and people can group them by application.',
  check({ index }) {
    const objects = [...index.templateWorkloads(), ...index.ofKind('Service')];
    return objects.flatMap((object): FindingDraft[] => {
      const labels = labelsOf(object);
      if (REQUIRED.every((l) => labels[l] !== undefined)) return [];
      const missing = RECOMMENDED_LABELS.filter((l) => labels[l] === undefined);
      return [
        {
          object,
          message: `${describe(refOf(object))} is missing the recommended labels ${missing.join(', ')}.`,
          evidence: [{ type: 'field', path: 'metadata.labels', value: labels }],
          remediation: {
            summary:
              'Add the app.kubernetes.io labels (Helm charts usually set them in a helper template).',
            steps: ['At least app.kubernetes.io/name and app.kubernetes.io/instance.'],
            patch: {
              type: 'merge',
              body: {
                metadata: {
                  labels: {
                    'app.kubernetes.io/name':
                      labels['app.kubernetes.io/name'] ?? labels.app ?? object.metadata.name,
                    'app.kubernetes.io/instance':
                      labels['app.kubernetes.io/instance'] ?? object.metadata.name,
                  },
                },
              },
            },
          },
        },
      ];
    });
  },
};

export const labelRules: Rule[] = [recommendedLabels];
