import { describe, field, list, num, record, refOf, str } from '../../kube/fields.js';
import { matchesSelector, parseLabelSelector } from '../../kube/selector.js';
import { desiredReplicas, podSpecPatch, podTemplateOf, nest } from '../../kube/workloads.js';
import type { SnapshotIndex } from '../../snapshot-index.js';
import { antiAffinityTerms } from './anti-affinity.js';
import type { KubeObject } from '../../snapshot.js';
import type { FindingDraft, Rule, RuleContext } from '../../rule.js';

const REPLICATED_KINDS = ['Deployment', 'StatefulSet'];

/** The replica floor: an HPA's minReplicas when one scales the workload, else spec.replicas. */
export function replicaFloors(index: SnapshotIndex): (workload: KubeObject) => number {
  const hpaMin = new Map<string, number>();
  for (const hpa of index.ofKind('HorizontalPodAutoscaler')) {
    const id = `${hpa.metadata.namespace}/${str(hpa, 'spec', 'scaleTargetRef', 'kind')}/${str(hpa, 'spec', 'scaleTargetRef', 'name')}`;
    hpaMin.set(id, num(hpa, 'spec', 'minReplicas') ?? 1);
  }
  return (workload) =>
    hpaMin.get(`${workload.metadata.namespace}/${workload.kind}/${workload.metadata.name}`) ??
    desiredReplicas(workload);
}

/** The most replicas a workload can have: an HPA's maxReplicas when one scales it, else spec.replicas. */
export function replicaCeilings(index: SnapshotIndex): (workload: KubeObject) => number {
  const hpaMax = new Map<string, number>();
  for (const hpa of index.ofKind('HorizontalPodAutoscaler')) {
    const id = `${hpa.metadata.namespace}/${str(hpa, 'spec', 'scaleTargetRef', 'kind')}/${str(hpa, 'spec', 'scaleTargetRef', 'name')}`;
    const max = num(hpa, 'spec', 'maxReplicas');
    if (max !== undefined) hpaMax.set(id, max);
  }
  return (workload) =>
    hpaMax.get(`${workload.metadata.namespace}/${workload.kind}/${workload.metadata.name}`) ??
    desiredReplicas(workload);
}

function replicated(context: RuleContext): KubeObject[] {
  return context.index.ofKind(...REPLICATED_KINDS).filter((w) => context.index.isTopLevel(w));
}

export const singleReplica: Rule = {
  id: 'workload-single-replica',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Production workload runs a single replica',
  description: 'One replica means every restart, node drain or rollout is an outage.',
  check(context) {
    const floor = replicaFloors(context.index);
    return replicated(context).flatMap((workload): FindingDraft[] => {
      if (!context.isProduction(workload)) return [];
      const replicas = floor(workload);
      if (replicas !== 1) return [];
      return [
        {
          object: workload,
          message: `${describe(refOf(workload))} is a production workload with a single replica; any disruption takes it down.`,
          evidence: [
            { type: 'field', path: 'spec.replicas', value: num(workload, 'spec', 'replicas') ?? 1 },
          ],
          remediation: {
            summary: 'Run at least two replicas (and a PodDisruptionBudget).',
            steps: [
              'Make sure the application tolerates more than one instance (sessions, leader election, migrations).',
            ],
            patch: { type: 'merge', body: nest(['spec'], { replicas: 2 }) },
          },
        },
      ];
    });
  },
};

export const noDisruptionBudget: Rule = {
  id: 'workload-no-pdb',
  category: 'configuration',
  defaultSeverity: 'warning',
  title: 'Workload has no PodDisruptionBudget',
  description:
    'Without a PDB a node drain may evict every replica at once; reported for any workload that runs (or its autoscaler may scale it to) two or more replicas, low outside production.',
  check(context) {
    const budgets = new Map<string, ReturnType<typeof parseLabelSelector>[]>();
    for (const pdb of context.index.ofKind('PodDisruptionBudget')) {
      const ns = pdb.metadata.namespace ?? '';
      budgets.set(ns, [
        ...(budgets.get(ns) ?? []),
        parseLabelSelector(field(pdb, 'spec', 'selector')),
      ]);
    }
    // A PDB matters as soon as there can be two pods: one may then be kept while the other moves.
    const ceiling = replicaCeilings(context.index);
    return replicated(context).flatMap((workload): FindingDraft[] => {
      if (ceiling(workload) < 2) return [];
      const production = context.isProduction(workload);
      const labels = podTemplateOf(workload)?.labels ?? {};
      const covered = (budgets.get(workload.metadata.namespace ?? '') ?? []).some(
        (s) => s !== undefined && matchesSelector(s, labels),
      );
      if (covered) return [];
      const selector = record(workload, 'spec', 'selector') ?? {};
      return [
        {
          object: workload,
          severity: production ? 'warning' : 'low',
          message: `${describe(refOf(workload))} ${production ? 'is a production workload with' : 'has'} no PodDisruptionBudget; a drain can evict all its pods together.`,
          evidence: [
            {
              type: 'object',
              text: `no PodDisruptionBudget in ${workload.metadata.namespace} selects labels ${JSON.stringify(labels)}`,
            },
          ],
          remediation: {
            summary:
              "Add a PodDisruptionBudget with maxUnavailable: 1 selecting the workload's pods.",
            steps: [
              'Keep maxUnavailable below the replica count so drains can proceed one pod at a time.',
            ],
            create: {
              apiVersion: 'policy/v1',
              kind: 'PodDisruptionBudget',
              metadata: { name: workload.metadata.name, namespace: workload.metadata.namespace },
              spec: { maxUnavailable: 1, selector },
            },
          },
        },
      ];
    });
  },
};

export const noSpread: Rule = {
  id: 'workload-no-spread',
  category: 'configuration',
  defaultSeverity: 'low',
  title: 'Replicas may all land on one node',
  description:
    'A multi-replica workload without pod anti-affinity or topology spread constraints can be scheduled onto a single node or zone.',
  check(context) {
    const floor = replicaFloors(context.index);
    return replicated(context).flatMap((workload): FindingDraft[] => {
      if (floor(workload) < 2) return [];
      const spec = podTemplateOf(workload)?.spec;
      // Anti-affinity terms that miss the workload's own pods are pod-anti-affinity-selects-other-pods' finding.
      if (antiAffinityTerms(workload).length > 0) return [];
      if (list(spec, 'topologySpreadConstraints').length > 0) return [];
      const matchLabels = record(workload, 'spec', 'selector', 'matchLabels') ?? {};
      return [
        {
          object: workload,
          severity: context.isProduction(workload) ? 'warning' : 'low',
          message: `${describe(refOf(workload))} runs ${floor(workload)} replicas with no anti-affinity or topology spread, so one node failure can take all of them.`,
          evidence: [
            { type: 'field', path: 'spec.template.spec.affinity.podAntiAffinity', value: null },
            { type: 'field', path: 'spec.template.spec.topologySpreadConstraints', value: null },
          ],
          remediation: {
            summary: 'Spread replicas across nodes (and zones) with topologySpreadConstraints.',
            steps: [
              'ScheduleAnyway keeps pods schedulable on small clusters; use DoNotSchedule for strict spreading.',
            ],
            patch: {
              type: 'strategic',
              body: podSpecPatch(workload, {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: 'kubernetes.io/hostname',
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels },
                  },
                ],
              }),
            },
          },
        },
      ];
    });
  },
};

export const availabilityRules: Rule[] = [singleReplica, noDisruptionBudget, noSpread];
