import {
  conditionsOf,
  describe,
  field,
  list,
  num,
  refOf,
  str,
  type Json,
} from '../../kube/fields.js';
import { parseLabelSelector } from '../../kube/selector.js';
import { containersOf, desiredReplicas } from '../../kube/workloads.js';
import type { FindingDraft, Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';
import { select } from './services.js';

export function scaleTargetOf(hpa: KubeObject) {
  return {
    kind: str(hpa, 'spec', 'scaleTargetRef', 'kind') ?? '',
    name: str(hpa, 'spec', 'scaleTargetRef', 'name') ?? '',
  };
}

export const hpaTargetMissing: Rule = {
  id: 'hpa-target-missing',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'HorizontalPodAutoscaler has no target',
  description: 'The workload named in scaleTargetRef does not exist, so nothing is scaled.',
  check({ index }) {
    return index.ofKind('HorizontalPodAutoscaler').flatMap((hpa) => {
      const target = scaleTargetOf(hpa);
      if (!target.kind || !target.name || !index.canTellMissing(target.kind)) return [];
      if (index.get(target.kind, hpa.metadata.namespace, target.name)) return [];
      return [
        {
          object: hpa,
          message: `${describe(refOf(hpa))} scales ${target.kind} "${target.name}", which does not exist.`,
          evidence: [
            {
              type: 'field',
              path: 'spec.scaleTargetRef',
              value: field(hpa, 'spec', 'scaleTargetRef'),
            },
          ],
          remediation: {
            summary: 'Point scaleTargetRef at the workload to scale, or delete the autoscaler.',
            steps: [`kubectl get ${target.kind.toLowerCase()} -n ${hpa.metadata.namespace}`],
          },
        },
      ];
    });
  },
};

/** Resources whose utilization targets need a request on every container of the target. */
function utilizationResources(hpa: KubeObject): string[] {
  const v2 = list(hpa, 'spec', 'metrics')
    .filter(
      (m) =>
        str(m, 'type') === 'Resource' && str(m, 'resource', 'target', 'type') === 'Utilization',
    )
    .map((m) => str(m, 'resource', 'name') ?? '');
  if (num(hpa, 'spec', 'targetCPUUtilizationPercentage') !== undefined) v2.push('cpu');
  return v2.filter(Boolean);
}

export const hpaUnableToScale: Rule = {
  id: 'hpa-unable-to-scale',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'HorizontalPodAutoscaler cannot scale',
  description:
    'The autoscaler reports it cannot fetch metrics or scale, or its target lacks the resource requests a utilization target needs.',
  check({ index }) {
    const drafts: FindingDraft[] = [];
    for (const hpa of index.ofKind('HorizontalPodAutoscaler')) {
      const where = describe(refOf(hpa));
      for (const c of conditionsOf(hpa)) {
        if ((c.type === 'AbleToScale' || c.type === 'ScalingActive') && c.status === 'False') {
          drafts.push({
            object: hpa,
            detail: c.type,
            message:
              `${where} cannot scale (${c.type}=False, ${c.reason ?? 'no reason'}): ${c.message ?? ''}`.trim(),
            evidence: [{ type: 'field', path: `status.conditions[${c.type}]`, value: c }],
            remediation: {
              summary:
                'Fix the metrics source or the target so the autoscaler can compute a replica count.',
              steps: [
                'Check metrics-server (or the custom/external metrics adapter) is running: kubectl top pods',
                `kubectl describe hpa -n ${hpa.metadata.namespace} ${hpa.metadata.name}`,
              ],
            },
          });
        }
        if (c.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'TooManyReplicas') {
          drafts.push({
            object: hpa,
            detail: 'max',
            severity: 'warning',
            message:
              `${where} wants more replicas than maxReplicas (${num(hpa, 'spec', 'maxReplicas')}) allows: ${c.message ?? ''}`.trim(),
            evidence: [{ type: 'field', path: 'status.conditions[ScalingLimited]', value: c }],
            remediation: {
              summary:
                'Raise maxReplicas if the cluster has room, or make each replica handle more load.',
              steps: ['Check current load against the capacity of one replica.'],
            },
          });
        }
      }
      const target = scaleTargetOf(hpa);
      const workload = index.get(target.kind, hpa.metadata.namespace, target.name);
      if (!workload) continue;
      for (const resource of utilizationResources(hpa)) {
        const missing = containersOf(workload).filter(
          (c) => field(c.container, 'resources', 'requests', resource) === undefined,
        );
        if (missing.length === 0) continue;
        drafts.push({
          object: hpa,
          detail: `requests:${resource}`,
          message: `${where} targets ${resource} utilization, but containers ${missing.map((c) => c.name).join(', ')} of ${describe(refOf(workload))} have no ${resource} request, so utilization cannot be computed.`,
          evidence: missing.map((c) => ({
            type: 'field' as const,
            path: `${c.path}.resources.requests.${resource}`,
            value: null,
          })),
          remediation: {
            summary: `Set a ${resource} request on every container of ${describe(refOf(workload))}.`,
            steps: ["Use the container's typical usage as the request."],
          },
        });
      }
    }
    return drafts;
  },
};

/** Parses minAvailable / maxUnavailable, which are an int or a percentage. */
export function intOrPercent(value: unknown, total: number): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)%$/.exec(value);
  if (match) return Math.ceil((Number(match[1]) / 100) * total);
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

export const pdbBlocksDisruption: Rule = {
  id: 'pdb-no-disruptions',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'PodDisruptionBudget allows no disruption',
  description: 'The budget never lets a pod be evicted, so node drains and cluster upgrades hang.',
  check({ index }) {
    return index.ofKind('PodDisruptionBudget').flatMap((pdb): FindingDraft[] => {
      const selector = parseLabelSelector(field(pdb, 'spec', 'selector'));
      if (!selector) return [];
      const { pods, workloads } = select(index, pdb.metadata.namespace, selector);
      const declared = workloads.reduce((sum, w) => sum + desiredReplicas(w), 0);
      const total = num(pdb, 'status', 'expectedPods') ?? (declared || pods.length);
      if (total === 0) return [];
      const maxUnavailable = intOrPercent(field(pdb, 'spec', 'maxUnavailable'), total);
      const minAvailable = intOrPercent(field(pdb, 'spec', 'minAvailable'), total);
      const byConfig =
        maxUnavailable === 0 || (minAvailable !== undefined && minAvailable >= total);
      const allowed = num(pdb, 'status', 'disruptionsAllowed');
      const healthy = num(pdb, 'status', 'currentHealthy');
      // With every pod healthy and still nothing allowed, the budget itself is the blocker.
      const byStatus = allowed === 0 && healthy !== undefined && healthy >= total;
      if (!byConfig && !byStatus) return [];
      const spec: Json = {};
      if (field(pdb, 'spec', 'maxUnavailable') !== undefined)
        spec.maxUnavailable = field(pdb, 'spec', 'maxUnavailable');
      if (field(pdb, 'spec', 'minAvailable') !== undefined)
        spec.minAvailable = field(pdb, 'spec', 'minAvailable');
      return [
        {
          object: pdb,
          message: `${describe(refOf(pdb))} covers ${total} pods but allows no voluntary disruption (${JSON.stringify(spec)}), so draining their nodes blocks.`,
          evidence: [
            { type: 'field', path: 'spec', value: spec },
            ...(allowed !== undefined
              ? [{ type: 'field' as const, path: 'status.disruptionsAllowed', value: allowed }]
              : []),
          ],
          remediation: {
            summary:
              'Allow at least one pod to be disrupted: maxUnavailable: 1, or run more replicas than minAvailable.',
            steps: ['Keep minAvailable below the replica count, or use maxUnavailable instead.'],
            patch: { type: 'merge', body: { spec: { maxUnavailable: 1, minAvailable: null } } },
          },
        },
      ];
    });
  },
};

export const autoscalingRules: Rule[] = [hpaTargetMissing, hpaUnableToScale, pdbBlocksDisruption];
