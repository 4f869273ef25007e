import { describe, field, refOf, str } from '../../kube/fields.js';
import { nest } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';

/** kube-score's poddisruptionbudget-has-policy: a PDB with no budget does not protect anything. */
export const pdbHasPolicy: Rule = {
  id: 'poddisruptionbudget-has-policy',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'PodDisruptionBudget sets no budget',
  description:
    'A PodDisruptionBudget without minAvailable or maxUnavailable gives the eviction API nothing to enforce.',
  check({ index }) {
    return index.ofKind('PodDisruptionBudget').flatMap((pdb): FindingDraft[] => {
      const min = field(pdb, 'spec', 'minAvailable');
      const max = field(pdb, 'spec', 'maxUnavailable');
      if (min !== undefined || max !== undefined) return [];
      return [
        {
          object: pdb,
          message: `${describe(refOf(pdb))} sets neither minAvailable nor maxUnavailable, so it protects no pod from eviction.`,
          evidence: [{ type: 'field', path: 'spec', value: field(pdb, 'spec') ?? null }],
          remediation: {
            summary: 'Set maxUnavailable: 1 (or a minAvailable below the replica count).',
            steps: ['maxUnavailable keeps drains possible whatever the replica count is.'],
            patch: { type: 'merge', body: nest(['spec'], { maxUnavailable: 1 }) },
          },
        },
      ];
    });
  },
};

/**
 * kube-linter's pdb-unhealthy-pod-eviction-policy. With the default
 * (IfHealthyBudget) a crash-looping pod counts against the budget and can
 * block a node drain; AlwaysAllow lets broken pods go. The default is safe for
 * applications that must not lose data, so this belongs to the strict profile.
 */
export const pdbUnhealthyPodEvictionPolicy: Rule = {
  id: 'pdb-unhealthy-pod-eviction-policy',
  category: 'configuration',
  defaultSeverity: 'low',
  profile: 'strict',
  title: 'PodDisruptionBudget keeps unhealthy pods',
  description:
    'Without unhealthyPodEvictionPolicy: AlwaysAllow, pods that are running but not ready can block node drains.',
  check({ index }) {
    return index.ofKind('PodDisruptionBudget').flatMap((pdb): FindingDraft[] => {
      const policy = str(pdb, 'spec', 'unhealthyPodEvictionPolicy');
      if (policy === 'AlwaysAllow') return [];
      return [
        {
          object: pdb,
          message: `${describe(refOf(pdb))} ${policy ? `sets unhealthyPodEvictionPolicy ${policy}` : 'does not set unhealthyPodEvictionPolicy'}, so pods that are not ready can block a node drain.`,
          evidence: [
            { type: 'field', path: 'spec.unhealthyPodEvictionPolicy', value: policy ?? null },
          ],
          remediation: {
            summary: 'Set unhealthyPodEvictionPolicy: AlwaysAllow.',
            steps: [
              'Keep IfHealthyBudget only when evicting a not-ready pod could lose data it is still recovering.',
            ],
            patch: {
              type: 'merge',
              body: nest(['spec'], { unhealthyPodEvictionPolicy: 'AlwaysAllow' }),
            },
          },
        },
      ];
    });
  },
};

export const disruptionRules: Rule[] = [pdbHasPolicy, pdbUnhealthyPodEvictionPolicy];
