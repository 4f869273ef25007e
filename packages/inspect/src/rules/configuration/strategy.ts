import { describe, num, record, refOf, str } from '../../kube/fields.js';
import { nest } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import { replicaFloors } from './availability.js';

/** maxUnavailable as a pod count ("25%" of 4 is 1, rounded down as the controller does). */
function unavailablePods(value: unknown, replicas: number): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const percent = /^([0-9]+)%$/.exec(value);
  return percent ? Math.floor((Number(percent[1]) * replicas) / 100) : undefined;
}

/**
 * kube-score's deployment-strategy: a Deployment of several replicas (or an
 * HPA floor of several) that is replaced all at once (Recreate, or a rolling update that may take every
 * pod down) is down for the whole rollout.
 */
export const deploymentStrategy: Rule = {
  id: 'deployment-strategy',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Deployment is replaced all at once',
  description:
    'A Deployment with several replicas whose strategy is Recreate, or whose maxUnavailable covers every replica, stops all its pods on each rollout.',
  check(context) {
    const floor = replicaFloors(context.index);
    return context.index.ofKind('Deployment').flatMap((deployment): FindingDraft[] => {
      const replicas = floor(deployment);
      if (replicas < 2) return [];
      const type = str(deployment, 'spec', 'strategy', 'type') ?? 'RollingUpdate';
      const maxUnavailable = record(
        deployment,
        'spec',
        'strategy',
        'rollingUpdate',
      )?.maxUnavailable;
      const unavailable = unavailablePods(maxUnavailable, replicas);
      const whole = type === 'Recreate' || (unavailable !== undefined && unavailable >= replicas);
      if (!whole) return [];
      const how =
        type === 'Recreate'
          ? 'the Recreate strategy'
          : `a rolling update with maxUnavailable ${String(maxUnavailable)}`;
      return [
        {
          object: deployment,
          message: `${describe(refOf(deployment))} runs ${replicas} replicas but uses ${how}, so every rollout stops all of them before new ones are ready.`,
          evidence: [
            {
              type: 'field',
              path: 'spec.strategy',
              value: record(deployment, 'spec', 'strategy') ?? null,
            },
          ],
          remediation: {
            summary: 'Use a rolling update that keeps most replicas serving.',
            steps: [
              'Keep Recreate only when two versions must never run together (e.g. a single-writer volume), and then run one replica.',
            ],
            patch: {
              type: 'merge',
              body: nest(['spec'], {
                strategy: {
                  type: 'RollingUpdate',
                  rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
                },
              }),
            },
          },
        },
      ];
    });
  },
};

/**
 * kube-score's deployment-targeted-by-hpa-does-not-have-replicas-configured:
 * with spec.replicas in the manifest, every apply resets the count the HPA
 * chose, scaling a loaded workload down until the HPA reacts again.
 */
export const hpaTargetReplicas: Rule = {
  id: 'deployment-targeted-by-hpa-does-not-have-replicas-configured',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Workload scaled by an HPA sets its replica count',
  description:
    'A Deployment or StatefulSet scaled by a HorizontalPodAutoscaler should leave spec.replicas out of its manifest; otherwise each apply overrides the autoscaler.',
  check({ index }) {
    // A live object always has spec.replicas (the HPA writes it): only manifests can tell.
    if (index.source !== 'manifests') return [];
    const scaled = new Map<string, KubeObject>();
    for (const hpa of index.ofKind('HorizontalPodAutoscaler')) {
      const target = record(hpa, 'spec', 'scaleTargetRef');
      scaled.set(`${hpa.metadata.namespace}/${str(target, 'kind')}/${str(target, 'name')}`, hpa);
    }
    return index.ofKind('Deployment', 'StatefulSet').flatMap((workload): FindingDraft[] => {
      const hpa = scaled.get(
        `${workload.metadata.namespace}/${workload.kind}/${workload.metadata.name}`,
      );
      const replicas = num(workload, 'spec', 'replicas');
      if (!hpa || replicas === undefined) return [];
      return [
        {
          object: workload,
          message: `${describe(refOf(workload))} is scaled by ${describe(refOf(hpa))} but its manifest sets replicas: ${replicas}, so every apply resets the autoscaler's choice.`,
          evidence: [{ type: 'field', path: 'spec.replicas', value: replicas }],
          remediation: {
            summary: 'Remove spec.replicas from the manifest and let the HPA own it.',
            steps: [
              `The HPA's minReplicas (${num(hpa, 'spec', 'minReplicas') ?? 1}) is the floor instead.`,
              'In a Helm chart, leave replicas out of the template when autoscaling is enabled.',
            ],
            patch: { type: 'merge', body: nest(['spec'], { replicas: null }) },
          },
        },
      ];
    });
  },
};

export const strategyRules: Rule[] = [deploymentStrategy, hpaTargetReplicas];
