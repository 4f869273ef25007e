import { describe, field, nameOf, num, refOf } from '../../kube/fields.js';
import { matchesSelector, parseLabelSelector } from '../../kube/selector.js';
import { podTemplateOf } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import { intOrPercent, scaleTargetOf } from './autoscaling.js';

/** minReplicas defaults to 1 in the API. */
const minReplicasOf = (hpa: KubeObject) => num(hpa, 'spec', 'minReplicas') ?? 1;

/** Polaris's hpaMaxAvailability: an autoscaler whose maximum is its minimum never scales. */
export const hpaMaxAvailability: Rule = {
  id: 'hpa-max-availability',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'HorizontalPodAutoscaler cannot scale up',
  description:
    'maxReplicas is not above minReplicas, so the autoscaler never adds a pod, however high the load.',
  check({ index }) {
    return index.ofKind('HorizontalPodAutoscaler').flatMap((hpa): FindingDraft[] => {
      const min = minReplicasOf(hpa);
      const max = num(hpa, 'spec', 'maxReplicas');
      if (max === undefined || max > min) return [];
      return [
        {
          object: hpa,
          message: `${describe(refOf(hpa))} has maxReplicas ${max} and minReplicas ${min}, so it never scales up.`,
          evidence: [
            { type: 'field', path: 'spec.minReplicas', value: min },
            { type: 'field', path: 'spec.maxReplicas', value: max },
          ],
          remediation: {
            summary: 'Raise maxReplicas above minReplicas to the most the workload may need.',
            steps: ['Without headroom, a fixed replica count says the same more plainly.'],
            patch: { type: 'merge', body: { spec: { maxReplicas: Math.max(min * 2, min + 1) } } },
          },
        },
      ];
    });
  },
};

/**
 * Polaris's pdbMinAvailableGreaterThanHPAMinReplicas: once the autoscaler
 * scales the workload down to minReplicas, a budget asking for at least as
 * many available pods allows no eviction and node drains hang.
 */
export const pdbMinAvailableAboveHpaMin: Rule = {
  id: 'pdb-min-available-above-hpa-min',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'PodDisruptionBudget blocks drains at the autoscaler’s minimum',
  description:
    'A PodDisruptionBudget whose minAvailable is at least the HorizontalPodAutoscaler’s minReplicas allows no eviction once the workload is scaled down.',
  check({ index }) {
    const pdbs = index.ofKind('PodDisruptionBudget');
    if (pdbs.length === 0) return [];
    return index.ofKind('HorizontalPodAutoscaler').flatMap((hpa): FindingDraft[] => {
      const target = scaleTargetOf(hpa);
      const workload = index.get(target.kind, hpa.metadata.namespace, target.name);
      const labels = workload ? podTemplateOf(workload)?.labels : undefined;
      if (!workload || !labels) return [];
      const min = minReplicasOf(hpa);
      return pdbs.flatMap((pdb): FindingDraft[] => {
        if (pdb.metadata.namespace !== hpa.metadata.namespace) return [];
        const selector = parseLabelSelector(field(pdb, 'spec', 'selector'));
        if (!selector || !matchesSelector(selector, labels)) return [];
        const minAvailable = intOrPercent(field(pdb, 'spec', 'minAvailable'), min);
        if (minAvailable === undefined || minAvailable < min) return [];
        return [
          {
            object: pdb,
            detail: nameOf(hpa),
            message: `${describe(refOf(pdb))} asks for minAvailable ${String(field(pdb, 'spec', 'minAvailable'))} of ${describe(refOf(workload))}, which ${describe(refOf(hpa))} may scale down to ${min}: then no pod can be evicted and node drains hang.`,
            evidence: [
              {
                type: 'field',
                path: 'spec.minAvailable',
                value: field(pdb, 'spec', 'minAvailable'),
              },
              { type: 'object', text: `${describe(refOf(hpa))} spec.minReplicas`, value: min },
            ],
            remediation: {
              summary:
                'Use maxUnavailable: 1, which holds at any replica count, or raise minReplicas above minAvailable.',
              steps: ['A percentage minAvailable below 100% also scales with the replica count.'],
              patch: { type: 'merge', body: { spec: { maxUnavailable: 1, minAvailable: null } } },
            },
          },
        ];
      });
    });
  },
};

export const hpaAvailabilityRules: Rule[] = [hpaMaxAvailability, pdbMinAvailableAboveHpaMin];
