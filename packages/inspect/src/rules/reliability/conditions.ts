import { conditionsOf, describe, refOf } from '../../kube/fields.js';
import type { Rule } from '../../rule.js';

/** Kinds whose conditions have their own, more precise rules. */
const HANDLED_KINDS = new Set([
  'Pod',
  'Node',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'ReplicationController',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'PersistentVolumeClaim',
  'Namespace',
]);

/** Conditions where True is good, and ones where True is bad (controller conventions vary). */
const POSITIVE = new Set([
  'Ready',
  'Available',
  'Healthy',
  'Synced',
  'Reconciled',
  'Established',
  'Succeeded',
]);
const NEGATIVE = new Set(['Degraded', 'Stalled', 'Failed', 'Failure', 'ReconcileFailed']);

export const resourceConditionFalse: Rule = {
  id: 'resource-condition-failing',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'Resource reports a failing condition',
  description:
    'Any other resource, including custom resources, whose status.conditions says it is not Ready/Available/Healthy, or is Degraded/Stalled.',
  check({ index }) {
    return index.snapshot.objects.flatMap((object) => {
      if (HANDLED_KINDS.has(object.kind)) return [];
      return conditionsOf(object)
        .filter(
          (c) =>
            (POSITIVE.has(c.type) && c.status === 'False') ||
            (NEGATIVE.has(c.type) && c.status === 'True'),
        )
        .map((c) => ({
          object,
          detail: c.type,
          severity: c.type === 'Ready' || c.type === 'Available' ? ('high' as const) : undefined,
          message: `${describe(refOf(object))} reports ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}.`,
          evidence: [{ type: 'field' as const, path: `status.conditions[${c.type}]`, value: c }],
          remediation: {
            summary: `Follow the condition's reason; the controller that owns ${object.kind} explains it in its logs and events.`,
            steps: [
              `kubectl describe ${object.kind.toLowerCase()} ${object.metadata.namespace ? `-n ${object.metadata.namespace} ` : ''}${object.metadata.name}`,
            ],
          },
        }));
    });
  },
};

export const conditionRules: Rule[] = [resourceConditionFalse];
