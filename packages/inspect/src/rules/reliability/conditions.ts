import { conditionsOf, describe, list, refOf, str, type Condition } from '../../kube/fields.js';
import type { Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

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
  'PersistentVolume',
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
  // Gateway API (GatewayClass, Gateway, its listeners, routes) and OLM InstallPlans.
  'Accepted',
  'Programmed',
  'ResolvedRefs',
  'Installed',
]);
const NEGATIVE = new Set([
  'Degraded',
  'Stalled',
  'Failed',
  'Failure',
  'ReconcileFailed',
  // OLM Subscriptions.
  'ResolutionFailed',
  'InstallPlanFailed',
  'InstallPlanMissing',
  'CatalogSourcesUnhealthy',
]);
/** Conditions that mean the object does nothing at all until fixed. */
const BLOCKING = new Set(['Ready', 'Available', 'Accepted', 'Programmed']);

/** A failing condition, where it sits (status.conditions or a Gateway listener's), and its object. */
interface Failing {
  object: KubeObject;
  condition: Condition;
  /** The Gateway listener the condition belongs to; unset for the object's own conditions. */
  listener?: string;
}

function failing(conditions: Condition[]): Condition[] {
  return conditions.filter(
    (c) =>
      (POSITIVE.has(c.type) && c.status === 'False') ||
      (NEGATIVE.has(c.type) && c.status === 'True'),
  );
}

function failingOf(object: KubeObject): Failing[] {
  const out: Failing[] = failing(conditionsOf(object)).map((condition) => ({
    object,
    condition,
  }));
  // Gateway listeners carry their own conditions: one bad certificate fails one listener only.
  for (const listener of list(object, 'status', 'listeners')) {
    const name = str(listener, 'name') ?? '?';
    // A listener holds its conditions itself, not under status.
    for (const condition of failing(conditionsOf({ status: listener })))
      out.push({ object, condition, listener: name });
  }
  // OLM ClusterServiceVersions and InstallPlans report failure in a phase, not a condition.
  if (str(object, 'status', 'phase') === 'Failed') {
    out.push({
      object,
      condition: {
        type: 'Phase',
        status: 'Failed',
        reason: str(object, 'status', 'reason'),
        message: str(object, 'status', 'message'),
      },
    });
  }
  return out;
}

export const resourceConditionFalse: Rule = {
  id: 'resource-condition-failing',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'Resource reports a failing condition',
  description:
    'Any other resource, including custom resources, Gateway API objects and OLM operators, whose status says it is not Ready/Accepted/Programmed/Installed, is Degraded/Stalled/ResolutionFailed, or is in phase Failed.',
  check({ index }) {
    return index.snapshot.objects.flatMap((object) => {
      if (HANDLED_KINDS.has(object.kind)) return [];
      return failingOf(object).map(({ condition: c, listener }) => {
        const scope = listener === undefined ? '' : `listeners[${listener}]`;
        return {
          object,
          detail: scope ? `${scope}.${c.type}` : c.type,
          severity: BLOCKING.has(c.type) || c.type === 'Phase' ? ('high' as const) : undefined,
          message: `${describe(refOf(object))}${listener ? ` listener "${listener}"` : ''} reports ${c.type === 'Phase' ? `phase ${c.status}` : `${c.type}=${c.status}`}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}.`,
          evidence: [
            {
              type: 'field' as const,
              path:
                c.type === 'Phase'
                  ? 'status.phase'
                  : `status.${scope ? `${scope}.` : ''}conditions[${c.type}]`,
              value: c,
            },
          ],
          remediation: {
            summary: `Follow the condition's reason; the controller that owns ${object.kind} explains it in its logs and events.`,
            steps: [
              `kubectl describe ${object.kind.toLowerCase()} ${object.metadata.namespace ? `-n ${object.metadata.namespace} ` : ''}${object.metadata.name}`,
            ],
          },
        };
      });
    });
  },
};

export const conditionRules: Rule[] = [resourceConditionFalse];
