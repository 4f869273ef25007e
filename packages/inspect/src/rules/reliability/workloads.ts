import {
  condition,
  conditionsOf,
  describe,
  hasStatus,
  num,
  refOf,
  str,
} from '../../kube/fields.js';
import { desiredReplicas } from '../../kube/workloads.js';
import type { Evidence } from '../../finding.js';
import { eventEvidence, eventsWithReason, type FindingDraft, type Rule } from '../../rule.js';
import type { KubeObject } from '../../snapshot.js';

interface Availability {
  desired: number;
  ready: number;
  field: string;
}

function availabilityOf(object: KubeObject): Availability | undefined {
  switch (object.kind) {
    case 'Deployment':
      return {
        desired: desiredReplicas(object),
        ready: num(object, 'status', 'availableReplicas') ?? 0,
        field: 'status.availableReplicas',
      };
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'ReplicationController':
      return {
        desired: desiredReplicas(object),
        ready: num(object, 'status', 'readyReplicas') ?? 0,
        field: 'status.readyReplicas',
      };
    case 'DaemonSet':
      return {
        desired: num(object, 'status', 'desiredNumberScheduled') ?? 0,
        ready:
          num(object, 'status', 'numberAvailable') ?? num(object, 'status', 'numberReady') ?? 0,
        field: 'status.numberAvailable',
      };
    default:
      return undefined;
  }
}

function rollingOut(object: KubeObject): boolean {
  const generation = num(object, 'metadata', 'generation');
  const observed = num(object, 'status', 'observedGeneration');
  if (generation !== undefined && observed !== undefined && observed < generation) return true;
  const progressing = condition(object, 'Progressing');
  return progressing?.status === 'True' && progressing.reason === 'ReplicaSetUpdated';
}

export const workloadUnavailable: Rule = {
  id: 'workload-unavailable',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Workload is not at its desired state',
  description:
    'Fewer pods are available than the Deployment, StatefulSet, DaemonSet or ReplicaSet asks for.',
  check({ index }) {
    const drafts: FindingDraft[] = [];
    for (const object of index.ofKind(
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'ReplicaSet',
      'ReplicationController',
    )) {
      if (!hasStatus(object)) continue;
      // A ReplicaSet under a Deployment is judged through its Deployment.
      if (object.kind === 'ReplicaSet' && !index.isTopLevel(object)) continue;
      const availability = availabilityOf(object);
      if (!availability || availability.desired === 0) continue;
      const stalled = condition(object, 'Progressing');
      const deadline = stalled?.status === 'False' && stalled.reason === 'ProgressDeadlineExceeded';
      if (availability.ready >= availability.desired && !deadline) continue;
      // A rollout in progress briefly runs below the desired count; only a stall or an outage counts.
      if (!deadline && availability.ready > 0 && rollingOut(object)) continue;
      const failure = conditionsOf(object).find(
        (c) =>
          (c.type === 'ReplicaFailure' && c.status === 'True') ||
          (c.type === 'Available' && c.status === 'False'),
      );
      const evidence: Evidence[] = [
        { type: 'field', path: availability.field, value: availability.ready },
        { type: 'field', path: 'desired', value: availability.desired },
      ];
      if (deadline)
        evidence.push({ type: 'field', path: 'status.conditions[Progressing]', value: stalled });
      if (failure)
        evidence.push({
          type: 'field',
          path: `status.conditions[${failure.type}]`,
          value: failure,
        });
      drafts.push({
        object,
        severity: availability.ready === 0 ? 'critical' : 'high',
        message:
          `${describe(refOf(object))} has ${availability.ready} of ${availability.desired} pods available` +
          (deadline ? '; its rollout exceeded the progress deadline' : '') +
          (failure?.message ? `: ${failure.message}` : '.'),
        evidence,
        remediation: {
          summary:
            'Find why its pods are not becoming available; the pod findings usually name the cause.',
          steps: [
            `kubectl describe ${object.kind.toLowerCase()} -n ${object.metadata.namespace} ${object.metadata.name}`,
            'Look at the pods it owns for scheduling, image, crash or readiness problems.',
            'If a rollout is stuck, fix the new version or roll back: kubectl rollout undo.',
          ],
        },
      });
    }
    return drafts;
  },
};

export const replicaCreationFailure: Rule = {
  id: 'replicaset-create-failure',
  category: 'reliability',
  defaultSeverity: 'high',
  title: 'Controller cannot create pods',
  description:
    'A ReplicaSet or Job reports that pod creation is rejected (quota, admission, security policy).',
  check({ index }) {
    return index.ofKind('ReplicaSet', 'ReplicationController', 'StatefulSet').flatMap((object) => {
      const failure = condition(object, 'ReplicaFailure');
      const events = eventsWithReason(index, object, ['FailedCreate']);
      if (failure?.status !== 'True' && events.length === 0) return [];
      if (desiredReplicas(object) === 0) return [];
      const why = failure?.message ?? str(events[0], 'message') ?? 'no message';
      return [
        {
          object,
          message: `${describe(refOf(object))} cannot create its pods: ${why}`,
          evidence: [
            ...(failure
              ? [
                  {
                    type: 'field' as const,
                    path: 'status.conditions[ReplicaFailure]',
                    value: failure,
                  },
                ]
              : []),
            ...events.slice(0, 3).map(eventEvidence),
          ],
          remediation: {
            summary:
              'Remove what rejects the pods: a quota, a LimitRange, an admission policy or a missing service account.',
            steps: [
              'kubectl describe resourcequota,limitrange in the namespace.',
              'Check admission webhooks and Pod Security admission labels on the namespace.',
            ],
          },
        },
      ];
    });
  },
};

export const statefulSetServiceMissing: Rule = {
  id: 'statefulset-service-missing',
  category: 'reliability',
  defaultSeverity: 'warning',
  title: 'StatefulSet governing Service is missing',
  description:
    'The headless Service named in spec.serviceName does not exist, so pods get no stable DNS names.',
  check({ index }) {
    if (!index.canTellMissing('Service')) return [];
    return index.ofKind('StatefulSet').flatMap((set) => {
      const serviceName = str(set, 'spec', 'serviceName');
      if (!serviceName || index.get('Service', set.metadata.namespace, serviceName)) return [];
      return [
        {
          object: set,
          message: `${describe(refOf(set))} names the governing Service "${serviceName}", which does not exist.`,
          evidence: [{ type: 'field', path: 'spec.serviceName', value: serviceName }],
          remediation: {
            summary: `Create a headless Service "${serviceName}" selecting the StatefulSet's pods.`,
            steps: ['Add a Service with clusterIP: None and the pod template labels as selector.'],
          },
        },
      ];
    });
  },
};

export const workloadRules: Rule[] = [
  workloadUnavailable,
  replicaCreationFailure,
  statefulSetServiceMissing,
];
